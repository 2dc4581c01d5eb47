//! The Rust client for Plivo's Audio Stream API. It knows nothing of C: the FFI layer
//! in `crate::ffi` converts and delegates to it.

mod cancel;
mod classify;
mod credentials;
mod error;
mod exchange;
mod ids;
mod observe;
mod options;
mod process;
mod proxy_env;
mod queue;
mod reply;
mod resolver;
mod reuse;
mod socket;
mod stream;
mod text;
mod transport;
mod url;

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use zeroize::Zeroizing;

pub use classify::{classify, parse_retry_after, MAX_BODY_BYTES};
pub use error::{Error, ErrorKind, OK_NAME};
pub use ids::{check_auth_id, check_id, MAX_AUTH_ID_LEN, MAX_ID_LEN};
pub use observe::{LogLevel, LogSink, Logger, Stats};
pub use options::{
    Options, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS,
    MAX_RETRIES_LIMIT, MAX_TIMEOUT_MS,
};
pub use queue::{Completion, Queue, QueueError, Request, DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT};
pub use reply::Reply;
pub use stream::{
    AudioTrack, CallbackMethod, ContentType, Stream, StreamList, StreamListMeta, StreamParams,
    StreamStarted,
};
pub use transport::USER_AGENT;

use credentials::Credentials;
use observe::Observer;
use text::{redacted, shown};
use transport::{Method, Transport, TransportConfig};

/// Environment variable read for the account id when none is given.
pub const ENV_AUTH_ID: &str = "PLIVO_AUTH_ID";
/// Environment variable read for the auth token when none is given.
pub const ENV_AUTH_TOKEN: &str = "PLIVO_AUTH_TOKEN";
/// Environment variable read for the base URL when no option sets one.
pub const ENV_BASE_URL: &str = "PLIVO_BASE_URL";

/// A Plivo API client. Immutable after construction and `Send + Sync`: share it between
/// threads; they share its keep-alive connection pool.
pub struct Client {
    auth_id: String,
    account_url: String,
    transport: Transport,
    observer: Arc<Observer>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"[REDACTED]")
            .field("account_url", &self.account_url)
            .finish()
    }
}

impl Client {
    /// Build a client. `None` credentials are read from `PLIVO_AUTH_ID` /
    /// `PLIVO_AUTH_TOKEN`; the base URL is the option, else `PLIVO_BASE_URL`, else
    /// [`DEFAULT_BASE_URL`]. Plain `http://` is refused for non-loopback hosts unless
    /// the options allow it. Nothing is sent.
    pub fn new(
        auth_id: Option<&str>,
        auth_token: Option<&str>,
        options: &Options,
    ) -> Result<Client, Error> {
        let auth_id = credential(auth_id, ENV_AUTH_ID, "auth_id")?;
        let token = Zeroizing::new(credential(auth_token, ENV_AUTH_TOKEN, "auth_token")?);
        check_auth_id(&auth_id)?;
        if token.chars().any(char::is_control) {
            return Err(Error::invalid("auth_token contains control characters"));
        }
        let base_url = resolve_base_url(options)?;
        let host = url::url_host(&base_url);
        if base_url.starts_with("http://")
            && !options.allow_insecure_http
            && !url::is_loopback_host(&host)
        {
            return Err(Error::invalid(format!(
                "base URL {} is plain http:// to a non-loopback host; use https:// \
                 or allow insecure http explicitly",
                text::quoted(&base_url)
            )));
        }
        let observer = Arc::new(Observer::new(options.logger.clone()));
        let transport = Transport::new(TransportConfig {
            base_url: &base_url,
            credentials: Credentials::new(&auth_id, token),
            timeout: options.timeout,
            connect_timeout: options.connect_timeout,
            max_retries: options.max_retries,
            proxy: options.proxy.as_deref(),
            ca_certs: options.ca_certs.as_deref(),
            observer: observer.clone(),
        })?;
        Ok(Client {
            account_url: format!("{base_url}Account/{auth_id}/"),
            auth_id,
            transport,
            observer,
        })
    }

    /// Counters since the client was made, over all its threads and queues.
    pub fn stats(&self) -> Stats {
        self.observer.snapshot()
    }

    /// The account id this client authenticates as.
    pub fn auth_id(&self) -> &str {
        &self.auth_id
    }

    /// The base URL of the account's resources, `{base}Account/{auth_id}/`.
    pub fn account_url(&self) -> &str {
        &self.account_url
    }

