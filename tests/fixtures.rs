//! Golden fixtures (`tests/fixtures/`, Plivo's documented and recorded answers and
//! their variants) through a real socket: the typed Rust views read every value of
//! `expected.json`, and the C functions hand the bodies back byte for byte.

mod common;

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use common::*;
use plivo::ffi::*;
use serde_json::{json, Value};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).expect(name)
}

fn expected() -> Vec<(String, Value)> {
    let v: Value = serde_json::from_str(&fixture("expected.json")).unwrap();
    let map = v.as_object().unwrap().clone();
    assert!(map.len() >= 13, "expected.json lists every fixture");
    map.into_iter().collect()
}

/// The typed view as `expected.json` writes it (`null` for `None`).
fn stream_values(s: &plivo::Stream) -> Value {
    json!({
        "stream_id": s.stream_id,
        "api_id": s.api_id,
        "call_uuid": s.call_uuid,
        "plivo_auth_id": s.plivo_auth_id,
        "status": s.status,
        "service_url": s.service_url,
        "audio_track": s.audio_track,
        "bidirectional": s.bidirectional,
        "status_callback_url": s.status_callback_url,
        "created_at": s.created_at,
        "start_time": s.start_time,
        "end_time": s.end_time,
        "bill_duration": s.bill_duration,
        "rounded_bill_duration": s.rounded_bill_duration,
        "billed_amount": s.billed_amount,
        "resource_uri": s.resource_uri,
    })
}

fn typed_client(server: &Server) -> plivo::Client {
    let mut options = plivo::Options::new();
    options.set_base_url(&server.base_url).unwrap();
    options.set_max_retries(0).unwrap();
    plivo::Client::new(Some(AUTH_ID), Some(AUTH_TOKEN), &options).unwrap()
}

