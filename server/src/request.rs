//! A request as the handlers see it, and the small facts about request text that the
//! router, the admin endpoints and the command line share.

/// A fully read request, as the handlers see it.
pub struct Request<'a> {
    /// Number of the connection it arrived on (from 1).
    pub conn: u64,
    pub method: &'a str,
    /// Path with query, as sent.
    pub target: &'a str,
    pub authorization: Option<&'a [u8]>,
    pub user_agent: Option<&'a [u8]>,
    pub content_type: Option<&'a [u8]>,
    pub body: &'a [u8],
}

/// Splits a request target into path and query (without the `?`).
pub fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// `[A-Za-z0-9_-]{1,128}`.
pub fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
