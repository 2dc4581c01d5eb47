//! The one error type of the Rust client: a kind (one per HTTP class, as in the
//! official SDKs), the HTTP status and `api_id` when a response was received, and a
//! message that names the operation and never contains the auth token.

use std::fmt;

/// What went wrong, by class. Each kind has a stable C result code in the FFI layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A bad argument or option, missing credentials, or an insecure base URL.
    /// Nothing was sent.
    InvalidArgument,
    /// HTTP 400 whose error says there is no active stream to stop.
    NoActiveStream,
    /// Any other HTTP 400.
    BadRequest,
    /// HTTP 401 or 403.
    Authentication,
    /// HTTP 404: unknown call or stream.
    NotFound,
    /// HTTP 429, after retries.
    RateLimited,
    /// HTTP 5xx, after retries.
    Server,
    /// Any other non-2xx status (3xx, 405, other 4xx).
    Http,
    /// The call's deadline passed.
    Timeout,
    /// DNS, connect, TLS, reset or closed before a complete response.
    Transport,
    /// Not valid HTTP, a 2xx body that is not the JSON expected, or a body over 1 MiB.
    InvalidResponse,
}

impl ErrorKind {
    /// The kind for a non-2xx status; `message` is the server's `error` text, which
    /// tells "no active stream" apart from other 400s.
    pub fn for_status(status: u16, message: Option<&str>) -> ErrorKind {
        match status {
            400 if message.is_some_and(says_no_active_stream) => ErrorKind::NoActiveStream,
            400 => ErrorKind::BadRequest,
            401 | 403 => ErrorKind::Authentication,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Http,
        }
    }
}

/// The real API answers `"No active stream found"`; compare loosely so that a change
/// of case or punctuation on the server does not turn an idempotent stop into a failure.
fn says_no_active_stream(message: &str) -> bool {
    message.to_ascii_lowercase().contains("no active stream")
}

/// A caller's string as it may appear in a message: quoted, control characters
/// escaped, and cut after 200 characters, so that no argument can forge log lines or
/// turn a message into megabytes.
pub(crate) fn quoted(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// An error from a client operation.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Whether `message` already starts with the operation's name.
    named: bool,
    http_status: Option<u16>,
    api_id: Option<String>,
}

impl Error {
    /// An error of this kind with this message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            named: false,
            http_status: None,
            api_id: None,
        }
    }

    /// An [`ErrorKind::InvalidArgument`] error.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn with_response(mut self, status: u16, api_id: Option<String>) -> Error {
        self.http_status = Some(status);
        self.api_id = api_id;
        self
    }

    /// Prefix the message with the operation that failed, e.g. `stop_stream(call=…)`,
    /// unless an inner layer already named it.
    pub fn in_operation(mut self, operation: &str) -> Error {
        if !self.named {
            self.message = format!("{operation}: {}", self.message);
            self.named = true;
        }
        self
    }

    pub(crate) fn after_attempts(mut self, attempts: u32) -> Error {
        self.message = format!("{} (after {attempts} attempts)", self.message);
        self
    }

    /// Remove every occurrence of `secret` (the token and its encoded forms) from the
    /// message: the server's text is echoed into it and must not leak credentials.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Error {
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if self.message.contains(secret) {
                self.message = self.message.replace(secret, "[REDACTED]");
            }
        }
        self
    }

    /// The class of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message: the operation, then why it failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of the last response received, if any.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The `api_id` of the last response body, if it had one.
    pub fn api_id(&self) -> Option<&str> {
        self.api_id.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("http_status", &self.http_status)
            .field("api_id", &self.api_id)
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        let cases = [
            (
                400,
                Some("No active stream found"),
                ErrorKind::NoActiveStream,
            ),
            (
                400,
                Some("no active stream found."),
                ErrorKind::NoActiveStream,
            ),
            (400, Some("invalid service_url"), ErrorKind::BadRequest),
            (400, None, ErrorKind::BadRequest),
            (401, None, ErrorKind::Authentication),
            (403, None, ErrorKind::Authentication),
            (404, None, ErrorKind::NotFound),
            (429, None, ErrorKind::RateLimited),
            (500, None, ErrorKind::Server),
            (503, None, ErrorKind::Server),
            (302, None, ErrorKind::Http),
            (405, None, ErrorKind::Http),
            (418, None, ErrorKind::Http),
        ];
        for (status, message, kind) in cases {
            assert_eq!(ErrorKind::for_status(status, message), kind, "{status}");
        }
    }

    #[test]
    fn redaction_removes_every_secret() {
        let e = Error::invalid("token s3cr3t and czNjcjN0").redact(&["s3cr3t", "czNjcjN0", ""]);
        assert_eq!(e.message(), "token [REDACTED] and [REDACTED]");
    }
}
