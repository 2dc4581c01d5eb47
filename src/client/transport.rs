//! One HTTP exchange with retries under one deadline. Owns the ureq agent (and so the
//! keep-alive pool shared by every thread using the client), one per process: see
//! [`super::process`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};
use ureq::{Agent, Proxy, RequestBuilder};

use super::cancel;
use super::classify::{classify_redacting, Failure, RetryClass, Success, MAX_BODY_BYTES};
use super::credentials::Credentials;
use super::error::{Error, ErrorKind};
use super::exchange;
use super::observe::{ConnEvent, Discard, LogLevel, Observer};
use super::process::PerProcess;
use super::proxy_env;
use super::resolver::CachingResolver;
use super::reuse::{OpenCounter, ReuseGuardConnector};
use super::socket::DeadlineTcpConnector;

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("libplivo/", env!("CARGO_PKG_VERSION"));

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Idle connections kept per host: enough for many threads sharing one client.
const IDLE_CONNECTIONS: usize = 64;
/// Sockets of one pool recorded for a forked child to close: the idle ones and those
/// of as many exchanges as a full completion queue runs at once.
const RECORDED_SOCKETS: usize = IDLE_CONNECTIONS + 1024;
/// Per-connection buffers: an answer's head must fit in the input buffer (a larger one
/// is `InvalidResponse`), and no request of the API comes near the output buffer.
const INPUT_BUFFER: usize = 32 * 1024;
const OUTPUT_BUFFER: usize = 16 * 1024;
/// How often a back-off wait looks for a cancel.
const CANCEL_SLICE: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

/// Everything the transport needs from the client's configuration.
pub(crate) struct TransportConfig<'a> {
    pub base_url: &'a str,
    pub credentials: Credentials,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub proxy: Option<&'a str>,
    pub ca_certs: Option<&'a [ureq::tls::Certificate<'static>]>,
    pub observer: Arc<Observer>,
}

pub(crate) struct Transport {
    agents: PerProcess<Agent>,
    observer: Arc<Observer>,
    credentials: Credentials,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
}

struct AttemptError {
    error: Error,
    class: RetryClass,
    retry_after: Option<Duration>,
}

