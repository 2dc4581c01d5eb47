//! Fault modes, selected by a call_uuid of the form `fault-<mode>-<anything>`.

use serde_json::json;

use crate::response::{new_api_id, Outcome, Payload, Reply, HUGE_LEN};
use crate::state::State;

/// Faults that send broken bytes and need the raw socket (see `raw.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawFault {
    Reset,
    CloseHeaders,
    CloseBody,
    BadStatus,
    Garbage,
    ShortBody,
    BadChunk,
    Body204,
    Chunked204,
}

/// What a fault call's request gets.
pub enum Decision {
    /// Serve it normally, as if the call existed with every stream active.
    Normal,
    /// Answer this instead.
    Inject(Outcome),
}

/// The mode part of a fault call_uuid, or None when `call_uuid` selects no fault.
pub fn mode_of(call_uuid: &str) -> Option<&str> {
    let rest = call_uuid.strip_prefix("fault-")?;
    Some(rest.split('-').next().unwrap_or(""))
}

/// Decides what a request for fault call `call_uuid` (with mode `mode`) gets.
/// Counts the request for the "once" modes.
pub fn decide(state: &State, call_uuid: &str, mode: &str) -> Decision {
    let once = |status: u16| {
        if state.bump_fault_counter(call_uuid) == 1 {
            Decision::Inject(injected(status).into())
        } else {
            Decision::Normal
        }
    };
    let inject = |o: Outcome| Decision::Inject(o);
    let raw = |f: RawFault| Decision::Inject(Outcome::Raw(f));
    match mode {
        "500once" => once(500),
        "502once" => once(502),
        "503once" => once(503),
        "429once" => once(429),
        "503always" => inject(injected(503).into()),
        "429" => inject(injected(429).into()),
        "429ra" => inject(injected(429).with_header("retry-after", "1").into()),
        "stall" => inject(Outcome::Stall),
        "drip" => {
            let body = json!({ "api_id": new_api_id(), "error": "injected drip" });
            inject(
                Reply {
                    status: 400,
                    headers: vec![("content-type", "application/json".to_string())],
                    body: Payload::Drip(serde_json::to_vec(&body).expect("json").into()),
                }
                .into(),
            )
        }
        "redirect" => inject(
            Reply::json(
                302,
                &json!({ "api_id": new_api_id(), "message": "moved elsewhere" }),
            )
            .with_header("location", "http://127.0.0.2:9/elsewhere/")
            .into(),
        ),
        "nonjson" => inject(html(400).into()),
        "nonjson500" => inject(html(500).into()),
        "noapiid" => inject(Reply::json(400, &json!({ "error": "something went wrong" })).into()),
        "huge" | "hugechunked" => inject(
            Reply {
                status: 200,
                headers: vec![("content-type", "application/json".to_string())],
                body: Payload::Huge {
                    len: HUGE_LEN,
                    chunked: mode == "hugechunked",
                },
            }
            .into(),
        ),
        "badjson200" => inject(
            Reply {
                status: 200,
                headers: vec![("content-type", "application/json".to_string())],
                body: Payload::Full("not json".into()),
            }
            .into(),
        ),
        "reset" => raw(RawFault::Reset),
        "closeheaders" => raw(RawFault::CloseHeaders),
        "closebody" => raw(RawFault::CloseBody),
        "badstatus" => raw(RawFault::BadStatus),
        "garbage" => raw(RawFault::Garbage),
        "shortbody" => raw(RawFault::ShortBody),
        "badchunk" => raw(RawFault::BadChunk),
        "204body" => raw(RawFault::Body204),
        "204chunked" => raw(RawFault::Chunked204),
        _ => match status_mode(mode) {
            Some(status) if status == 204 || status == 304 => inject(Reply::empty(status).into()),
            Some(status) => inject(injected(status).into()),
            None => inject(
                Reply::error(400, &format!("unknown fault mode '{mode}' in call_uuid")).into(),
            ),
        },
    }
}

/// `statusNNN` with 200 <= NNN <= 599.
fn status_mode(mode: &str) -> Option<u16> {
    let digits = mode.strip_prefix("status")?;
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let status: u16 = digits.parse().ok()?;
    (200..=599).contains(&status).then_some(status)
}

/// `{"api_id": ..., "error": "injected <status>"}` with that status.
fn injected(status: u16) -> Reply {
    Reply::error(status, &format!("injected {status}"))
}

fn html(status: u16) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "text/html".to_string())],
        body: Payload::Full("<html><body>Bad Gateway</body></html>".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode_of("fault-500once-abc"), Some("500once"));
        assert_eq!(mode_of("fault-reset"), Some("reset"));
        assert_eq!(mode_of("call-1"), None);
        assert_eq!(status_mode("status418"), Some(418));
        assert_eq!(status_mode("status099"), None);
        assert_eq!(status_mode("status4000"), None);
    }
}
