//! The conventional proxy environment variables, used when no proxy option is set.
//!
//! A client talks to one host, so the decision is made once, at construction:
//! - `https://` base URLs use `HTTPS_PROXY`/`https_proxy`, then `ALL_PROXY`/`all_proxy`;
//!   `http://` base URLs use `http_proxy` (lower case only, as curl does, because CGI
//!   programs receive a `Proxy:` request header as `HTTP_PROXY`), then `ALL_PROXY`.
//! - `NO_PROXY`/`no_proxy` (comma-separated host names, domain suffixes, IP addresses,
//!   or `*`) turns the proxy off for matching hosts.
//! - Loopback hosts never go through an environment proxy.

use ureq::Proxy;

use super::error::Error;
use super::text::quoted;
use super::url::{is_loopback_host, redact_userinfo, url_host};

pub(crate) fn proxy_for(base_url: &str) -> Result<Option<Proxy>, Error> {
    let host = url_host(base_url);
    if is_loopback_host(&host) || no_proxy_matches(&host) {
        return Ok(None);
    }
    let names: &[&str] = if base_url.starts_with("https://") {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let Some((name, value)) = names.iter().find_map(|n| env_value(n).map(|v| (*n, v))) else {
        return Ok(None);
    };
    let url = if value.contains("://") {
        value
    } else {
        format!("http://{value}")
    };
    if !url.starts_with("http://") {
        return Err(Error::invalid(format!(
            "{name}={} is not supported; only http:// (CONNECT) proxies are supported",
            quoted(&redact_userinfo(&url))
        )));
    }
    Proxy::new(&url).map(Some).map_err(|_| {
        Error::invalid(format!(
            "{name}={} is not a valid proxy URL",
            quoted(&redact_userinfo(&url))
        ))
    })
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn no_proxy_matches(host: &str) -> bool {
    env_value("NO_PROXY")
        .or_else(|| env_value("no_proxy"))
        .is_some_and(|list| list_matches(&list, host))
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, or a domain it is in
/// (`example.com` and `.example.com` both match `api.example.com`).
fn list_matches(list: &str, host: &str) -> bool {
    list.split(',')
        .map(|entry| entry.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            entry == "*"
                || entry == host
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
}

#[cfg(test)]
mod tests {
    use super::list_matches;

    #[test]
    fn no_proxy_lists() {
        let host = "api.plivo.com";
        for list in [
            "*",
            "api.plivo.com",
            "plivo.com",
            ".plivo.com",
            "a.b, .PLIVO.com ,c",
        ] {
            assert!(list_matches(list, host), "{list}");
        }
        for list in ["", "plivo.co", "i.plivo.com", "xplivo.com", "10.0.0.1", ","] {
            assert!(!list_matches(list, host), "{list}");
        }
        assert!(list_matches("10.0.0.1", "10.0.0.1"));
    }
}
