//! Fault modes.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::*;

fn stop_path(call: &str) -> String {
    format!("Call/{call}/Stream/s1/")
}

/// A stop of stream s1 of `call`, answered in full.
fn stop(server: &Server, call: &str) -> Resp {
    server.api("DELETE", &stop_path(call), None)
}

/// Sends a stop for `call` without reading the answer: a fault mode answers slowly,
/// brokenly or not at all, and each test reads what comes its own way.
fn send_stop(conn: &mut Conn, call: &str, headers: &[(&str, &str)]) {
    conn.send("DELETE", &account_path(&stop_path(call)), headers, b"");
}

#[test]
fn once_modes_fail_first_then_serve_normally() {
    let server = Server::start(&[]);
    for (mode, status) in [
        ("503once", 503),
        ("500once", 500),
        ("502once", 502),
        ("429once", 429),
    ] {
        let call = format!("fault-{mode}-t1");
        let resp = stop(&server, &call);
        assert_eq!(resp.status, status, "{mode}");
        assert_eq!(
            resp.assert_api_json()["error"],
            format!("injected {status}").as_str()
        );
        assert!(resp.header("retry-after").is_none());
        // Later requests for the same call are served as if every stream were active.
        for _ in 0..2 {
            assert_eq!(stop(&server, &call).status, 204);
        }
        let s = server.api("GET", &stop_path(&call), None);
        assert_eq!(s.status, 200);
        assert_eq!(s.assert_api_json()["stream_id"], "s1");
        let list = server
            .api("GET", &format!("Call/{call}/Stream/"), None)
            .json();
        assert_eq!(list["meta"]["total_count"], 1);
        let started = server.api(
            "POST",
            &format!("Call/{call}/Stream/"),
            Some(r#"{"service_url":"wss://x/"}"#),
        );
        assert_eq!(started.status, 202);
    }
    // A different unique suffix has its own counter.
    assert_eq!(stop(&server, "fault-503once-t2").status, 503);
}

#[test]
fn always_and_status_modes() {
    let server = Server::start(&[]);
    for _ in 0..2 {
        assert_eq!(stop(&server, "fault-503always-x").status, 503);
        let r = stop(&server, "fault-429-x");
        assert_eq!(r.status, 429);
        assert!(r.header("retry-after").is_none());
        let r = stop(&server, "fault-429ra-x");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("1"));
    }
    for status in [403u16, 405, 418, 500, 200, 302] {
        let r = stop(&server, &format!("fault-status{status}-x"));
        assert_eq!(r.status, status);
        assert_eq!(
            r.assert_api_json()["error"],
            format!("injected {status}").as_str()
        );
        assert!(r.header("location").is_none());
    }
    let r = stop(&server, "fault-status204-x");
    assert_eq!(r.status, 204);

    let r = stop(&server, "fault-redirect-x");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.2:9/elsewhere/"));
    r.assert_api_json();

    let r = stop(&server, "fault-nonjson-x");
    assert_eq!(
        (r.status, r.header("content-type")),
        (400, Some("text/html"))
    );
    assert_eq!(r.body, b"<html><body>Bad Gateway</body></html>");
    assert_eq!(stop(&server, "fault-nonjson500-x").status, 500);

    let r = stop(&server, "fault-noapiid-x");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({"error": "something went wrong"})
    );

    let r = stop(&server, "fault-badjson200-x");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"not json"[..]));

    let r = stop(&server, "fault-nosuchmode-x");
    assert_eq!(r.status, 400);
    assert!(r.error().contains("unknown fault mode"));
}

#[test]
fn huge_bodies() {
    let server = Server::start(&[]);
    let r = server.api("GET", &stop_path("fault-huge-x"), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("20971520"));
    assert_eq!(r.body.len(), 20 * 1024 * 1024);
    let r = server.api("GET", &stop_path("fault-hugechunked-x"), None);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body.len(), 20 * 1024 * 1024);
}

#[test]
fn drip_and_stall() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let auth = basic_auth(AUTH_ID, AUTH_TOKEN);
    send_stop(&mut conn, "fault-drip-x", &[("Authorization", &auth)]);
    let head = conn.read_head().unwrap();
    assert_eq!(head.status, 400);
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    let start = Instant::now();
    while conn.buf.len() < 6 {
        conn.fill().unwrap();
    }
    // Six bytes take at least one second (0.2 s each, the first at once).
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    assert!(conn.buf.len() < len);

    let mut conn = server.connect();
    conn.stream
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    send_stop(&mut conn, "fault-stall-x", &[("Authorization", &auth)]);
    let err = conn.fill().unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
}

