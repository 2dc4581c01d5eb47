//! The rest of the Audio Stream resource: start, get, list, stop all, stream
//! parameters; through the C ABI and the typed Rust API, against the bundled server.

mod common;

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use common::*;
use plivo::ffi::*;
use serde_json::Value;

fn start(
    client: &TestClient,
    call: &str,
    url: &str,
    params: *const PlivoStreamParams,
) -> (PlivoCode, Option<String>) {
    let (c, u) = (cstr(call), cstr(url));
    let mut id: *mut c_char = null_mut();
    let code = plivo_start_stream(client.0, c.as_ptr(), u.as_ptr(), params, &mut id);
    (code, take(id))
}

fn get(client: &TestClient, call: &str, stream: &str) -> (PlivoCode, Option<Value>) {
    let (c, s) = (cstr(call), cstr(stream));
    let mut json: *mut c_char = std::ptr::dangling_mut(); // must be overwritten, even on failure
    let code = plivo_get_stream(client.0, c.as_ptr(), s.as_ptr(), &mut json);
    (
        code,
        take(json).map(|t| serde_json::from_str(&t).expect("valid JSON")),
    )
}

fn list(client: &TestClient, call: &str) -> (PlivoCode, Option<Value>) {
    let c = cstr(call);
    let mut json: *mut c_char = null_mut();
    let code = plivo_list_streams(client.0, c.as_ptr(), &mut json);
    (
        code,
        take(json).map(|t| serde_json::from_str(&t).expect("valid JSON")),
    )
}

fn stop_all(client: &TestClient, call: &str) -> PlivoCode {
    let c = cstr(call);
    plivo_stop_all_streams(client.0, c.as_ptr())
}

