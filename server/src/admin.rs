//! Test-only endpoints under `/__admin/` (no auth, never counted or logged).

use serde::Deserialize;
use serde_json::json;

use crate::request::{is_ident, split_target, Request};
use crate::response::{Outcome, Reply};
use crate::state::State;

#[derive(Deserialize)]
struct NewCall {
    call_uuid: String,
    #[serde(default)]
    streams: Vec<String>,
}

fn error(status: u16, msg: &str) -> Outcome {
    Reply::json(status, &json!({ "error": msg })).into()
}

pub fn handle(state: &State, req: &Request) -> Outcome {
    let (path, _) = split_target(req.target);
    match path {
        "/__admin/calls/" => match req.method {
            "POST" => add_call(state, req.body),
            "DELETE" => {
                state.reset_calls();
                Reply::empty(204).into()
            }
            _ => Reply::method_not_allowed("POST, DELETE").into(),
        },
        "/__admin/requests/" => match req.method {
            "GET" => Reply::json(200, &json!({ "requests": state.logged_requests() })).into(),
            "DELETE" => {
                state.clear_log();
                Reply::empty(204).into()
            }
            _ => Reply::method_not_allowed("GET, DELETE").into(),
        },
        "/__admin/stats/" => match req.method {
            "GET" => Reply::json(
                200,
                &json!({ "connections": state.connections(), "requests": state.requests() }),
            )
            .into(),
            _ => Reply::method_not_allowed("GET").into(),
        },
        _ => Reply::not_found().into(),
    }
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