impl Transport {
    pub(crate) fn new(config: TransportConfig<'_>) -> Result<Transport, Error> {
        let proxy = match config.proxy {
            Some(url) => {
                Some(Proxy::new(url).map_err(|_| Error::invalid("proxy is not accepted"))?)
            }
            None => proxy_env::proxy_for(config.base_url)?,
        };
        let roots = match config.ca_certs {
            Some(certs) => RootCerts::new_with_certs(certs),
            None => RootCerts::WebPki,
        };
        let agent_config = Config::builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .proxy(proxy)
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout))
            .max_idle_connections(IDLE_CONNECTIONS)
            .max_idle_connections_per_host(IDLE_CONNECTIONS)
            // ureq's 128 KiB buffers each way, per connection, would make a queue of 64
            // exchanges hold 16 MiB of them; the API's heads and bodies are a few
            // hundred bytes (bodies beyond the buffer are read through it in parts).
            .input_buffer_size(INPUT_BUFFER)
            .output_buffer_size(OUTPUT_BUFFER)
            .build();
        let observer = config.observer;
        let for_agents = observer.clone();
        let agents = PerProcess::new(RECORDED_SOCKETS, move |sockets| {
            Agent::with_parts(
                agent_config.clone(),
                OpenCounter {
                    observer: for_agents.clone(),
                }
                .chain(ConnectProxyConnector::default())
                .chain(DeadlineTcpConnector { sockets })
                .chain(RustlsConnector::default())
                .chain(ReuseGuardConnector {
                    observer: for_agents.clone(),
                }),
                CachingResolver::default(),
            )
        });
        Ok(Transport {
            agents,
            observer,
            credentials: config.credentials,
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_retries: config.max_retries,
        })
    }

    /// Send the request, retrying as the ABI allows, all within one deadline. A cancel of the request running on this
    /// thread ([`cancel`]) ends it with [`ErrorKind::Cancelled`] within a slice.
    pub(crate) fn execute(
        &self,
        method: Method,
        url: &str,
        json_body: Option<&[u8]>,
    ) -> Result<Success, Error> {
        let deadline = Instant::now() + self.timeout;
        let mut attempts: u32 = 0;
        loop {
            if cancel::cancelled() {
                return Err(cancelled(attempts));
            }
            attempts += 1;
            exchange::count_attempt();
            let outcome = self.attempt(method, url, json_body, deadline, attempts == 1);
            // Back outside ureq: log what happened to connections in the attempt.
            exchange::flush();
            let failure = match outcome {
                Ok(success) => return Ok(success),
                Err(_) if cancel::cancelled() => return Err(cancelled(attempts)),
                Err(failure) => failure,
            };
            let idempotent = method != Method::Post;
            if !failure.class.allows_retry(idempotent) || attempts > self.max_retries {
                return Err(with_attempts(failure.error, attempts));
            }
            let wait = failure.retry_after.unwrap_or_else(|| backoff(attempts));
            // Compare with what is left rather than computing `now + wait`: a server's
            // `Retry-After` may be any u64 of seconds, and `Instant + Duration` panics
            // on overflow.
            if wait >= deadline.saturating_duration_since(Instant::now()) {
                return Err(with_attempts(failure.error, attempts));
            }
            self.observer.log(LogLevel::Warn, || {
                format!(
                    "event=retry {} attempt={attempts} wait_ms={} reason={:?}",
                    exchange::label(),
                    wait.as_millis(),
                    failure.error.message()
                )
            });
            if !sleep_unless_cancelled(wait) {
                return Err(cancelled(attempts));
            }
        }
    }

    fn attempt(
        &self,
        method: Method,
        url: &str,
        json_body: Option<&[u8]>,
        deadline: Instant,
        first: bool,
    ) -> Result<Success, AttemptError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(never(self.deadline_error()));
        }
        // The agent's own global timeout is the whole deadline, which is what the first
        // attempt has left (less the microseconds since `execute` began): only retries
        // pay for a request-level configuration.
        let limit = (!first).then_some(remaining);
        let auth = self.credentials.authorization();
        let agent = self.agents.get(|inherited| {
            for _ in 0..inherited {
                let why = ConnEvent::Discarded(Discard::Fork);
                exchange::connection(&self.observer, why, "inherited");
            }
        });
        let sent = match method {
            Method::Get => within(agent.get(url), limit)
                .header("Authorization", auth)
                .call(),
            Method::Delete => within(agent.delete(url), limit)
                .header("Authorization", auth)
                .call(),
            Method::Post => within(agent.post(url), limit)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(json_body.unwrap_or(b"{}")),
        };
        // ureq reports a connect cut short by the call's deadline as a connect timeout:
        // when the deadline came first, it is the deadline that passed.
        let deadline_bounds_connect = self.connect_timeout >= remaining;
        let mut response =
            sent.map_err(|e| self.transport_error(e, deadline, deadline_bounds_connect))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| {
                let mut failed = self.transport_error(e, deadline, false);
                failed.error = failed.error.with_response(status, None);
                failed.class = RetryClass::Never;
                failed
            })?;
        // Redact before the server's text is clipped into the message: a secret cut in
        // two by the clip would no longer be found afterwards.
        classify_redacting(status, retry_after.as_deref(), &body, &self.secrets()).map_err(
            |f: Failure| AttemptError {
                class: f.retry,
                retry_after: f.retry_after,
                error: f.error,
            },
        )
    }

    /// What must never appear in a message.
    pub(crate) fn secrets(&self) -> [&str; 2] {
        self.credentials.secrets()
    }

    fn deadline_error(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!("deadline of {} ms passed", self.timeout.as_millis()),
        )
    }

    /// Map a ureq error to a result kind and a retry class.
    fn transport_error(
        &self,
        e: ureq::Error,
        deadline: Instant,
        deadline_bounds_connect: bool,
    ) -> AttemptError {
        use std::io::ErrorKind as Io;
        let transport = |what: String| Error::new(ErrorKind::Transport, what);
        let past_deadline = Instant::now() >= deadline;
        let (error, class) = match e {
            ureq::Error::Timeout(_) if past_deadline || deadline_bounds_connect => {
                (self.deadline_error(), RetryClass::Never)
            }
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                (transport("connect timed out".into()), RetryClass::Connect)
            }
            ureq::Error::Timeout(_) => (self.deadline_error(), RetryClass::Never),
            ureq::Error::HostNotFound => (transport("host not found".into()), RetryClass::Connect),
            ureq::Error::ConnectionFailed => {
                (transport("connection failed".into()), RetryClass::Connect)
            }
            ureq::Error::Io(io) => match io.kind() {
                Io::ConnectionRefused
                | Io::AddrNotAvailable
                | Io::NetworkUnreachable
                | Io::HostUnreachable => (
                    transport(format!("connect failed: {io}")),
                    RetryClass::Connect,
                ),
                Io::TimedOut | Io::WouldBlock if past_deadline => {
                    (self.deadline_error(), RetryClass::Never)
                }
                Io::UnexpectedEof => (
                    transport("connection closed before a complete response".into()),
                    RetryClass::Never,
                ),
                _ => (
                    transport(format!("connection error: {io}")),
                    RetryClass::Never,
                ),
            },
            ureq::Error::Protocol(p) => (
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!("invalid HTTP response: {p}"),
                ),
                RetryClass::Never,
            ),
            ureq::Error::BodyExceedsLimit(_) => (
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!("response body is larger than {MAX_BODY_BYTES} bytes"),
                ),
                RetryClass::Never,
            ),
            ureq::Error::LargeResponseHeader(..) => (
                Error::new(ErrorKind::InvalidResponse, "response header is too large"),
                RetryClass::Never,
            ),
            ureq::Error::ConnectProxyFailed(why) => (
                transport(format!("proxy CONNECT failed: {why}")),
                RetryClass::Connect,
            ),
            ureq::Error::Tls(why) => (transport(format!("TLS error: {why}")), RetryClass::Never),
            ureq::Error::Rustls(why) => (transport(format!("TLS error: {why}")), RetryClass::Never),
            other => (transport(other.to_string()), RetryClass::Never),
        };
        attempt_error(error, class)
    }
}