    pub(crate) fn stream_url(&self, call_uuid: &str, stream_uuid: Option<&str>) -> String {
        match stream_uuid {
            Some(stream) => format!("{}Call/{call_uuid}/Stream/{stream}/", self.account_url),
            None => format!("{}Call/{call_uuid}/Stream/", self.account_url),
        }
    }

    fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<Reply<Vec<u8>>, Error> {
        self.transport.execute(method, url, body)
    }

    /// Run an operation: on failure name it in the message and scrub the secrets; when
    /// it sent something, count it and log its INFO (and ERROR) line.
    fn run<T>(
        &self,
        operation: impl Fn() -> String,
        body: impl FnOnce() -> Result<Reply<T>, Error>,
    ) -> Result<Reply<T>, Error> {
        let observer = &self.observer;
        let started = Instant::now();
        let label = if observer.hears(LogLevel::Error) {
            log_fields(&operation())
        } else {
            String::new()
        };
        exchange::begin(label);
        observer.request_started();
        let result = body().map_err(|e| {
            e.in_operation(&operation())
                .redact(&self.transport.secrets())
        });
        exchange::flush();
        let attempts = exchange::attempts();
        if attempts == 0 {
            // Refused before sending: neither counted nor logged.
            observer.request_abandoned();
            return result;
        }
        let elapsed = started.elapsed();
        let (code, status, api_id) = match &result {
            Ok(reply) => (0, Some(reply.status), reply.api_id.as_deref()),
            Err(e) => (e.kind().code(), e.http_status(), e.api_id()),
        };
        observer.request_completed(code, attempts, elapsed);
        observer.log(LogLevel::Info, || {
            format!(
                "event=request {} status={} code={} attempts={attempts} elapsed_us={} api_id={}",
                exchange::label(),
                status.unwrap_or(0),
                ErrorKind::code_name(code).unwrap_or(OK_NAME),
                elapsed.as_micros(),
                api_id.map_or_else(|| "-".to_owned(), |id| self.scrub(id)),
            )
        });
        if let Err(e) = &result {
            observer.log(LogLevel::Error, || {
                format!(
                    "event=request_failed {} status={} code={} attempts={attempts} error={:?}",
                    exchange::label(),
                    status.unwrap_or(0),
                    e.kind().name(),
                    e.message()
                )
            });
        }
        result
    }

    /// Server text fit for a log line: secrets removed, quoted when it is not a plain
    /// token, cut when long.
    fn scrub(&self, text: &str) -> String {
        let text = shown(&redacted(text, &self.transport.secrets()));
        if text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            text
        } else {
            format!("{text:?}")
        }
    }
}

/// `stop_stream(call_uuid=a, stream_uuid=b)` as log fields:
/// `op=stop_stream call_uuid=a stream_uuid=b`. Only requests that were sent are logged,
/// and their identifiers passed [`check_id`], so they hold no space, comma or bracket.
fn log_fields(operation: &str) -> String {
    let (name, args) = operation.split_once('(').unwrap_or((operation, ""));
    let mut fields = format!("op={name}");
    for arg in args
        .trim_end_matches(')')
        .split(", ")
        .filter(|a| !a.is_empty())
    {
        fields.push(' ');
        fields.push_str(arg);
    }
    fields
}

fn credential(given: Option<&str>, env: &str, what: &str) -> Result<String, Error> {
    match given {
        Some("") => Err(Error::invalid(format!("{what} is empty"))),
        Some(value) => Ok(value.to_owned()),
        None => match std::env::var(env) {
            Ok(value) if !value.is_empty() => Ok(value),
            Ok(_) => Err(Error::invalid(format!(
                "{what} was not given and the environment variable {env} is empty"
            ))),
            Err(_) => Err(Error::invalid(format!(
                "{what} was not given and the environment variable {env} is not set"
            ))),
        },
    }
}

fn resolve_base_url(options: &Options) -> Result<String, Error> {
    if let Some(url) = &options.base_url {
        return Ok(url.clone());
    }
    match std::env::var(ENV_BASE_URL) {
        Ok(url) if !url.is_empty() => url::normalize_base_url(&url)
            .map_err(|e| Error::invalid(format!("{ENV_BASE_URL}: {}", e.message()))),
        _ => Ok(DEFAULT_BASE_URL.to_owned()),
    }
}
