//! The Stream API: auth, stop, start, get, list, validation.

mod common;

use common::*;

#[test]
fn auth_failures_are_401() {
    let server = Server::start(&["--seed", "c1:s1"]);
    let path = account_path("Call/c1/Stream/s1/");
    let expect_401 = |resp: Resp| {
        assert_eq!(resp.status, 401);
        let v = resp.assert_api_json();
        assert_eq!(v["error"], "Authentication credentials invalid.");
    };
    // No Authorization header.
    expect_401(server.request("DELETE", &path, &[], b""));
    // Wrong token.
    let bad = basic_auth(AUTH_ID, "wrong");
    expect_401(server.request("DELETE", &path, &[("Authorization", &bad)], b""));
    // Wrong user.
    let bad = basic_auth("MAOTHER", AUTH_TOKEN);
    expect_401(server.request("DELETE", &path, &[("Authorization", &bad)], b""));
    // Not Basic.
    expect_401(server.request("DELETE", &path, &[("Authorization", "Bearer x")], b""));
    // Right credentials, another account in the path.
    let good = basic_auth(AUTH_ID, AUTH_TOKEN);
    expect_401(server.request(
        "DELETE",
        "/v1/Account/MAOTHER/Call/c1/Stream/s1/",
        &[("Authorization", &good)],
        b"",
    ));
    // The stream is still active.
    assert_eq!(server.api("DELETE", "Call/c1/Stream/s1/", None).status, 204);
}

#[test]
fn stop_twice_then_no_active_stream() {
    let server = Server::start(&["--seed", "c1:s1,s2"]);
    let first = server.api("DELETE", "Call/c1/Stream/s1/", None);
    assert_eq!(first.status, 204);
    assert!(first.body.is_empty());
    let second = server.api("DELETE", "Call/c1/Stream/s1/", None);
    assert_eq!(second.status, 400);
    let v = second.assert_api_json();
    assert_eq!(v["error"], "No active stream found");
    // The other stream is untouched.
    assert_eq!(server.api("DELETE", "Call/c1/Stream/s2/", None).status, 204);
}

#[test]
fn unknown_things_are_404_and_wrong_methods_405() {
    let server = Server::start(&["--seed", "c1:s1", "--seed", "empty:"]);
    for (method, path) in [
        ("DELETE", "Call/nope/Stream/s1/"),
        ("DELETE", "Call/c1/Stream/nope/"),
        ("GET", "Call/c1/Stream/nope/"),
        ("GET", "Call/nope/Stream/"),
        ("DELETE", "Call/nope/Stream/"),
        ("DELETE", "Call/c1/Stream/s1"), // no trailing slash
        ("GET", "Call/c1/"),
    ] {
        let resp = server.api(method, path, None);
        assert_eq!(resp.status, 404, "{method} {path}");
        assert_eq!(resp.assert_api_json()["error"], "not found");
    }
    let resp = server.api(
        "POST",
        "Call/nope/Stream/",
        Some(r#"{"service_url":"wss://x/"}"#),
    );
    assert_eq!(resp.status, 404);

    let resp = server.api("PUT", "Call/c1/Stream/s1/", None);
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET, DELETE"));
    resp.assert_api_json();
    let resp = server.api("PATCH", "Call/c1/Stream/", None);
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET, POST, DELETE"));

    // A seeded call without streams: stop-all has nothing to stop.
    let resp = server.api("DELETE", "Call/empty/Stream/", None);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error(), "No active stream found");
}

