//! URL facts: which URLs are accepted where, the host a URL names, whether it is the
//! loopback, and how a URL is shown in a message (never with its user info).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ureq::http::Uri;

use super::error::Error;
use super::text::quoted;

/// Check and normalize a base URL (trailing slash added).
pub(crate) fn normalize_base_url(url: &str) -> Result<String, Error> {
    let shown = redact_userinfo(url);
    let refuse = |why: &str| Error::invalid(format!("base URL {} {why}", quoted(&shown)));
    let uri: Uri = url
        .parse()
        .map_err(|_| refuse("is not an absolute http:// or https:// URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(refuse("is not an absolute http:// or https:// URL")),
    }
    let authority = uri.authority().ok_or_else(|| refuse("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(refuse(
            "must not contain user info; credentials are sent as Basic auth",
        ));
    }
    if authority.host().is_empty() {
        return Err(refuse("has no host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(refuse("must not have a query or fragment"));
    }
    let mut normalized = url.to_owned();
    // Schemes are case-insensitive and `Uri` accepts `HTTP://`: keep the lower-case form
    // so that every later check (the loopback rule for plain http, the proxy
    // environment) sees `http://` however it was spelled.
    let scheme_len = uri.scheme_str().map_or(0, str::len);
    normalized[..scheme_len].make_ascii_lowercase();
    if !normalized.ends_with('/') {
        normalized.push('/');
    }
    Ok(normalized)
}

/// The host of an already normalized URL, without IPv6 brackets.
pub(crate) fn url_host(url: &str) -> String {
    url.parse::<Uri>()
        .ok()
        .and_then(|u| {
            u.host()
                .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
        })
        .unwrap_or_default()
}

/// `localhost`, 127.0.0.0/8 or `::1` (not 0.0.0.0, which is not a destination).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() && ip != Ipv4Addr::UNSPECIFIED,
        Ok(IpAddr::V6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

pub(crate) fn check_proxy_url(url: &str) -> Result<(), Error> {
    let shown = redact_userinfo(url);
    let refuse = |why: &str| Error::invalid(format!("proxy {} {why}", quoted(&shown)));
    let uri: Uri = url
        .parse()
        .map_err(|_| refuse("is not a URL of the form http://[user:password@]host:port"))?;
    if uri.scheme_str() != Some("http") {
        return Err(refuse(
            "has an unsupported scheme; only http:// (CONNECT) proxies are supported",
        ));
    }
    let authority = uri.authority().ok_or_else(|| refuse("has no host"))?;
    if authority.host().is_empty() {
        return Err(refuse("has no host"));
    }
    if authority.port_u16().is_none() {
        return Err(refuse("has no port"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(refuse("must not have a path or query"));
    }
    ureq::Proxy::new(url).map_err(|_| refuse("is not accepted"))?;
    Ok(())
}

/// `http://user:secret@host:1` → `http://***@host:1`, for messages.
pub(crate) fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Refuse `url` unless it is absolute, with one of `schemes` and a host: `what` names
/// the parameter and `expected` says what it should be, in the message.
pub(crate) fn check_absolute(
    what: &str,
    url: &str,
    schemes: &[&str],
    expected: &str,
) -> Result<(), Error> {
    let valid = url
        .parse::<Uri>()
        .ok()
        .filter(|u| u.scheme_str().is_some_and(|s| schemes.contains(&s)))
        .and_then(|u| u.host().map(|h| !h.is_empty()))
        .unwrap_or(false);
    if !valid {
        return Err(Error::invalid(format!(
            "{what} {} is not {expected}",
            quoted(&redact_userinfo(url))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/v1").unwrap(),
            "http://127.0.0.1:8080/v1/"
        );
        assert_eq!(normalize_base_url("https://h").unwrap(), "https://h/");
        assert_eq!(normalize_base_url("HTTP://h/v1").unwrap(), "http://h/v1/");
        for bad in [
            "",
            "api.plivo.com/v1/",
            "ftp://h/",
            "http://",
            "http:///v1/",
            "https://u:p@h/",
            "https://h/v1/?x=1",
            "https://h/v1/#f",
            "ws://h/",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "0.0.0.0",
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "::",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        assert_eq!(url_host("http://[::1]:80/v1/"), "::1");
    }
}
