//! Routing: one function from a request to an `Outcome`, shared by every connection.

use base64::Engine;

use crate::faults::{self, Decision};
use crate::request::{is_ident, split_target, Request};
use crate::response::{Outcome, Payload, Reply};
use crate::state::{RecordedRequest, State};
use crate::{admin, streams};

/// Handles any request to the server.
pub fn handle(state: &State, req: &Request) -> Outcome {
    if is_v1(req.target) {
        v1(state, req)
    } else if req.target.starts_with("/__admin/") {
        admin::handle(state, req)
    } else {
        Reply::not_found().into()
    }
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

/// A header (or body) as text, invalid UTF-8 replaced.
fn header_text(v: Option<&[u8]>) -> Option<String> {
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

/// True for the API's requests (counted and logged), false for admin and others.
fn is_v1(target: &str) -> bool {
    target.starts_with("/v1/")
}

/// The answer to a request whose body was too large to read (`req.body` is empty):
/// an API request is still counted and logged, without its body.
pub fn too_large(state: &State, req: &Request) -> Outcome {
    if is_v1(req.target) {
        record(state, req);
    }
    Reply::error(413, "request body too large").into()
}

/// Counts a /v1/ request and records it for `/__admin/requests/`.
fn record(state: &State, req: &Request) {
    state.record(RecordedRequest {
        seq: 0,
        conn: req.conn,
        method: req.method.to_string(),
        path: req.target.to_string(),
        authorization: header_text(req.authorization),
        user_agent: header_text(req.user_agent),
        content_type: header_text(req.content_type),
        body: String::from_utf8_lossy(req.body).into_owned(),
    });
}

fn v1(state: &State, req: &Request) -> Outcome {
    record(state, req);
    let (path, query) = split_target(req.target);
    let Some(route) = Route::parse(path) else {
        return Reply::not_found().into();
    };
    let (auth_id, call) = match route {
        Route::Streams { auth_id, call } | Route::Stream { auth_id, call, .. } => (auth_id, call),
    };
    // Faults come first: they stand for what a proxy or the network does to the request.
    let synthetic = match faults::mode_of(call) {
        None => false,
        Some(mode) => match faults::decide(state, call, mode) {
            Decision::Inject(outcome) => return outcome,
            Decision::Synthetic => true,
        },
    };
    if auth_id != state.auth_id || !authorized(state, req.authorization) {
        return Reply::error(401, "Authentication credentials invalid.").into();
    }
    if let Some(canned) = state.take_canned() {
        let body = Payload::Full(canned.body.into());
        return Reply::with_body(canned.status, &canned.content_type, body).into();
    }
    let reply = match route {
        Route::Streams { call, .. } => match req.method {
            "GET" => streams::list(state, call, query, synthetic),
            "POST" => streams::start(state, call, req.content_type, req.body, synthetic),
            "DELETE" => streams::stop_all(state, call, synthetic),
            _ => Reply::method_not_allowed("GET, POST, DELETE"),
        },
        Route::Stream { call, stream, .. } => match req.method {
            "GET" => streams::get(state, call, stream, synthetic),
            "DELETE" => streams::stop(state, call, stream, synthetic),
            _ => Reply::method_not_allowed("GET, DELETE"),
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