/// `request` bounded by `limit` when given, else by the agent's configuration.
fn within<B>(request: RequestBuilder<B>, limit: Option<Duration>) -> RequestBuilder<B> {
    match limit {
        Some(limit) => request.config().timeout_global(Some(limit)).build(),
        None => request,
    }
}

/// A failed attempt that no retry can mend.
fn never(error: Error) -> AttemptError {
    attempt_error(error, RetryClass::Never)
}

/// A failed attempt of retry class `class`, with no `Retry-After` of the server's.
fn attempt_error(error: Error, class: RetryClass) -> AttemptError {
    AttemptError {
        error,
        class,
        retry_after: None,
    }
}

fn cancelled(attempts: u32) -> Error {
    with_attempts(
        Error::new(ErrorKind::Cancelled, "request cancelled"),
        attempts,
    )
}

/// Sleep for `wait`, looking for a cancel every [`CANCEL_SLICE`]; false if cancelled.
fn sleep_unless_cancelled(wait: Duration) -> bool {
    let until = Some(Instant::now() + wait);
    loop {
        match cancel::next_slice(until, CANCEL_SLICE) {
            cancel::Slice::Wait(slice) => std::thread::sleep(slice),
            cancel::Slice::Cancelled => return false,
            cancel::Slice::TimedOut => return true,
        }
    }
}

fn with_attempts(error: Error, attempts: u32) -> Error {
    if attempts > 1 {
        error.after_attempts(attempts)
    } else {
        error
    }
}

/// About 100 ms before the first retry, doubling, capped at 2 s, ±25 % jitter so that
/// many clients failing together do not retry together.
fn backoff(attempts_so_far: u32) -> Duration {
    let exp = attempts_so_far.saturating_sub(1).min(16);
    let base = FIRST_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF);
    base.mul_f64(0.75 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        for _ in 0..100 {
            let first = backoff(1);
            assert!(first >= Duration::from_millis(75) && first <= Duration::from_millis(125));
            let third = backoff(3);
            assert!(third >= Duration::from_millis(300) && third <= Duration::from_millis(500));
            assert!(backoff(30) <= Duration::from_millis(2500));
        }
    }
}