#[test]
fn start_list_get_stop_and_stop_all() {
    let server = Server::start(&["call-1:"]);
    let client = server.client();

    let (code, first) = start(&client, "call-1", "wss://media.example.com/a", null());
    assert_eq!(code, PlivoCode::PLIVO_OK, "{:?}", last_error());
    let first = first.expect("a stream id");
    assert_eq!(plivo_last_http_status(), 202);
    assert!(last_api_id().is_some());
    let (_, second) = start(&client, "call-1", "ws://127.0.0.1:9/b", null());
    let second = second.unwrap();
    assert_ne!(first, second);

    let (code, listed) = list(&client, "call-1");
    assert_eq!(code, PlivoCode::PLIVO_OK);
    let listed = listed.unwrap();
    assert_eq!(listed["meta"]["total_count"], 2);
    let ids: Vec<&str> = listed["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str()]);

    let (code, stream) = get(&client, "call-1", &first);
    assert_eq!(code, PlivoCode::PLIVO_OK);
    let stream = stream.unwrap();
    assert_eq!(stream["stream_id"], first.as_str());
    assert_eq!(stream["status"], "In-Progress");
    assert_eq!(stream["service_url"], "wss://media.example.com/a");
    assert_eq!(plivo_last_http_status(), 200);

    assert_eq!(client.stop("call-1", &first), PlivoCode::PLIVO_OK);
    assert_eq!(
        get(&client, "call-1", &first).1.unwrap()["status"],
        "Stopped"
    );
    assert_eq!(
        stop_all(&client, "call-1"),
        PlivoCode::PLIVO_OK,
        "the second is still active"
    );
    assert_eq!(
        get(&client, "call-1", &second).1.unwrap()["status"],
        "Stopped"
    );
    assert_eq!(
        stop_all(&client, "call-1"),
        PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM
    );

    // Unknown call or stream: 404, and the out-parameter is NULL.
    let (code, json) = get(&client, "call-1", "no-such-stream");
    assert_eq!((code, json), (PlivoCode::PLIVO_ERR_NOT_FOUND, None));
    assert_eq!(
        list(&client, "no-such-call").0,
        PlivoCode::PLIVO_ERR_NOT_FOUND
    );
    assert_eq!(
        stop_all(&client, "no-such-call"),
        PlivoCode::PLIVO_ERR_NOT_FOUND
    );
    assert_eq!(
        start(&client, "no-such-call", "wss://x.example/", null()),
        (PlivoCode::PLIVO_ERR_NOT_FOUND, None)
    );

    let methods: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    let base = format!("/v1/Account/{AUTH_ID}/Call/call-1/Stream/");
    assert_eq!(methods[0], format!("POST {base}"));
    assert_eq!(methods[2], format!("GET {base}"));
    assert_eq!(methods[3], format!("GET {base}{first}/"));
    assert_eq!(methods[4], format!("DELETE {base}{first}/"));
    assert_eq!(methods[6], format!("DELETE {base}"));
}

#[test]
fn start_sends_every_parameter_as_json() {
    let server = Server::start(&["call-p:"]);
    let client = server.client();
    let p = plivo_stream_params_new();
    let set = |f: extern "C" fn(*mut PlivoStreamParams, *const c_char) -> PlivoCode, v: &str| {
        let v = cstr(v);
        assert_eq!(f(p, v.as_ptr()), PlivoCode::PLIVO_OK, "{:?}", last_error());
    };
    assert_eq!(
        plivo_stream_params_set_bidirectional(p, true),
        PlivoCode::PLIVO_OK
    );
    set(plivo_stream_params_set_audio_track, "inbound");
    assert_eq!(plivo_stream_params_set_cx_bot(p, true), PlivoCode::PLIVO_OK);
    assert_eq!(
        plivo_stream_params_set_stream_timeout(p, 120),
        PlivoCode::PLIVO_OK
    );
    set(
        plivo_stream_params_set_status_callback_url,
        "https://hooks.example.com/stream",
    );
    set(plivo_stream_params_set_status_callback_method, "GET");
    set(
        plivo_stream_params_set_content_type,
        "audio/x-mulaw;rate=8000",
    );
    set(
        plivo_stream_params_set_extra_headers,
        "tenant=acme,kind=ivr",
    );
    let (code, id) = start(&client, "call-p", "wss://media.example.com/s", p);
    plivo_stream_params_free(p);
    assert_eq!(code, PlivoCode::PLIVO_OK, "{:?}", last_error());
    let request = &server.requests()[0];
    assert_eq!(request["content_type"], "application/json");
    let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "service_url": "wss://media.example.com/s",
            "bidirectional": true,
            "audio_track": "inbound",
            "stream_timeout": 120,
            "status_callback_url": "https://hooks.example.com/stream",
            "status_callback_method": "GET",
            "content_type": "audio/x-mulaw;rate=8000",
            "extra_headers": "tenant=acme,kind=ivr",
            "cx_bot": true,
        })
    );
    let (_, stream) = get(&client, "call-p", &id.unwrap());
    let stream = stream.unwrap();
    assert_eq!(stream["audio_track"], "inbound");
    assert_eq!(stream["bidirectional"], true);
}