#[test]
fn start_get_list_stop_all() {
    let server = Server::start(&["--seed", "c1:"]);
    let body = r#"{"service_url":"wss://media.example/ws","bidirectional":true,
        "stream_timeout":120,"status_callback_url":"https://cb.example/s",
        "content_type":"audio/x-mulaw;rate=8000","extra_headers":"a=1,b=2"}"#;
    let resp = server.api("POST", "Call/c1/Stream/", Some(body));
    assert_eq!(resp.status, 202);
    let v = resp.assert_api_json();
    assert_eq!(v["message"], "audio streaming started");
    let id1 = v["stream_id"].as_str().unwrap().to_string();
    assert_eq!(id1.len(), 36);
    let resp = server.api(
        "POST",
        "Call/c1/Stream/",
        Some(r#"{"service_url":"ws://h/","cx_bot":false}"#),
    );
    assert_eq!(resp.status, 202);
    let id2 = resp.json()["stream_id"].as_str().unwrap().to_string();
    assert_ne!(id1, id2);

    let resp = server.api("GET", &format!("Call/c1/Stream/{id1}/"), None);
    assert_eq!(resp.status, 200);
    let s = resp.assert_api_json();
    assert_eq!(s["stream_id"], id1.as_str());
    assert_eq!(s["call_uuid"], "c1");
    assert_eq!(s["status"], "In-Progress");
    assert!(s["end_time"].is_null());
    assert_eq!(s["audio_track"], "inbound");
    assert_eq!(s["bidirectional"], true);
    assert_eq!(s["service_url"], "wss://media.example/ws");
    assert_eq!(s["status_callback_url"], "https://cb.example/s");
    assert_eq!(s["plivo_auth_id"], AUTH_ID);
    assert_eq!(s["bill_duration"], 0);
    assert_eq!(s["billed_amount"], "0.00000");
    assert_eq!(
        s["resource_uri"],
        format!("/v1/Account/{AUTH_ID}/Call/c1/Stream/{id1}/").as_str()
    );
    let created = s["created_at"].as_str().unwrap();
    // 2026-11-24 15:04:05.123456+00:00
    assert_eq!(created.len(), 32, "{created}");
    assert!(created.ends_with("+00:00") && created.as_bytes()[10] == b' ');

    let resp = server.api("GET", "Call/c1/Stream/", None);
    assert_eq!(resp.status, 200);
    let v = resp.assert_api_json();
    assert_eq!(v["meta"]["total_count"], 2);
    let objects = v["objects"].as_array().unwrap();
    assert_eq!(objects[0]["stream_id"], id1.as_str());
    assert_eq!(objects[1]["stream_id"], id2.as_str());
    assert!(objects[0].get("api_id").is_none());

    let resp = server.api("DELETE", "Call/c1/Stream/", None);
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    let resp = server.api("DELETE", "Call/c1/Stream/", None);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error(), "No active stream found");
    let resp = server.api("DELETE", &format!("Call/c1/Stream/{id2}/"), None);
    assert_eq!(resp.error(), "No active stream found");

    let s = server
        .api("GET", &format!("Call/c1/Stream/{id2}/"), None)
        .json();
    assert_eq!(s["status"], "Stopped");
    assert!(s["end_time"].is_string());
}

