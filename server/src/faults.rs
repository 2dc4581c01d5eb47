//! Fault modes, selected by a call_uuid of the form `fault-<mode>-<anything>`.

use serde_json::json;

use crate::response::{new_api_id, Outcome, Payload, RawFault, Reply, HUGE_LEN, JSON};
use crate::state::State;

/// What a fault call's request gets.
pub enum Decision {
    /// Serve it from a synthetic call: as if the call existed with every stream active.
    Synthetic,
    /// Answer this instead.
    Inject(Outcome),
}

/// The mode part of a fault call_uuid, or None when `call_uuid` selects no fault.
pub fn mode_of(call_uuid: &str) -> Option<&str> {
    let rest = call_uuid.strip_prefix("fault-")?;
    Some(rest.split('-').next().unwrap_or(""))
}

/// What a fault mode does to a request.
#[derive(Clone, Copy, Debug)]
enum Action {
    /// The first request for the call gets this status, later ones are served normally.
    Once(u16),
    /// Every request gets this status (JSON error "injected NNN").
    Always(u16),
    /// Every request gets 429 with `Retry-After: 1`.
    RetryAfter,
    Stall,
    Drip,
    Redirect,
    Html(u16),
    NoApiId,
    Huge {
        chunked: bool,
    },
    BadJson200,
    Raw(RawFault),
}

/// One entry of the fault-mode table: the modes it names (or the pattern it stands
/// for), and the help text (lines joined by `\n`) that `--help` prints beside them.
struct Group {
    modes: &'static [(&'static str, Action)],
    pattern: Option<&'static str>,
    help: &'static str,
}

const fn group(modes: &'static [(&'static str, Action)], help: &'static str) -> Group {
    Group {
        modes,
        pattern: None,
        help,
    }
}

/// Every fault mode: `decide` acts on this table and `--help` prints it.
const GROUPS: &[Group] = &[
    group(
        &[
            ("500once", Action::Once(500)),
            ("502once", Action::Once(502)),
            ("503once", Action::Once(503)),
            ("429once", Action::Once(429)),
        ],
        "first request for that call_uuid gets the status\n\
         (JSON error \"injected NNN\"), later ones are normal",
    ),
    group(
        &[
            ("503always", Action::Always(503)),
            ("429", Action::Always(429)),
            ("429ra", Action::RetryAfter),
        ],
        "always 503 / 429 / 429 with Retry-After: 1",
    ),
    Group {
        modes: &[],
        pattern: Some("statusNNN"),
        help: "always status NNN (200-599), JSON \"injected NNN\"",
    },
    group(
        &[("stall", Action::Stall)],
        "read the request, never answer (600 s or until\n the peer closes)",
    ),
    group(
        &[("drip", Action::Drip)],
        "400 JSON sent one byte every 200 ms",
    ),
    group(
        &[("redirect", Action::Redirect)],
        "302, Location: http://127.0.0.2:9/elsewhere/",
    ),
    group(
        &[
            ("nonjson", Action::Html(400)),
            ("nonjson500", Action::Html(500)),
        ],
        "400 / 500 text/html body",
    ),
    group(&[("noapiid", Action::NoApiId)], "400 JSON without api_id"),
    group(
        &[
            ("huge", Action::Huge { chunked: false }),
            ("hugechunked", Action::Huge { chunked: true }),
        ],
        "200 with a 20 MiB body (Content-Length / chunked)",
    ),
    group(
        &[("badjson200", Action::BadJson200)],
        "200 application/json body `not json`",
    ),
    group(
        &[("reset", Action::Raw(RawFault::Reset))],
        "TCP RST, no byte sent",
    ),
    group(
        &[
            ("closeheaders", Action::Raw(RawFault::CloseHeaders)),
            ("closebody", Action::Raw(RawFault::CloseBody)),
            ("badstatus", Action::Raw(RawFault::BadStatus)),
            ("garbage", Action::Raw(RawFault::Garbage)),
            ("shortbody", Action::Raw(RawFault::ShortBody)),
            ("badchunk", Action::Raw(RawFault::BadChunk)),
        ],
        "broken response bytes, then close",
    ),
    group(
        &[
            ("204body", Action::Raw(RawFault::Body204)),
            ("204chunked", Action::Raw(RawFault::Chunked204)),
            ("204late", Action::Raw(RawFault::Late204)),
        ],
        "204 carrying a body (Content-Length / chunked), head\n\
         and body in one write; 204late: the body 5 ms after\n\
         the head, in a second write; the connection stays\n\
         open and keeps serving",
    ),
];

