//! Routing: one function from a request to an `Outcome`, shared by every connection.

use base64::Engine;

use crate::faults::{self, Decision};
use crate::response::{Outcome, Reply};
use crate::state::{LoggedRequest, State};
use crate::{admin, streams};

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

/// Handles any request to the server.
pub fn handle(state: &State, req: &Request) -> Outcome {
    if req.target.starts_with("/v1/") {
        v1(state, req)
    } else if req.target.starts_with("/__admin/") {
        admin::handle(state, req)
    } else {
        Reply::error(404, "not found").into()
    }
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

/// The API resources.
enum Route<'a> {
    /// `/v1/Account/{auth_id}/Call/{call_uuid}/Stream/`
    Streams { auth_id: &'a str, call: &'a str },
    /// `/v1/Account/{auth_id}/Call/{call_uuid}/Stream/{stream_uuid}/`
    Stream {
        auth_id: &'a str,
        call: &'a str,
        stream: &'a str,
    },
}

impl<'a> Route<'a> {
    fn parse(path: &'a str) -> Option<Route<'a>> {
        let rest = path.strip_prefix("/v1/Account/")?;
        let mut segs = rest.split('/');
        let auth_id = segs.next()?;
        if segs.next()? != "Call" {
            return None;
        }
        let call = segs.next()?;
        if segs.next()? != "Stream" {
            return None;
        }
        let route = match (segs.next(), segs.next(), segs.next()) {
            (Some(""), None, None) => Route::Streams { auth_id, call },
            (Some(stream), Some(""), None) if is_ident(stream) => Route::Stream {
                auth_id,
                call,
                stream,
            },
            _ => return None,
        };
        (is_ident(auth_id) && is_ident(call)).then_some(route)
    }
}

fn lossy(v: Option<&[u8]>) -> Option<String> {
    v.map(|b| String::from_utf8_lossy(b).into_owned())
}

/// True when the Authorization header carries the configured Basic credentials.
fn authorized(state: &State, header: Option<&[u8]>) -> bool {
    let Some(header) = header else { return false };
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    let Some((scheme, encoded)) = header.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    state.credentials_match(&decoded[..colon], &decoded[colon + 1..])
}

fn method_not_allowed(allow: &'static str) -> Outcome {
    Reply::error(405, "method not allowed")
        .with_header("allow", allow)
        .into()
}

/// Counts a /v1/ request and appends it to the request log.
pub fn record(state: &State, req: &Request) {
    state.record(LoggedRequest {
        seq: 0,
        conn: req.conn,
        method: req.method.to_string(),
        path: req.target.to_string(),
        authorization: lossy(req.authorization),
        user_agent: lossy(req.user_agent),
        content_type: lossy(req.content_type),
        body: String::from_utf8_lossy(req.body).into_owned(),
    });
}

fn v1(state: &State, req: &Request) -> Outcome {
    record(state, req);
    let (path, query) = split_target(req.target);
    let Some(route) = Route::parse(path) else {
        return Reply::error(404, "not found").into();
    };
    let (auth_id, call) = match route {
        Route::Streams { auth_id, call } | Route::Stream { auth_id, call, .. } => (auth_id, call),
    };
    // Faults come first: they stand for what a proxy or the network does to the request.
    let synthetic = match faults::mode_of(call) {
        None => false,
        Some(mode) => match faults::decide(state, call, mode) {
            Decision::Inject(outcome) => return outcome,
            Decision::Normal => true,
        },
    };
    if auth_id != state.auth_id || !authorized(state, req.authorization) {
        return Reply::error(401, "Authentication credentials invalid.").into();
    }
    let reply = match route {
        Route::Streams { call, .. } => match req.method {
            "GET" => streams::list(state, call, query, synthetic),
            "POST" => streams::start(state, call, req.content_type, req.body, synthetic),
            "DELETE" => streams::stop_all(state, call, synthetic),
            _ => return method_not_allowed("GET, POST, DELETE"),
        },
        Route::Stream { call, stream, .. } => match req.method {
            "GET" => streams::get(state, call, stream, synthetic),
            "DELETE" => streams::stop(state, call, stream, synthetic),
            _ => return method_not_allowed("GET, DELETE"),
        },
    };
    reply.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(matches!(
            Route::parse("/v1/Account/A1/Call/c1/Stream/"),
            Some(Route::Streams {
                auth_id: "A1",
                call: "c1"
            })
        ));
        assert!(matches!(
            Route::parse("/v1/Account/A1/Call/c1/Stream/s1/"),
            Some(Route::Stream { stream: "s1", .. })
        ));
        for bad in [
            "/v1/Account/A1/Call/c1/Stream",
            "/v1/Account/A1/Call/c1/Stream/s1",
            "/v1/Account/A1/Call/c1/Stream/s1/x/",
            "/v1/Account/A1/Call/c%201/Stream/",
            "/v1/Account/A1/Call//Stream/",
            "/v1/Account/A1/Calls/c1/Stream/",
        ] {
            assert!(Route::parse(bad).is_none(), "{bad}");
        }
    }
}