#[test]
fn list_paging() {
    let server = Server::start(&[]);
    let ids: Vec<String> = (0..25).map(|i| format!("s{i:02}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    admin_add_call(&server, "big", &refs);

    let v = server.api("GET", "Call/big/Stream/", None).json();
    assert_eq!(v["meta"]["total_count"], 25);
    assert_eq!(v["meta"]["limit"], 20);
    assert_eq!(v["meta"]["offset"], 0);
    assert_eq!(
        v["meta"]["next"],
        format!("/v1/Account/{AUTH_ID}/Call/big/Stream/?limit=20&offset=20").as_str()
    );
    assert!(v["meta"]["previous"].is_null());
    assert_eq!(v["objects"].as_array().unwrap().len(), 20);

    let v = server
        .api("GET", "Call/big/Stream/?limit=20&offset=20", None)
        .json();
    let objects = v["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 5);
    assert_eq!(objects[0]["stream_id"], "s20");
    assert!(v["meta"]["next"].is_null());
    assert_eq!(
        v["meta"]["previous"],
        format!("/v1/Account/{AUTH_ID}/Call/big/Stream/?limit=20&offset=0").as_str()
    );

    let v = server
        .api("GET", "Call/big/Stream/?offset=3&limit=2", None)
        .json();
    assert_eq!(v["objects"][0]["stream_id"], "s03");
    assert_eq!(v["objects"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["meta"]["next"],
        format!("/v1/Account/{AUTH_ID}/Call/big/Stream/?limit=2&offset=5").as_str()
    );
    assert_eq!(
        v["meta"]["previous"],
        format!("/v1/Account/{AUTH_ID}/Call/big/Stream/?limit=2&offset=1").as_str()
    );

    for bad in ["limit=0", "limit=21", "limit=x", "offset=-1", "offset=1.5"] {
        let resp = server.api("GET", &format!("Call/big/Stream/?{bad}"), None);
        assert_eq!(resp.status, 400, "{bad}");
        resp.assert_api_json();
    }
}

#[test]
fn start_validation_errors() {
    let server = Server::start(&["--seed", "c1:"]);
    let cases = [
        ("not json", "invalid JSON body"),
        ("", "invalid JSON body"),
        ("[]", "invalid JSON body"),
        ("{}", "service_url"),
        (r#"{"service_url":"https://x/"}"#, "service_url"),
        (r#"{"service_url":5}"#, "service_url"),
        (
            r#"{"service_url":"wss://x/","bidirectional":"yes"}"#,
            "bidirectional",
        ),
        (
            r#"{"service_url":"wss://x/","audio_track":"left"}"#,
            "audio_track",
        ),
        (
            r#"{"service_url":"wss://x/","bidirectional":true,"audio_track":"both"}"#,
            "bidirectional",
        ),
        (
            r#"{"service_url":"wss://x/","stream_timeout":0}"#,
            "stream_timeout",
        ),
        (
            r#"{"service_url":"wss://x/","stream_timeout":"60"}"#,
            "stream_timeout",
        ),
        (
            r#"{"service_url":"wss://x/","status_callback_url":"ws://x"}"#,
            "status_callback_url",
        ),
        (
            r#"{"service_url":"wss://x/","status_callback_method":"PUT"}"#,
            "status_callback_method",
        ),
        (
            r#"{"service_url":"wss://x/","content_type":"audio/wav"}"#,
            "content_type",
        ),
        (
            r#"{"service_url":"wss://x/","extra_headers":"a=b,c"}"#,
            "extra_headers",
        ),
        (
            r#"{"service_url":"wss://x/","extra_headers":"X-Tenant=acme"}"#,
            "extra_headers",
        ),
        (r#"{"service_url":"wss://x/","cx_bot":1}"#, "cx_bot"),
    ];
    for (body, needle) in cases {
        let resp = server.api("POST", "Call/c1/Stream/", Some(body));
        assert_eq!(resp.status, 400, "{body}");
        let err = resp.assert_api_json()["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(err.contains(needle), "{body}: {err}");
    }
    // A body that is not declared JSON.
    let auth = basic_auth(AUTH_ID, AUTH_TOKEN);
    let resp = server.request(
        "POST",
        &account_path("Call/c1/Stream/"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        b"service_url=wss://x/",
    );
    assert_eq!(resp.status, 400);
    // Nothing was started.
    assert_eq!(
        server.api("GET", "Call/c1/Stream/", None).json()["meta"]["total_count"],
        0
    );
}

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// A string's form: every digit replaced by `D`.
fn form(v: &serde_json::Value) -> String {
    match v.as_str() {
        Some(s) => s
            .chars()
            .map(|c| if c.is_ascii_digit() { 'D' } else { c })
            .collect(),
        None => format!("<{}>", kind(v)),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// `ours` has exactly the members of `theirs`, each of the same JSON type, and the
/// timestamps, amounts and ids in the same form.
fn assert_like(ours: &serde_json::Value, theirs: &serde_json::Value, what: &str) {
    let ours = ours.as_object().expect("object");
    let theirs = theirs.as_object().expect("object");
    let mut a: Vec<&String> = ours.keys().collect();
    let mut b: Vec<&String> = theirs.keys().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{what}: member names");
    for (name, their) in theirs {
        let our = &ours[name];
        if their.is_null() || our.is_null() {
            continue; // null where a value may be missing (end_time while active)
        }
        assert_eq!(kind(our), kind(their), "{what}: type of {name}");
        if matches!(
            name.as_str(),
            "created_at" | "start_time" | "end_time" | "billed_amount"
        ) {
            assert_eq!(form(our), form(their), "{what}: form of {name}");
        }
        if name == "api_id" || name == "stream_id" {
            assert_eq!(form(our).len(), 36, "{what}: {name} {our}");
        }
    }
}

#[test]
fn answers_have_the_members_types_and_forms_of_the_docs_examples() {
    let server = Server::start(&["--seed", "c1:"]);
    let started = server.api(
        "POST",
        "Call/c1/Stream/",
        Some(r#"{"service_url":"ws://media.example/ws","audio_track":"both"}"#),
    );
    assert_eq!(started.status, 202);
    let started = started.json();
    assert_like(&started, &fixture("start.json"), "start");
    let id = started["stream_id"].as_str().unwrap().to_string();
    let api_id = started["api_id"].as_str().unwrap();
    assert_eq!(
        &api_id[14..15],
        "1",
        "api_id {api_id} is not a version-1 UUID"
    );

    // Active: like the beta fixture (every member an SDK models), "" callback URL.
    let active = server
        .api("GET", &format!("Call/c1/Stream/{id}/"), None)
        .json();
    assert_like(&active, &fixture("get.beta.json"), "active get");
    assert_eq!(active["status_callback_url"], "");
    assert!(active["end_time"].is_null());

    // Stopped: like the docs example, plus the two members every SDK models.
    assert_eq!(
        server
            .api("DELETE", &format!("Call/c1/Stream/{id}/"), None)
            .status,
        204
    );
    let stopped = server
        .api("GET", &format!("Call/c1/Stream/{id}/"), None)
        .json();
    let mut docs = fixture("get.docs.json");
    docs["status"] = "Stopped".into();
    docs["status_callback_url"] = "".into();
    assert_like(&stopped, &docs, "stopped get");
    assert_eq!(stopped["rounded_bill_duration"], 60);
    assert_eq!(stopped["billed_amount"], "0.00300");
    assert!(stopped["start_time"].as_str().unwrap().ends_with("+00:00"));

    let list = server.api("GET", "Call/c1/Stream/", None).json();
    let mut docs_list = fixture("list.docs.json");
    assert_like(&list["meta"], &docs_list["meta"], "list meta");
    assert_eq!(list["meta"]["limit"], 20);
    assert_eq!(list["meta"]["offset"], 0);
    assert_eq!(list["meta"]["total_count"], 1);
    assert!(list["meta"]["next"].is_null() && list["meta"]["previous"].is_null());
    let object = docs_list["objects"][0].take();
    let mut object_docs = object.clone();
    object_docs["status"] = "Stopped".into();
    object_docs["status_callback_url"] = "".into();
    assert_like(&list["objects"][0], &object_docs, "list object");
    docs_list["objects"] = serde_json::json!([]);
    let mut list_top = list.clone();
    list_top["objects"] = serde_json::json!([]);
    assert_like(&list_top, &docs_list, "list");

    // An error: {api_id, error}, like the documented stop error.
    let again = server.api("DELETE", &format!("Call/c1/Stream/{id}/"), None);
    assert_eq!(again.status, 400);
    assert_like(&again.json(), &fixture("stop_error.json"), "stop error");
}

#[test]
fn a_second_start_at_an_active_service_url_is_400() {
    let server = Server::start(&["--seed", "c1:", "--seed", "c2:"]);
    let start = |call: &str, url: &str| {
        server.api(
            "POST",
            &format!("Call/{call}/Stream/"),
            Some(&format!(r#"{{"service_url":"{url}"}}"#)),
        )
    };
    let first = start("c1", "wss://a.example/ws");
    assert_eq!(first.status, 202);
    let dup = start("c1", "wss://a.example/ws");
    assert_eq!(dup.status, 400);
    assert!(dup.assert_api_json()["error"]
        .as_str()
        .unwrap()
        .contains("active stream already exists"));
    // Another URL on the same call, the same URL on another call: fine.
    assert_eq!(start("c1", "wss://b.example/ws").status, 202);
    assert_eq!(start("c2", "wss://a.example/ws").status, 202);
    // Once the first stream is stopped, its URL is free again.
    let id = first.json()["stream_id"].as_str().unwrap().to_string();
    assert_eq!(
        server
            .api("DELETE", &format!("Call/c1/Stream/{id}/"), None)
            .status,
        204
    );
    assert_eq!(start("c1", "wss://a.example/ws").status, 202);
    let list = server.api("GET", "Call/c1/Stream/", None).json();
    assert_eq!(list["meta"]["total_count"], 3);
}

#[test]
fn queued_replies_are_sent_verbatim_once() {
    let server = Server::start(&["--seed", "c1:s1"]);
    let body = std::fs::read_to_string(format!(
        "{}/../tests/fixtures/get.strings.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let queue = |status: u16, body: &str| {
        let req = serde_json::json!({ "status": status, "body": body }).to_string();
        server.request(
            "POST",
            "/__admin/replies/",
            &[("Content-Type", "application/json")],
            req.as_bytes(),
        )
    };
    assert_eq!(queue(200, &body).status, 201);
    assert_eq!(queue(418, "{}").status, 201);
    assert_eq!(queue(204, "{}").status, 400);
    // Unauthenticated requests do not take a queued answer.
    let path = account_path("Call/c1/Stream/s1/");
    assert_eq!(server.request("GET", &path, &[], b"").status, 401);
    let resp = server.api("GET", "Call/c1/Stream/s1/", None);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.body, body.as_bytes());
    let resp = server.api("DELETE", "Call/c1/Stream/s1/", None);
    assert_eq!((resp.status, resp.body.as_slice()), (418, &b"{}"[..]));
    // The queue is empty: served normally (the stream is still active).
    assert_eq!(server.api("DELETE", "Call/c1/Stream/s1/", None).status, 204);
    assert_eq!(queue(200, "{}").status, 201);
    let cleared = server.request("DELETE", "/__admin/replies/", &[], b"");
    assert_eq!(cleared.status, 204);
    let resp = server.api("GET", "Call/c1/Stream/s1/", None);
    assert_eq!(resp.json()["stream_id"], "s1");
}
