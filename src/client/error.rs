//! The one error type of the Rust client: a kind (one per HTTP class, as in the
//! official SDKs), the HTTP status and `api_id` when a response was received, and a
//! message that names the operation and never contains the auth token.

use std::fmt;

use super::text::redacted;

/// Declares [`ErrorKind`] with its codes and names, and the table behind
/// [`ErrorKind::from_code`] and [`ErrorKind::name`], from one list: a kind, its code
/// and its name are written once, together.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident = $code:literal => $name:literal,)*) => {
        /// What went wrong, by class. The numbers are libplivo's stable result codes (0
        /// is success), the same in every language; [`ErrorKind::name`] spells them as
        /// the C header does. This is the one list of them: the FFI layer, the logs, the
        /// stats and the command line derive theirs from it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorKind {
            $($(#[$doc])* $kind = $code,)*
        }

        /// Every kind with its name, in code order; `KINDS[i]` has code `i + 1`.
        const KINDS: &[(ErrorKind, &str)] = &[$((ErrorKind::$kind, $name),)*];
    };
}

error_kinds! {
    /// A bad argument or option, missing credentials, or an insecure base URL.
    /// Nothing was sent.
    InvalidArgument = 1 => "PLIVO_ERR_INVALID_ARGUMENT",
    /// HTTP 400 whose error says there is no active stream to stop.
    NoActiveStream = 2 => "PLIVO_ERR_NO_ACTIVE_STREAM",
    /// Any other HTTP 400.
    BadRequest = 3 => "PLIVO_ERR_BAD_REQUEST",
    /// HTTP 401 or 403.
    Authentication = 4 => "PLIVO_ERR_AUTHENTICATION",
    /// HTTP 404: unknown call or stream.
    NotFound = 5 => "PLIVO_ERR_NOT_FOUND",
    /// HTTP 429, after retries.
    RateLimited = 6 => "PLIVO_ERR_RATE_LIMITED",
    /// HTTP 5xx, after retries.
    Server = 7 => "PLIVO_ERR_SERVER",
    /// Any other non-2xx status (3xx, 405, other 4xx).
    Http = 8 => "PLIVO_ERR_HTTP",
    /// The call's deadline passed.
    Timeout = 9 => "PLIVO_ERR_TIMEOUT",
    /// DNS, connect, TLS, reset or closed before a complete response.
    Transport = 10 => "PLIVO_ERR_TRANSPORT",
    /// Not valid HTTP, a 2xx body that is not the JSON expected, or a body over 1 MiB.
    InvalidResponse = 11 => "PLIVO_ERR_INVALID_RESPONSE",
    /// A bug in libplivo (a caught panic).
    Internal = 12 => "PLIVO_ERR_INTERNAL",
    /// A completion queue already holds its maximum of pending requests.
    Busy = 13 => "PLIVO_ERR_BUSY",
    /// The request was cancelled; it may or may not have reached the server.
    Cancelled = 14 => "PLIVO_ERR_CANCELLED",
}

/// The name of success, code 0.
pub const OK_NAME: &str = "PLIVO_OK";

impl ErrorKind {
    /// How many kinds there are (codes 1 to `COUNT`).
    pub const COUNT: usize = KINDS.len();

    /// The stable result code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind with result code `code`, if any (0 is success, not a kind).
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        KINDS
            .get((code as usize).checked_sub(1)?)
            .map(|(kind, _)| *kind)
    }

    /// The code's name as in the C header, e.g. `PLIVO_ERR_NO_ACTIVE_STREAM`.
    pub fn name(self) -> &'static str {
        KINDS[self as usize - 1].1
    }

    /// The name of result code `code` (0 included), or None for an unknown code.
    pub fn code_name(code: u32) -> Option<&'static str> {
        match code {
            0 => Some(OK_NAME),
            _ => ErrorKind::from_code(code).map(ErrorKind::name),
        }
    }

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

/// An error from a client operation. Its message never holds a secret (the client
/// redacts it before handing it out), so `Debug` may show every field.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        self.message = redacted(&self.message, secrets);
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
    fn the_list_of_kinds_is_in_code_order_and_names_match_the_kinds() {
        for (i, (kind, name)) in KINDS.iter().enumerate() {
            assert_eq!(kind.code() as usize, i + 1, "{kind:?}");
            assert_eq!(ErrorKind::from_code(kind.code()), Some(*kind));
            let upper = format!("{kind:?}").to_ascii_uppercase();
            assert_eq!(
                name.replace('_', ""),
                format!("PLIVOERR{upper}"),
                "{kind:?}"
            );
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(ErrorKind::COUNT as u32 + 1), None);
    }

    #[test]
    fn redaction_removes_every_secret() {
        let e = Error::invalid("token s3cr3t and czNjcjN0").redact(&["s3cr3t", "czNjcjN0", ""]);
        assert_eq!(e.message(), "token [REDACTED] and [REDACTED]");
    }
}
