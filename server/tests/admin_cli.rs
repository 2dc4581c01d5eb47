//! Admin endpoints (request log, stats, calls) and the command line.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn request_log_and_stats_show_keep_alive() {
    let server = Server::start(&["--seed", "c1:s1,s2"]);
    let stats = server.request("GET", "/__admin/stats/", &[], b"").json();
    let connections_before = stats["connections"].as_u64().unwrap();
    assert_eq!(stats["requests"], 0);

    // Two requests on one keep-alive connection, one on another.
    let mut conn = server.connect();
    assert_eq!(conn.api("DELETE", "Call/c1/Stream/s1/", None).status, 204);
    assert_eq!(conn.api("DELETE", "Call/c1/Stream/s1/", None).status, 400);
    let unauth = server.request("GET", &account_path("Call/c1/Stream/?limit=5"), &[], b"");
    assert_eq!(unauth.status, 401);
    let posted = server.api(
        "POST",
        "Call/c1/Stream/",
        Some(r#"{"service_url":"wss://x/"}"#),
    );
    assert_eq!(posted.status, 202);

    let log = server.request("GET", "/__admin/requests/", &[], b"");
    assert_eq!(log.status, 200);
    let log = log.json();
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 4, "{log}");
    let seqs: Vec<u64> = reqs.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(reqs[0]["conn"], reqs[1]["conn"]);
    assert_ne!(reqs[1]["conn"], reqs[2]["conn"]);
    assert_eq!(reqs[0]["method"], "DELETE");
    assert_eq!(reqs[0]["path"], account_path("Call/c1/Stream/s1/").as_str());
    assert_eq!(
        reqs[0]["authorization"],
        basic_auth(AUTH_ID, AUTH_TOKEN).as_str()
    );
    assert_eq!(reqs[0]["user_agent"], "server-tests/1");
    assert!(reqs[0]["content_type"].is_null());
    assert_eq!(reqs[0]["body"], "");
    assert_eq!(
        reqs[2]["path"],
        account_path("Call/c1/Stream/?limit=5").as_str()
    );
    assert!(reqs[2]["authorization"].is_null());
    assert_eq!(reqs[3]["content_type"], "application/json");
    assert_eq!(reqs[3]["body"], r#"{"service_url":"wss://x/"}"#);

    let stats = server.request("GET", "/__admin/stats/", &[], b"").json();
    assert_eq!(stats["requests"], 4);
    // 3 API connections + the stats and log requests since the first stats call.
    assert_eq!(
        stats["connections"].as_u64().unwrap(),
        connections_before + 5
    );

    assert_eq!(
        server
            .request("DELETE", "/__admin/requests/", &[], b"")
            .status,
        204
    );
    let log = server.request("GET", "/__admin/requests/", &[], b"").json();
    assert_eq!(log["requests"].as_array().unwrap().len(), 0);
}

#[test]
fn admin_calls_create_and_reactivate() {
    let server = Server::start(&[]);
    let body = br#"{"call_uuid":"c9","streams":["a","b"]}"#;
    let resp = server.request("POST", "/__admin/calls/", &[], body);
    assert_eq!(resp.status, 201);
    let v = resp.json();
    assert_eq!(v["call_uuid"], "c9");
    assert_eq!(v["streams"], serde_json::json!(["a", "b"]));
    assert_eq!(server.api("DELETE", "Call/c9/Stream/a/", None).status, 204);
    assert_eq!(server.api("DELETE", "Call/c9/Stream/a/", None).status, 400);
    admin_add_call(&server, "c9", &["a"]);
    assert_eq!(server.api("DELETE", "Call/c9/Stream/a/", None).status, 204);
    let bad = server.request("POST", "/__admin/calls/", &[], br#"{"call_uuid":"a b"}"#);
    assert_eq!(bad.status, 400);
    // Admin traffic is not counted.
    let stats = server.request("GET", "/__admin/stats/", &[], b"").json();
    assert_eq!(stats["requests"], 3);
}

#[test]
fn port_file_and_sigterm() {
    let dir = std::env::temp_dir().join(format!("plivo-server-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("port");
    let server = Server::start(&["--port-file", port_file.to_str().unwrap(), "--workers", "1"]);
    let port = std::fs::read_to_string(&port_file).unwrap();
    assert!(port.ends_with('\n'));
    assert!(server.addr.ends_with(&format!(":{}", port.trim())));
    assert!(server.base_url.starts_with("http://127.0.0.1:"));

    let pid = server.pid();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.wait(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refuses_non_loopback() {
    let out = Command::new(env!("CARGO_BIN_EXE_plivo-server"))
        .args(["--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-non-loopback"));
}

#[test]
fn help_documents_and_token_never_printed() {
    let out = Command::new(env!("CARGO_BIN_EXE_plivo-server"))
        .arg("--help")
        .env("PLIVO_AUTH_TOKEN", "env-secret-token")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--listen",
        "--allow-non-loopback",
        "--auth-id",
        "--auth-token",
        "--seed",
        "--port-file",
        "--workers",
        "--verbose",
        "/__admin/requests/",
        "/__admin/stats/",
        "/__admin/calls/",
        "503once",
        "204chunked",
        "hugechunked",
        "/__admin/replies/",
        "ASSUMPTIONS",
        "+00:00",
        "In-Progress",
        "no maximum",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
    assert!(!help.contains("env-secret-token"));

    // Verbose run with the token from the environment: stdout and stderr never show it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_plivo-server"))
        .args(["--verbose", "--seed", "c1:s1"])
        .env("PLIVO_AUTH_ID", "MAENVACCOUNT")
        .env("PLIVO_AUTH_TOKEN", "env-secret-token")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !first.ends_with(b"\n") && Instant::now() < deadline {
        let mut byte = [0u8; 1];
        use std::io::Read;
        if stdout.read(&mut byte).unwrap() == 0 {
            break;
        }
        first.push(byte[0]);
    }
    let url = String::from_utf8(first).unwrap();
    let addr = url
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches("/v1/");
    let mut conn = Conn {
        stream: std::net::TcpStream::connect(addr).unwrap(),
        buf: Vec::new(),
    };
    let auth = basic_auth("MAENVACCOUNT", "env-secret-token");
    let resp = conn.request(
        "DELETE",
        "/v1/Account/MAENVACCOUNT/Call/c1/Stream/s1/",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(resp.status, 204);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("DELETE /v1/Account/MAENVACCOUNT/Call/c1/Stream/s1/ -> 204"),
        "{all}"
    );
    assert!(!all.contains("env-secret-token"));
    assert!(!all.contains(&auth[6..]), "the Authorization header leaked");
}

/// `--latency-ms` delays answers under /v1/ (a WAN round trip), never the admin
/// endpoints, and delays concurrent requests side by side, not one after another.
#[test]
fn latency_delays_api_answers_only() {
    use std::time::{Duration, Instant};
    let server = Server::start(&["--latency-ms", "150", "--seed", "c1:s1"]);
    let started = Instant::now();
    assert_eq!(
        server.request("GET", "/__admin/stats/", &[], b"").status,
        200
    );
    assert!(started.elapsed() < Duration::from_millis(150));
    let path = "Call/c1/Stream/s1/";
    let started = Instant::now();
    let took: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let begun = Instant::now();
                    let resp = server.api("GET", path, None);
                    assert_eq!(resp.status, 200, "{resp:?}");
                    begun.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        took.iter().all(|t| *t >= Duration::from_millis(150)),
        "{took:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(8 * 150),
        "{:?}",
        started.elapsed()
    );
}
