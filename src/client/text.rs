//! Text fit for messages and log lines. Whatever a caller or a server gave is shown
//! through one of these: escaped or quoted so that it cannot forge a line, cut so that
//! it cannot flood one, and with every secret removed *before* it is cut (a secret cut
//! in two by the limit would leave its first half readable).

/// An identifier as it may appear in a message: control characters escaped and long
/// values cut, so that untrusted input cannot forge log lines or flood them.
pub(crate) fn shown(id: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut out: String = id
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if id.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
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

/// `text` with every non-empty secret replaced by `[REDACTED]`.
pub(crate) fn redacted(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(secret) {
            out = out.replace(secret, "[REDACTED]");
        }
    }
    out
}

/// Keep messages short and printable: a server may send a whole HTML page.
pub(crate) fn clip(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let printable: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = printable.trim();
    match trimmed.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

/// How an operation names itself in messages and log lines, e.g.
/// `stop_stream(call_uuid=…, stream_uuid=…)`; the ids are [`shown`].
pub(crate) fn operation(name: &str, call_uuid: &str, stream_uuid: Option<&str>) -> String {
    match stream_uuid {
        Some(stream_uuid) => format!(
            "{name}(call_uuid={}, stream_uuid={})",
            shown(call_uuid),
            shown(stream_uuid)
        ),
        None => format!("{name}(call_uuid={})", shown(call_uuid)),
    }
}