/// Column where the help text of a mode starts.
const HELP_COLUMN: usize = 36;

/// The fault-mode lines of `--help`, from the table.
pub fn help() -> String {
    let mut out = String::new();
    for g in GROUPS {
        let label = match g.pattern {
            Some(p) => p.to_string(),
            None => g
                .modes
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(" "),
        };
        let mut line = format!("  {label}");
        if line.len() + 2 > HELP_COLUMN {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        for (i, text) in g.help.split('\n').enumerate() {
            if i > 0 || line.is_empty() {
                line = " ".repeat(HELP_COLUMN);
            } else {
                line.push_str(&" ".repeat(HELP_COLUMN - line.len()));
            }
            line.push_str(text.trim_start());
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
    }
    out
}

fn action_of(mode: &str) -> Option<Action> {
    GROUPS
        .iter()
        .flat_map(|g| g.modes)
        .find(|(name, _)| *name == mode)
        .map(|&(_, action)| action)
}

/// Decides what a request for fault call `call_uuid` (with mode `mode`) gets.
/// Counts the request for the "once" modes.
pub fn decide(state: &State, call_uuid: &str, mode: &str) -> Decision {
    let Some(action) = action_of(mode) else {
        return match status_mode(mode) {
            Some(status) if status == 204 || status == 304 => {
                Decision::Inject(Reply::empty(status).into())
            }
            Some(status) => Decision::Inject(injected(status).into()),
            None => Decision::Inject(
                Reply::error(400, &format!("unknown fault mode '{mode}' in call_uuid")).into(),
            ),
        };
    };
    let reply = match action {
        Action::Once(status) => {
            if state.bump_fault_counter(call_uuid) != 1 {
                return Decision::Synthetic;
            }
            injected(status)
        }
        Action::Always(status) => injected(status),
        Action::RetryAfter => injected(429).with_header("retry-after", "1"),
        Action::Stall => return Decision::Inject(Outcome::Stall),
        Action::Raw(fault) => return Decision::Inject(Outcome::Raw(fault)),
        Action::Drip => {
            let body = json!({ "api_id": new_api_id(), "error": "injected drip" });
            let bytes = serde_json::to_vec(&body).expect("json");
            Reply::with_body(400, JSON, Payload::Drip(bytes.into()))
        }
        Action::Redirect => Reply::json(
            302,
            &json!({ "api_id": new_api_id(), "message": "moved elsewhere" }),
        )
        .with_header("location", "http://127.0.0.2:9/elsewhere/"),
        Action::Html(status) => Reply::with_body(
            status,
            "text/html",
            Payload::Full("<html><body>Bad Gateway</body></html>".into()),
        ),
        Action::NoApiId => Reply::json(400, &json!({ "error": "something went wrong" })),
        Action::Huge { chunked } => Reply::with_body(
            200,
            JSON,
            Payload::Huge {
                len: HUGE_LEN,
                chunked,
            },
        ),
        Action::BadJson200 => Reply::with_body(200, JSON, Payload::Full("not json".into())),
    };
    Decision::Inject(reply.into())
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

    #[test]
    fn every_mode_is_named_once_and_shown_in_the_help() {
        let names: Vec<&str> = GROUPS
            .iter()
            .flat_map(|g| g.modes)
            .map(|(n, _)| *n)
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a mode is listed twice");
        let help = help();
        for name in names {
            assert!(action_of(name).is_some(), "{name}");
            assert!(
                help.split_whitespace().any(|w| w == name),
                "--help lacks {name}"
            );
        }
        assert!(help.contains("statusNNN"));
    }
}
