//! Response classification: status + headers + body → success or a typed error, and
//! whether another attempt may help. Pure, so it can be fuzzed and unit tested without
//! sockets.

use std::time::Duration;

use serde::Deserialize;

use super::error::{Error, ErrorKind};
use super::reply::Reply;
use super::text::{clip, redacted};

/// A 2xx answer: its status, `api_id` and body.
pub type Success = Reply<Vec<u8>>;

/// A body larger than this is refused whatever the status.
pub const MAX_BODY_BYTES: u64 = 1 << 20;

/// A non-2xx answer, with what the retry loop needs to know.
#[derive(Debug, Clone)]
pub struct Failure {
    pub error: Error,
    /// Whether, and for which operations, another attempt may succeed.
    pub retry: RetryClass,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// 429 or 5xx: another attempt may succeed (for some operations).
    pub fn retryable(&self) -> bool {
        self.retry != RetryClass::Never
    }
}

/// Why an attempt failed, for the retry decision: the one place it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Do not retry.
    Never,
    /// The request never reached the server: safe for every operation.
    Connect,
    /// 429: the server refused the request without acting on it.
    RateLimited,
    /// 5xx: the server may have acted; only idempotent operations are retried.
    ServerError,
}

impl RetryClass {
    /// The class of a non-2xx status.
    pub fn of_status(status: u16) -> RetryClass {
        match status {
            429 => RetryClass::RateLimited,
            500..=599 => RetryClass::ServerError,
            _ => RetryClass::Never,
        }
    }

    /// Whether an operation may be sent again after this failure: connect failures
    /// and 429 for every operation, 5xx only for an `idempotent` one (a start that
    /// met a 5xx may have started the stream).
    pub fn allows_retry(self, idempotent: bool) -> bool {
        match self {
            RetryClass::Never => false,
            RetryClass::Connect | RetryClass::RateLimited => true,
            RetryClass::ServerError => idempotent,
        }
    }
}

/// The fields of the API's JSON bodies that the client reads on every answer.
#[derive(Deserialize)]
struct Envelope {
    api_id: Option<serde_json::Value>,
    error: Option<serde_json::Value>,
    message: Option<serde_json::Value>,
}

/// Classify a complete response.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> Result<Success, Failure> {
    classify_redacting(status, retry_after, body, &[])
}

/// [`classify`], removing every `secret` from the server's text *before* it is clipped
/// into the message: redacting only the finished message would miss a secret that the
/// clip cut in two (its first half would stay readable).
pub(crate) fn classify_redacting(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Result<Success, Failure> {
    let envelope = serde_json::from_slice::<Envelope>(body).ok();
    let api_id = envelope
        .as_ref()
        .and_then(|e| e.api_id.as_ref())
        .map(json_text);
    if (200..300).contains(&status) {
        return Ok(Reply {
            status,
            api_id,
            value: body.to_vec(),
        });
    }
    let server_text = envelope
        .as_ref()
        .and_then(|e| e.error.as_ref().or(e.message.as_ref()))
        .map(json_text);
    let kind = ErrorKind::for_status(status, server_text.as_deref());
    let message = match &server_text {
        Some(text) => format!("HTTP {status}: {}", clip(&redacted(text, secrets))),
        None if body.is_empty() => format!("HTTP {status} with an empty body"),
        None => format!(
            "HTTP {status}: {}",
            clip(&redacted(&String::from_utf8_lossy(body), secrets))
        ),
    };
    Err(Failure {
        error: Error::new(kind, message).with_response(status, api_id),
        retry: RetryClass::of_status(status),
        retry_after: retry_after.and_then(parse_retry_after),
    })
}

/// `Retry-After` as delay-seconds; HTTP dates are ignored (the back-off applies).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_with_or_without_body() {
        let ok = classify(204, None, b"").unwrap();
        assert_eq!((ok.status, ok.api_id), (204, None));
        let ok = classify(204, None, br#"{"api_id":"a1","message":"x"}"#).unwrap();
        assert_eq!(ok.api_id.as_deref(), Some("a1"));
    }

    #[test]
    fn no_active_stream() {
        let f = classify(
            400,
            None,
            br#"{"api_id":"a2","error":"No active stream found"}"#,
        )
        .unwrap_err();
        assert_eq!(f.error.kind(), ErrorKind::NoActiveStream);
        assert_eq!(f.error.api_id(), Some("a2"));
        assert_eq!(f.error.http_status(), Some(400));
        assert!(f.error.message().contains("No active stream found"));
        assert!(!f.retryable());
    }

    #[test]
    fn non_json_and_missing_api_id() {
        let f = classify(502, Some("3"), b"<html>\r\nBad Gateway</html>").unwrap_err();
        assert_eq!(f.error.kind(), ErrorKind::Server);
        assert!(f.retryable());
        assert_eq!(f.retry_after, Some(Duration::from_secs(3)));
        assert!(f.error.message().contains("Bad Gateway"));
        assert!(!f.error.message().contains('\r'));
        let f = classify(400, None, br#"{"error":"boom"}"#).unwrap_err();
        assert_eq!(
            (f.error.kind(), f.error.api_id()),
            (ErrorKind::BadRequest, None)
        );
        let f = classify(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b"").unwrap_err();
        assert_eq!(
            (f.error.kind(), f.retry_after),
            (ErrorKind::RateLimited, None)
        );
    }

    #[test]
    fn secrets_are_removed_before_the_text_is_clipped() {
        let secret = "s3cr3t-t0ken-value";
        // Place the secret across the clip point (300 characters).
        for pad in 280..300 {
            let body = format!("{}{secret} and more", "x".repeat(pad));
            let f = classify_redacting(500, None, body.as_bytes(), &[secret]).unwrap_err();
            let message = f.error.message();
            assert!(!message.contains("s3cr3t"), "{pad}: {message}");
            let json = serde_json::json!({ "error": body }).to_string();
            let f = classify_redacting(400, None, json.as_bytes(), &[secret]).unwrap_err();
            assert!(!f.error.message().contains("s3cr3t"), "{pad}");
        }
    }
}