#[test]
fn parameter_setters_refuse_bad_values() {
    let p = plivo_stream_params_new();
    let bad = PlivoCode::PLIVO_ERR_INVALID_ARGUMENT;
    let try_set = |f: extern "C" fn(*mut PlivoStreamParams, *const c_char) -> PlivoCode,
                   v: &str| {
        let v = cstr(v);
        f(p, v.as_ptr())
    };
    for v in ["", "INBOUND", "left", "both "] {
        assert_eq!(
            try_set(plivo_stream_params_set_audio_track, v),
            bad,
            "{v:?}"
        );
    }
    for v in ["", "get", "PUT"] {
        assert_eq!(
            try_set(plivo_stream_params_set_status_callback_method, v),
            bad,
            "{v:?}"
        );
    }
    for v in ["audio/x-l16", "audio/x-l16;rate=44100", "audio/wav", ""] {
        assert_eq!(
            try_set(plivo_stream_params_set_content_type, v),
            bad,
            "{v:?}"
        );
    }
    for v in [
        "",
        "ftp://x.example/",
        "hooks.example.com",
        "wss://x.example/",
    ] {
        assert_eq!(
            try_set(plivo_stream_params_set_status_callback_url, v),
            bad,
            "{v:?}"
        );
    }
    let long = format!("K={}", "v".repeat(600));
    for v in [
        "",
        "novalue",
        "=v",
        "a=b=c",
        "a b=c",
        "a=b,,c=d",
        long.as_str(),
        "a=b\nc",
        "X-Tenant=acme",
        "a_b=c",
        "a=b-c",
        "a=",
    ] {
        assert_eq!(
            try_set(plivo_stream_params_set_extra_headers, v),
            bad,
            "{v:?}"
        );
    }
    assert_eq!(plivo_stream_params_set_stream_timeout(p, 0), bad);
    // No maximum: the API documents none.
    for s in [1, 86_400, 86_401, u32::MAX] {
        assert_eq!(
            plivo_stream_params_set_stream_timeout(p, s),
            PlivoCode::PLIVO_OK,
            "{s}"
        );
    }
    for f in [
        plivo_stream_params_set_audio_track
            as extern "C" fn(*mut PlivoStreamParams, *const c_char) -> PlivoCode,
        plivo_stream_params_set_status_callback_url,
        plivo_stream_params_set_status_callback_method,
        plivo_stream_params_set_content_type,
        plivo_stream_params_set_extra_headers,
    ] {
        assert_eq!(f(p, null()), bad);
        let v = cstr("x");
        assert_eq!(f(null_mut(), v.as_ptr()), bad);
    }
    assert_eq!(plivo_stream_params_set_bidirectional(null_mut(), true), bad);
    assert_eq!(plivo_stream_params_set_stream_timeout(null_mut(), 5), bad);
    assert_eq!(plivo_stream_params_set_cx_bot(null_mut(), true), bad);
    plivo_stream_params_free(p);
}

#[test]
fn invalid_starts_send_nothing() {
    let server = Server::start(&["call-v:"]);
    let client = server.client();
    let bad = PlivoCode::PLIVO_ERR_INVALID_ARGUMENT;
    for url in [
        "",
        "http://media.example.com/",
        "https://x.example/",
        "wss://",
        "media.example.com",
        "wss://u:secret@/",
    ] {
        let (code, id) = start(&client, "call-v", url, null());
        assert_eq!((code, id), (bad, None), "{url:?}");
        assert!(!last_error().unwrap().contains("secret"));
    }
    // bidirectional needs the inbound track: refused before sending.
    let p = plivo_stream_params_new();
    plivo_stream_params_set_bidirectional(p, true);
    let track = cstr("both");
    plivo_stream_params_set_audio_track(p, track.as_ptr());
    assert_eq!(start(&client, "call-v", "wss://m.example/", p).0, bad);
    assert!(last_error().unwrap().contains("bidirectional"));
    plivo_stream_params_free(p);
    assert_eq!(
        start(&client, "bad/call", "wss://m.example/", null()).0,
        bad
    );
    let c = cstr("call-v");
    let u = cstr("wss://m.example/");
    assert_eq!(
        plivo_start_stream(null(), c.as_ptr(), u.as_ptr(), null(), null_mut()),
        bad
    );
    assert_eq!(
        plivo_start_stream(client.0, c.as_ptr(), null(), null(), null_mut()),
        bad
    );
    // get/list need their out-parameter.
    let s = cstr("s");
    assert_eq!(
        plivo_get_stream(client.0, c.as_ptr(), s.as_ptr(), null_mut()),
        bad
    );
    assert_eq!(plivo_list_streams(client.0, c.as_ptr(), null_mut()), bad);
    assert_eq!(plivo_stop_all_streams(client.0, null()), bad);
    assert!(server.requests().is_empty(), "nothing was sent");
    // A valid start with no id wanted still works.
    assert_eq!(
        plivo_start_stream(client.0, c.as_ptr(), u.as_ptr(), null(), null_mut()),
        PlivoCode::PLIVO_OK
    );
}