#[test]
fn every_typed_view_reads_every_fixture() {
    let server = Server::start(&[]);
    let client = typed_client(&server);
    let mut seen = 0;
    for (name, want) in expected() {
        let body = fixture(&name);
        match want["kind"].as_str().unwrap() {
            "stream" => {
                server.queue_reply(200, &body);
                let got = client.get_stream("call-f", "s1").expect(&name).value;
                assert_eq!(stream_values(&got), want["stream"], "{name}");
                seen += 1;
            }
            "list" => {
                server.queue_reply(200, &body);
                let got = client.list_streams("call-f").expect(&name).value;
                let m = &got.meta;
                let meta = json!({ "total_count": m.total_count, "limit": m.limit,
                    "offset": m.offset, "next": m.next, "previous": m.previous });
                assert_eq!(meta, want["meta"], "{name}");
                assert_eq!(got.api_id.as_deref(), want["api_id"].as_str(), "{name}");
                let objects: Vec<Value> = got.objects.iter().map(stream_values).collect();
                assert_eq!(Value::from(objects), want["objects"], "{name}");
                seen += 1;
            }
            "start" => {
                server.queue_reply(202, &body);
                let params = plivo::StreamParams::new();
                let got = client
                    .start_stream_id("call-f", "wss://m.example/x", &params)
                    .expect(&name);
                assert_eq!(got.status, 202);
                assert_eq!(got.value, want["stream_id"].as_str().unwrap());
                assert_eq!(got.api_id.as_deref(), want["api_id"].as_str());
                seen += 1;
            }
            "stop_error" => {
                server.queue_reply(400, &body);
                let err = client.stop_stream("call-f", "s1").unwrap_err();
                assert_eq!(err.kind(), plivo::ErrorKind::NoActiveStream, "{name}");
                assert_eq!(err.http_status(), Some(400));
                assert_eq!(err.api_id(), want["api_id"].as_str());
                seen += 1;
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
    assert_eq!(seen, expected().len());
}

#[test]
fn unknown_members_are_kept_in_other() {
    let server = Server::start(&[]);
    let client = typed_client(&server);
    server.queue_reply(200, &fixture("get.unknown.json"));
    let got = client.get_stream("call-f", "s1").unwrap().value;
    assert_eq!(got.other["error_code"], 3000);
    assert_eq!(got.other["stream_timeout"], "86400");
    assert_eq!(got.other["error_message"]["nested"][1], 1);
    assert!(!got.other.contains_key("stream_id"));
}

fn c_text(f: impl FnOnce(*mut *mut c_char) -> PlivoCode) -> (PlivoCode, Option<String>) {
    let mut out: *mut c_char = null_mut();
    let code = f(&mut out);
    (code, take(out))
}

#[test]
fn the_c_functions_return_every_fixture_body_unchanged() {
    let server = Server::start(&[]);
    let client = server.client();
    let (call, stream, url) = (cstr("call-f"), cstr("s1"), cstr("wss://m.example/x"));
    for (name, want) in expected() {
        let body = fixture(&name);
        match want["kind"].as_str().unwrap() {
            "stream" => {
                server.queue_reply(200, &body);
                let (code, text) =
                    c_text(|out| plivo_get_stream(client.0, call.as_ptr(), stream.as_ptr(), out));
                assert_eq!(code, PlivoCode::PLIVO_OK, "{name}: {:?}", last_error());
                assert_eq!(text.as_deref(), Some(body.as_str()), "{name}");
            }
            "list" => {
                server.queue_reply(200, &body);
                let (code, text) = c_text(|out| plivo_list_streams(client.0, call.as_ptr(), out));
                assert_eq!(code, PlivoCode::PLIVO_OK, "{name}: {:?}", last_error());
                assert_eq!(text.as_deref(), Some(body.as_str()), "{name}");
            }
            "start" => {
                server.queue_reply(202, &body);
                let (code, id) = c_text(|out| {
                    plivo_start_stream(client.0, call.as_ptr(), url.as_ptr(), null(), out)
                });
                assert_eq!(code, PlivoCode::PLIVO_OK, "{name}: {:?}", last_error());
                assert_eq!(id.as_deref(), want["stream_id"].as_str());
                assert_eq!(plivo_last_http_status(), 202);
                assert_eq!(last_api_id().as_deref(), want["api_id"].as_str());
            }
            "stop_error" => {
                server.queue_reply(400, &body);
                let code = plivo_stop_stream(client.0, call.as_ptr(), stream.as_ptr());
                assert_eq!(code, PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM, "{name}");
                assert_eq!(last_api_id().as_deref(), want["api_id"].as_str());
                let msg = last_error().unwrap();
                assert!(msg.contains("No active stream found"), "{msg}");
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
}

#[test]
fn only_what_the_caller_asked_for_may_fail() {
    let server = Server::start(&[]);
    let client = server.client();
    let (call, url) = (cstr("call-f"), cstr("wss://m.example/x"));
    // A start answer whose stream_id is not a string: fine without an out-parameter,
    // INVALID_RESPONSE when the caller wants the id.
    for body in [r#"{"stream_id": 5}"#, r#"{"message": 1}"#, "{}"] {
        server.queue_reply(202, body);
        let code = plivo_start_stream(client.0, call.as_ptr(), url.as_ptr(), null(), null_mut());
        assert_eq!(code, PlivoCode::PLIVO_OK, "{body}");
        server.queue_reply(202, body);
        let (code, id) =
            c_text(|out| plivo_start_stream(client.0, call.as_ptr(), url.as_ptr(), null(), out));
        assert_eq!(code, PlivoCode::PLIVO_ERR_INVALID_RESPONSE, "{body}");
        assert_eq!(id, None);
    }
    // A start answer with a string id and odd other members: the id is read.
    server.queue_reply(202, r#"{"stream_id": "abc", "message": 7, "x": []}"#);
    let (code, id) =
        c_text(|out| plivo_start_stream(client.0, call.as_ptr(), url.as_ptr(), null(), out));
    assert_eq!((code, id.as_deref()), (PlivoCode::PLIVO_OK, Some("abc")));
    // A list whose objects are not objects is not a stream list (typed view).
    let typed = typed_client(&server);
    server.queue_reply(200, r#"{"objects": [1]}"#);
    let err = typed.list_streams("call-f").unwrap_err();
    assert_eq!(err.kind(), plivo::ErrorKind::InvalidResponse);
}