#[test]
fn reset_on_fresh_and_reused_connections() {
    let server = Server::start(&["--seed", "c1:s1"]);
    let mut conn = server.connect();
    send_stop(&mut conn, "fault-reset-x", &[]);
    match conn.fill() {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        Ok(n) => panic!("expected a reset, read {n} bytes: {:?}", conn.buf),
    }
    // On a connection that already served a normal request.
    let mut conn = server.connect();
    assert_eq!(conn.api("DELETE", "Call/c1/Stream/s1/", None).status, 204);
    send_stop(&mut conn, "fault-reset-y", &[]);
    let err = conn.fill().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
}

#[test]
fn broken_bytes_then_close() {
    let server = Server::start(&[]);
    let cases: [(&str, &[u8]); 3] = [
        ("closeheaders", b"HTTP/1.1 204 No Content\r\nContent-Ty"),
        ("badstatus", b"HTTP/1.1 abc Nope\r\n\r\n"),
        ("garbage", b"\x00\x01SSH-2.0-garbage\r\n\r\n"),
    ];
    for (mode, expected) in cases {
        let mut conn = server.connect();
        conn.api("DELETE", "Call/fault-503once-warm/Stream/s1/", None);
        send_stop(&mut conn, &format!("fault-{mode}-x"), &[]);
        assert_eq!(conn.read_to_end().unwrap(), expected, "{mode}");
    }
    for (mode, declared, sent) in [("closebody", "100", 10), ("shortbody", "1000", 40)] {
        let mut conn = server.connect();
        send_stop(&mut conn, &format!("fault-{mode}-x"), &[]);
        let head = conn.read_head().unwrap();
        assert_eq!(head.status, 400);
        assert_eq!(head.header("content-length"), Some(declared));
        let rest = conn.read_to_end().unwrap();
        assert_eq!(rest.len(), sent, "{mode}");
        assert!(rest.starts_with(b"{\"api_id\""));
    }
    let mut conn = server.connect();
    send_stop(&mut conn, "fault-badchunk-x", &[]);
    let head = conn.read_head().unwrap();
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    assert_eq!(conn.read_to_end().unwrap(), b"5\r\nhello\r\nZZ\r\n...");
}

#[test]
fn status_204_with_body_keeps_the_connection() {
    let server = Server::start(&["--seed", "c1:s1,s2"]);
    // 204 with a Content-Length body.
    let mut conn = server.connect();
    send_stop(&mut conn, "fault-204body-x", &[]);
    let head = conn.read_head().unwrap();
    assert_eq!(head.status, 204);
    assert_eq!(head.header("content-type"), Some("application/json"));
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    while conn.buf.len() < len {
        conn.fill().unwrap();
    }
    let stale: Vec<u8> = conn.buf.drain(..len).collect();
    let stale: serde_json::Value = serde_json::from_slice(&stale).unwrap();
    assert_eq!(stale["message"], "stream stopped");
    // The same connection serves the next request.
    let next = conn.api("DELETE", "Call/c1/Stream/s1/", None);
    assert_eq!(next.status, 204);
    assert!(conn.buf.is_empty());

    // 204 with a chunked body, after a normal request on the same connection.
    let next = conn.api("GET", "Call/c1/Stream/s2/", None);
    assert_eq!(next.status, 200);
    send_stop(&mut conn, "fault-204chunked-x", &[]);
    let head = conn.read_head().unwrap();
    assert_eq!(head.status, 204);
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    while !conn.buf.ends_with(b"0\r\n\r\n") {
        conn.fill().unwrap();
    }
    conn.buf.clear();
    let next = conn.api("DELETE", "Call/c1/Stream/s2/", None);
    assert_eq!(next.status, 204);

    // Both requests on that connection were logged with the same connection number.
    let log = server.request("GET", "/__admin/requests/", &[], b"").json();
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 5);
    assert!(reqs.iter().all(|r| r["conn"] == reqs[0]["conn"]));
}