#[test]
fn unexpected_success_bodies() {
    let server = Server::start(&[]);
    let client = server.client();
    // A 2xx without stream_id: success when no id is wanted, invalid response when it is.
    let (c, u) = (cstr("fault-status200-a"), cstr("wss://m.example/"));
    assert_eq!(
        plivo_start_stream(client.0, c.as_ptr(), u.as_ptr(), null(), null_mut()),
        PlivoCode::PLIVO_OK
    );
    let (code, id) = start(&client, "fault-status200-a", "wss://m.example/", null());
    assert_eq!((code, id), (PlivoCode::PLIVO_ERR_INVALID_RESPONSE, None));
    assert_eq!(plivo_last_http_status(), 200);
    // A 2xx body that is not JSON: fine for stop, invalid where a body is needed.
    assert_eq!(client.stop("fault-badjson200-a", "s"), PlivoCode::PLIVO_OK);
    assert_eq!(
        get(&client, "fault-badjson200-a", "s"),
        (PlivoCode::PLIVO_ERR_INVALID_RESPONSE, None)
    );
    assert_eq!(
        list(&client, "fault-badjson200-a"),
        (PlivoCode::PLIVO_ERR_INVALID_RESPONSE, None)
    );
}

#[test]
fn start_is_retried_on_429_but_not_on_5xx() {
    let server = Server::start(&[]);
    let client = server.client();
    let (code, id) = start(&client, "fault-429once-a", "wss://m.example/", null());
    assert_eq!(code, PlivoCode::PLIVO_OK, "{:?}", last_error());
    assert!(id.is_some());
    assert_eq!(server.requests().len(), 2);
    let (code, _) = start(&client, "fault-503once-b", "wss://m.example/", null());
    assert_eq!(
        code,
        PlivoCode::PLIVO_ERR_SERVER,
        "POST is not retried: the stream may exist"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn the_rust_api_is_typed() {
    let server = Server::start(&["call-t:"]);
    let mut options = plivo::Options::new();
    options.set_base_url(&server.base_url).unwrap();
    let client = plivo::Client::new(Some(AUTH_ID), Some(AUTH_TOKEN), &options).unwrap();
    assert!(!format!("{client:?}").contains(AUTH_TOKEN));

    let mut params = plivo::StreamParams::new();
    params.set_audio_track(plivo::AudioTrack::Both);
    params.set_content_type(plivo::ContentType::L16Rate16000);
    let started = client
        .start_stream_id("call-t", "wss://m.example/x", &params)
        .unwrap();
    assert_eq!(started.status, 202);
    let stream = client.get_stream("call-t", &started.value).unwrap().value;
    assert_eq!(stream.stream_id, started.value);
    assert_eq!(stream.audio_track.as_deref(), Some("both"));
    assert_eq!(stream.status.as_deref(), Some("In-Progress"));
    let list = client.list_streams("call-t").unwrap().value;
    assert_eq!(list.meta.total_count, 1);
    assert_eq!(list.objects[0].stream_id, started.value);
    assert_eq!(
        client.stop_stream("call-t", &started.value).unwrap().status,
        204
    );
    let err = client.stop_stream("call-t", &started.value).unwrap_err();
    assert_eq!(err.kind(), plivo::ErrorKind::NoActiveStream);
    assert_eq!(err.http_status(), Some(400));
    assert!(err.api_id().is_some());
    let err = client.stop_all_streams("call-t").unwrap_err();
    assert_eq!(err.kind(), plivo::ErrorKind::NoActiveStream);
    assert_eq!(
        client.get_stream("call-t", "nope").unwrap_err().kind(),
        plivo::ErrorKind::NotFound
    );
}
