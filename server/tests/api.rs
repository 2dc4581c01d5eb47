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
        Some(r#"{"service_url":"ws://h/"}"#),
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
    assert!(s["error_code"].is_null());
    assert!(s["error_message"].is_null());
    assert_eq!(s["audio_track"], "inbound");
    assert_eq!(s["bidirectional"], true);
    assert_eq!(s["service_url"], "wss://media.example/ws");
    assert_eq!(s["status_callback_url"], "https://cb.example/s");
    assert_eq!(s["content_type"], "audio/x-mulaw;rate=8000");
    assert_eq!(s["stream_timeout"], 120);
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
    assert_eq!(v["meta"]["count"], 2);
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
    assert_eq!(v["meta"]["count"], 25);
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
        server.api("GET", "Call/c1/Stream/", None).json()["meta"]["count"],
        0
    );
}
