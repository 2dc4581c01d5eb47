//! Test-only endpoints under `/__admin/` (no auth, never counted or logged).

use serde::Deserialize;
use serde_json::json;

use crate::request::{is_ident, split_target, Request};
use crate::response::{Outcome, Reply, JSON};
use crate::state::{Canned, State};

/// `POST /__admin/replies/`: an answer for the next API request, body verbatim.
#[derive(Deserialize)]
struct NewReply {
    #[serde(default = "ok")]
    status: u16,
    #[serde(default = "json_type")]
    content_type: String,
    body: String,
}

fn ok() -> u16 {
    200
}

fn json_type() -> String {
    JSON.to_string()
}

#[derive(Deserialize)]
struct NewCall {
    call_uuid: String,
    #[serde(default)]
    streams: Vec<String>,
}

fn error(status: u16, msg: &str) -> Outcome {
    Reply::json(status, &json!({ "error": msg })).into()
}

/// The admin paths and the methods each allows (for a 405's `Allow`).
const PATHS: [(&str, &str); 4] = [
    ("/__admin/calls/", "POST, DELETE"),
    ("/__admin/requests/", "GET, DELETE"),
    ("/__admin/replies/", "POST, DELETE"),
    ("/__admin/stats/", "GET"),
];

pub fn handle(state: &State, req: &Request) -> Outcome {
    let (path, _) = split_target(req.target);
    match (path, req.method) {
        ("/__admin/calls/", "POST") => add_call(state, req.body),
        ("/__admin/calls/", "DELETE") => cleared(|| state.reset_calls()),
        ("/__admin/requests/", "GET") => {
            Reply::json(200, &json!({ "requests": state.recorded_requests() })).into()
        }
        ("/__admin/requests/", "DELETE") => cleared(|| state.clear_recorded()),
        ("/__admin/replies/", "POST") => add_reply(state, req.body),
        ("/__admin/replies/", "DELETE") => cleared(|| state.clear_canned()),
        ("/__admin/stats/", "GET") => Reply::json(
            200,
            &json!({ "connections": state.connections(), "requests": state.requests() }),
        )
        .into(),
        _ => match PATHS.iter().find(|(known, _)| *known == path) {
            Some((_, allowed)) => Reply::method_not_allowed(allowed).into(),
            None => Reply::not_found().into(),
        },
    }
}

/// A DELETE of an admin collection: empty it, answer 204.
fn cleared(clear: impl FnOnce()) -> Outcome {
    clear();
    Reply::empty(204).into()
}

fn add_call(state: &State, body: &[u8]) -> Outcome {
    let call: NewCall = match serde_json::from_slice(body) {
        Ok(c) => c,
        Err(e) => return error(400, &format!("invalid body: {e}")),
    };
    if !is_ident(&call.call_uuid) || !call.streams.iter().all(|s| is_ident(s)) {
        return error(
            400,
            "identifiers must be 1-128 characters of A-Z a-z 0-9 - _",
        );
    }
    state.seed(&call.call_uuid, &call.streams);
    Reply::json(
        201,
        &json!({ "call_uuid": call.call_uuid, "streams": call.streams }),
    )
    .into()
}

fn add_reply(state: &State, body: &[u8]) -> Outcome {
    let reply: NewReply = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return error(400, &format!("invalid body: {e}")),
    };
    if !(200..=599).contains(&reply.status) || reply.status == 204 || reply.status == 304 {
        return error(
            400,
            "status must be 200-599 and allow a body (not 204 or 304)",
        );
    }
    if hyper::header::HeaderValue::from_str(&reply.content_type).is_err() {
        return error(400, "content_type is not a valid header value");
    }
    state.push_canned(Canned {
        status: reply.status,
        content_type: reply.content_type,
        body: reply.body,
    });
    Reply::empty(201).into()
}
