//! Validation of the JSON body of `POST .../Stream/` (start a stream).

use serde_json::{Map, Value};

use crate::state::StreamParams;

const AUDIO_TRACKS: [&str; 3] = ["inbound", "outbound", "both"];
const CONTENT_TYPES: [&str; 3] = [
    "audio/x-l16;rate=8000",
    "audio/x-l16;rate=16000",
    "audio/x-mulaw;rate=8000",
];
const MAX_EXTRA_HEADERS: usize = 512;

/// Parses and validates the request; the error is the message for a 400 answer.
pub fn parse(content_type: Option<&[u8]>, body: &[u8]) -> Result<StreamParams, String> {
    let is_json = content_type
        .and_then(|ct| std::str::from_utf8(ct).ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err("Content-Type must be application/json".to_string());
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err("invalid JSON body".to_string());
    };
    from_object(&obj)
}

/// The field's value, treating JSON null as absent.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn string_field<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// `scheme` followed by at least one character, no whitespace or control characters.
fn url_with_scheme(url: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
            && url.len() > scheme.len()
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

fn one_of(
    obj: &Map<String, Value>,
    name: &str,
    allowed: &[&str],
    default: &str,
) -> Result<String, String> {
    match string_field(obj, name)? {
        None => Ok(default.to_string()),
        Some(v) if allowed.contains(&v) => Ok(v.to_string()),
        Some(_) => Err(format!("{name} must be one of: {}", allowed.join(", "))),
    }
}

/// As the docs say: `key1=value1,key2=value2`, at most 512 bytes, only `[A-Za-z0-9]`
/// in keys and values.
fn check_extra_headers(value: &str) -> Result<(), String> {
    if value.len() > MAX_EXTRA_HEADERS {
        return Err(format!(
            "extra_headers must be at most {MAX_EXTRA_HEADERS} bytes"
        ));
    }
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    for pair in value.split(',') {
        if !pair
            .split_once('=')
            .is_some_and(|(key, val)| alnum(key) && alnum(val))
        {
            return Err("extra_headers must be comma-separated key=value pairs \
                 (keys and values of A-Z a-z 0-9 only)"
                .to_string());
        }
    }
    Ok(())
}

fn from_object(obj: &Map<String, Value>) -> Result<StreamParams, String> {
    let service_url = match string_field(obj, "service_url")? {
        None => return Err("service_url is required".to_string()),
        Some(u) if url_with_scheme(u, &["ws://", "wss://"]) => u.to_string(),
        Some(_) => return Err("service_url must be a ws:// or wss:// URL".to_string()),
    };
    let bidirectional = match field(obj, "bidirectional") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("bidirectional must be a boolean".to_string()),
    };
    let default = StreamParams::default();
    let audio_track = one_of(obj, "audio_track", &AUDIO_TRACKS, &default.audio_track)?;
    if bidirectional && audio_track != "inbound" {
        return Err("audio_track must be inbound when bidirectional is true".to_string());
    }
    let stream_timeout = match field(obj, "stream_timeout") {
        None => default.stream_timeout,
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => n,
            _ => return Err("stream_timeout must be a positive integer (seconds)".to_string()),
        },
    };
    let status_callback_url = match string_field(obj, "status_callback_url")? {
        None => None,
        Some(u) if url_with_scheme(u, &["http://", "https://"]) => Some(u.to_string()),
        Some(_) => return Err("status_callback_url must be an http:// or https:// URL".to_string()),
    };
    let status_callback_method = one_of(
        obj,
        "status_callback_method",
        &["GET", "POST"],
        &default.status_callback_method,
    )?;
    let content_type = one_of(obj, "content_type", &CONTENT_TYPES, &default.content_type)?;
    let extra_headers = match string_field(obj, "extra_headers")? {
        None | Some("") => None,
        Some(h) => {
            check_extra_headers(h)?;
            Some(h.to_string())
        }
    };
    let cx_bot = match field(obj, "cx_bot") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err("cx_bot must be a boolean".to_string()),
    };
    Ok(StreamParams {
        service_url,
        bidirectional,
        audio_track,
        stream_timeout,
        status_callback_url,
        status_callback_method,
        content_type,
        extra_headers,
        cx_bot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&[u8]> = Some(b"application/json; charset=utf-8");

    fn err(body: &str) -> String {
        parse(JSON, body.as_bytes()).unwrap_err()
    }

    #[test]
    fn valid_and_defaults() {
        let p = parse(JSON, br#"{"service_url":"wss://x.example/a"}"#).unwrap();
        assert_eq!(p.audio_track, "inbound");
        assert_eq!(p.stream_timeout, 86_400);
        assert_eq!(p.content_type, "audio/x-l16;rate=8000");
        assert_eq!(p.status_callback_method, "POST");
        let p = parse(
            JSON,
            br#"{"service_url":"ws://h/","bidirectional":true,"stream_timeout":60,
                "status_callback_url":"https://cb/","status_callback_method":"GET",
                "content_type":"audio/x-mulaw;rate=8000","extra_headers":"a=1,bc=two","cx_bot":true}"#,
        )
        .unwrap();
        assert!(p.bidirectional);
        assert_eq!(p.extra_headers.as_deref(), Some("a=1,bc=two"));
        assert_eq!(p.cx_bot, Some(true));
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse(Some(b"text/plain"), b"{}").unwrap_err(),
            "Content-Type must be application/json"
        );
        assert_eq!(err("nope"), "invalid JSON body");
        assert_eq!(err("[1]"), "invalid JSON body");
        assert!(err("{}").contains("service_url"));
        assert!(err(r#"{"service_url":"http://x"}"#).contains("service_url"));
        assert!(err(r#"{"service_url":"ws://x","audio_track":"left"}"#).contains("audio_track"));
        assert!(
            err(r#"{"service_url":"ws://x","bidirectional":true,"audio_track":"both"}"#)
                .contains("bidirectional")
        );
        assert!(err(r#"{"service_url":"ws://x","stream_timeout":0}"#).contains("stream_timeout"));
        assert!(err(r#"{"service_url":"ws://x","stream_timeout":1.5}"#).contains("stream_timeout"));
        assert!(
            err(r#"{"service_url":"ws://x","status_callback_url":"ftp://x"}"#)
                .contains("status_callback_url")
        );
        assert!(
            err(r#"{"service_url":"ws://x","status_callback_method":"PUT"}"#)
                .contains("status_callback_method")
        );
        assert!(
            err(r#"{"service_url":"ws://x","content_type":"audio/wav"}"#).contains("content_type")
        );
        assert!(
            err(r#"{"service_url":"ws://x","extra_headers":"a=b=c"}"#).contains("extra_headers")
        );
        assert!(
            err(r#"{"service_url":"ws://x","extra_headers":"a b=c"}"#).contains("extra_headers")
        );
        for bad in ["a-b=c", "a_b=c", "a=b-c", "a=", "=b", "a=b,"] {
            let body = format!(r#"{{"service_url":"ws://x","extra_headers":"{bad}"}}"#);
            assert!(err(&body).contains("extra_headers"), "{bad}");
        }
        assert!(err(r#"{"service_url":"ws://x","cx_bot":"yes"}"#).contains("cx_bot"));
        assert!(parse(
            JSON,
            br#"{"service_url":"ws://x","stream_timeout":4000000000}"#
        )
        .is_ok());
        let long = format!(
            r#"{{"service_url":"ws://x","extra_headers":"{}"}}"#,
            "a=b,".repeat(200)
        );
        assert!(err(&long).contains("512"));
    }
}
