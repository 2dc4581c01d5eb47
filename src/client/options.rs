//! Client options with validating setters. A setter that refuses a value leaves the
//! option as it was. Rules that need more than one option (the loopback rule for plain
//! `http://`) are checked when the client is built.

use std::fmt;
use std::time::Duration;

use ureq::tls::{parse_pem, Certificate, PemItem};

use super::error::Error;
use super::observe::Logger;
use super::text::quoted;
use super::url::{check_proxy_url, normalize_base_url, redact_userinfo};

/// The real API; used when neither the option nor `PLIVO_BASE_URL` gives a base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.plivo.com/v1/";
/// Default deadline of one call, retries and back-off included.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Default bound of one connect.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 3_000;
/// Default number of attempts after the first.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Largest accepted `timeout_ms` / `connect_timeout_ms`.
pub const MAX_TIMEOUT_MS: u32 = 600_000;
/// Largest accepted `max_retries`.
pub const MAX_RETRIES_LIMIT: u32 = 10;

/// How a client is configured. Cheap to clone; the client keeps its own copy.
#[derive(Clone)]
pub struct Options {
    pub(crate) base_url: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) proxy: Option<String>,
    pub(crate) ca_certs: Option<Vec<Certificate<'static>>>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) logger: Option<Logger>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            base_url: None,
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS.into()),
            connect_timeout: Duration::from_millis(DEFAULT_CONNECT_TIMEOUT_MS.into()),
            max_retries: DEFAULT_MAX_RETRIES,
            proxy: None,
            ca_certs: None,
            allow_insecure_http: false,
            logger: None,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("ca_certs", &self.ca_certs.as_ref().map(Vec::len))
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("logger", &self.logger)
            .finish()
    }
}

impl Options {
    /// Defaults: no base URL override, 10 s deadline, 3 s connect, 2 retries.
    pub fn new() -> Options {
        Options::default()
    }

    /// Send the client's log lines to `logger` (None: silent, the default).
    pub fn set_logger(&mut self, logger: Option<Logger>) {
        self.logger = logger;
    }

    /// Use this base URL instead of `PLIVO_BASE_URL` or the default. It must be an
    /// absolute `http://` or `https://` URL with a host and no user info, query or
    /// fragment; a missing trailing slash is added.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), Error> {
        self.base_url = Some(normalize_base_url(url)?);
        Ok(())
    }

    /// Deadline for a whole call, retries and back-off included: 1–600000 ms.
    pub fn set_timeout_ms(&mut self, ms: u32) -> Result<(), Error> {
        self.timeout = checked_ms("timeout_ms", ms)?;
        Ok(())
    }

    /// Bound of each connect (never past the call's deadline): 1–600000 ms.
    pub fn set_connect_timeout_ms(&mut self, ms: u32) -> Result<(), Error> {
        self.connect_timeout = checked_ms("connect_timeout_ms", ms)?;
        Ok(())
    }

    /// Attempts after the first: 0–10.
    pub fn set_max_retries(&mut self, n: u32) -> Result<(), Error> {
        if n > MAX_RETRIES_LIMIT {
            return Err(Error::invalid(format!(
                "max_retries {n} is out of range 0-{MAX_RETRIES_LIMIT}"
            )));
        }
        self.max_retries = n;
        Ok(())
    }

    /// An HTTP CONNECT proxy, `http://[user:password@]host:port`. Setting one turns
    /// off the `HTTPS_PROXY`/`NO_PROXY` environment variables for this client.
    pub fn set_proxy(&mut self, url: &str) -> Result<(), Error> {
        check_proxy_url(url)?;
        self.proxy = Some(url.to_owned());
        Ok(())
    }

    /// Trust exactly the certificates of this PEM file instead of the bundled Mozilla
    /// roots. The file is read and parsed now.
    pub fn set_ca_file(&mut self, pem_path: &str) -> Result<(), Error> {
        if pem_path.is_empty() {
            return Err(Error::invalid("ca_file is empty"));
        }
        let pem = std::fs::read(pem_path).map_err(|e| {
            Error::invalid(format!("ca_file {} cannot be read: {e}", quoted(pem_path)))
        })?;
        let mut certs = Vec::new();
        for item in parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::invalid(format!(
                        "ca_file {} is not valid PEM: {e}",
                        quoted(pem_path)
                    )))
                }
            }
        }
        if certs.is_empty() {
            return Err(Error::invalid(format!(
                "ca_file {} holds no PEM certificate",
                quoted(pem_path)
            )));
        }
        self.ca_certs = Some(certs);
        Ok(())
    }

    /// Allow plain `http://` base URLs to hosts other than loopback.
    pub fn set_allow_insecure_http(&mut self, allow: bool) {
        self.allow_insecure_http = allow;
    }
}

fn checked_ms(name: &str, ms: u32) -> Result<Duration, Error> {
    if ms == 0 || ms > MAX_TIMEOUT_MS {
        return Err(Error::invalid(format!(
            "{name} {ms} is out of range 1-{MAX_TIMEOUT_MS}"
        )));
    }
    Ok(Duration::from_millis(ms.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_refuse_and_keep_the_old_value() {
        let mut o = Options::new();
        assert!(o.set_timeout_ms(0).is_err());
        assert!(o.set_timeout_ms(600_001).is_err());
        assert_eq!(o.timeout, Duration::from_millis(10_000));
        assert!(o.set_max_retries(11).is_err());
        assert_eq!(o.max_retries, 2);
        assert!(o.set_proxy("socks5://h:1").is_err());
        assert!(o.set_proxy("http://h").is_err());
        o.set_proxy("http://u:p@127.0.0.1:3128").unwrap();
        assert!(!format!("{o:?}").contains(":p@"));
        assert!(o.set_ca_file("/nonexistent/ca.pem").is_err());
        assert!(o.ca_certs.is_none());
    }
}
