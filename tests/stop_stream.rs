//! `plivo_stop_stream` and the last-error state, through the C ABI, over real sockets
//! to the bundled server.

mod common;

use std::ffi::c_char;
use std::sync::Arc;

use base64::Engine;
use common::*;
use plivo::ffi::*;

/// Checks that a call was refused as an invalid argument, with a last error that
/// begins with `start` (the function's name).
#[track_caller]
fn assert_refused(code: PlivoCode, start: &str) {
    assert_eq!(code, PlivoCode::PLIVO_ERR_INVALID_ARGUMENT);
    let message = last_error().unwrap();
    assert!(message.starts_with(start), "{message}");
}

#[test]
fn stop_succeeds_then_reports_no_active_stream() {
    let server = Server::start(&["call-1:stream-1"]);
    let client = server.client();

    assert_eq!(client.stop("call-1", "stream-1"), PlivoCode::PLIVO_OK);
    assert_eq!(plivo_last_error_code(), PlivoCode::PLIVO_OK);
    assert_eq!(plivo_last_http_status(), 204);
    assert_eq!(last_error(), None);
    assert_eq!(last_api_id(), None, "a 204 has no body and so no api_id");

    assert_eq!(
        client.stop("call-1", "stream-1"),
        PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM
    );
    assert_eq!(
        plivo_last_error_code(),
        PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM
    );
    assert_eq!(plivo_last_http_status(), 400);
    let message = last_error().expect("a message after a failure");
    assert!(message.contains("No active stream found"), "{message}");
    assert!(
        message.contains("stop_stream"),
        "names the operation: {message}"
    );
    assert!(message.contains("400"), "{message}");
    let api_id = last_api_id().expect("the 400 body's api_id");
    assert!(!api_id.is_empty());
    assert_eq!(
        server.requests().len(),
        2,
        "one request per call, no retry of a 400"
    );
}

#[test]
fn the_request_is_exactly_what_the_api_expects() {
    let server = Server::start(&["call-r:stream-r"]);
    let client = server.client();
    assert_eq!(client.stop("call-r", "stream-r"), PlivoCode::PLIVO_OK);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r["method"], "DELETE");
    assert_eq!(
        r["path"],
        format!("/v1/Account/{AUTH_ID}/Call/call-r/Stream/stream-r/")
    );
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{AUTH_ID}:{AUTH_TOKEN}"))
    );
    assert_eq!(r["authorization"], expected_auth.as_str());
    let agent = r["user_agent"].as_str().expect("a User-Agent");
    assert!(
        agent.starts_with(&format!("libplivo/{}", env!("CARGO_PKG_VERSION"))),
        "{agent}"
    );
}

#[test]
fn each_http_error_status_has_its_code() {
    let server = Server::start(&["known-call:s1"]);
    let client = server.client();
    let cases = [
        ("unknown-call", "s1", PlivoCode::PLIVO_ERR_NOT_FOUND, 404),
        (
            "known-call",
            "unknown-stream",
            PlivoCode::PLIVO_ERR_NOT_FOUND,
            404,
        ),
        (
            "fault-status400-a",
            "s",
            PlivoCode::PLIVO_ERR_BAD_REQUEST,
            400,
        ),
        (
            "fault-status403-a",
            "s",
            PlivoCode::PLIVO_ERR_AUTHENTICATION,
            403,
        ),
        ("fault-status405-a", "s", PlivoCode::PLIVO_ERR_HTTP, 405),
        ("fault-status302-a", "s", PlivoCode::PLIVO_ERR_HTTP, 302),
        ("fault-status418-a", "s", PlivoCode::PLIVO_ERR_HTTP, 418),
        (
            "fault-nonjson-a",
            "s",
            PlivoCode::PLIVO_ERR_BAD_REQUEST,
            400,
        ),
        (
            "fault-noapiid-a",
            "s",
            PlivoCode::PLIVO_ERR_BAD_REQUEST,
            400,
        ),
    ];
    for (call, stream, code, status) in cases {
        assert_eq!(
            client.stop(call, stream),
            code,
            "{call}: {:?}",
            last_error()
        );
        assert_eq!(plivo_last_error_code(), code);
        assert_eq!(plivo_last_http_status(), status, "{call}");
        let message = last_error().expect("message");
        assert!(message.contains(&status.to_string()), "{message}");
    }
}

#[test]
fn wrong_token_is_an_authentication_error() {
    let server = Server::start(&["call-a:s1"]);
    let options = plivo_options_new();
    let url = cstr(&server.base_url);
    plivo_options_set_base_url(options, url.as_ptr());
    let (id, token) = (cstr(AUTH_ID), cstr("not-the-token"));
    let client = TestClient(plivo_client_new_with_options(
        id.as_ptr(),
        token.as_ptr(),
        options,
    ));
    plivo_options_free(options);
    assert_eq!(
        client.stop("call-a", "s1"),
        PlivoCode::PLIVO_ERR_AUTHENTICATION
    );
    assert_eq!(plivo_last_http_status(), 401);
    assert!(!last_error().unwrap().contains("not-the-token"));
    assert!(last_api_id().is_some());
}

#[test]
fn server_errors_and_rate_limits_are_retried_then_reported() {
    let server = Server::start(&[]);
    let client = server.client_with(max_retries(2));
    // (call, code, last status, requests the server has seen by then): a failure takes
    // 1 + max_retries attempts, a 503 answered once two.
    for (call, code, status, requests) in [
        ("fault-503always-x", PlivoCode::PLIVO_ERR_SERVER, 503, 3),
        ("fault-429-x", PlivoCode::PLIVO_ERR_RATE_LIMITED, 429, 6),
        ("fault-503once-x", PlivoCode::PLIVO_OK, 204, 8),
    ] {
        assert_eq!(client.stop(call, "s"), code, "{call}");
        assert_eq!(plivo_last_http_status(), status, "{call}");
        assert_eq!(server.requests().len(), requests, "{call}");
    }
}

#[test]
fn a_stalled_server_is_a_timeout() {
    let server = Server::start(&[]);
    let elapsed = server.timed_out_stop(timeout_ms(300), "fault-stall-x");
    assert!(elapsed < std::time::Duration::from_secs(3));
    assert_eq!(plivo_last_http_status(), 0);
    assert!(last_error().unwrap().contains("300 ms"));
}

#[test]
fn transport_failures_and_garbage() {
    let server = Server::start(&[]);
    let client = server.client_with(max_retries(0));
    assert_eq!(
        client.stop("fault-garbage-x", "s"),
        PlivoCode::PLIVO_ERR_INVALID_RESPONSE
    );
    assert_eq!(
        client.stop("fault-reset-x", "s"),
        PlivoCode::PLIVO_ERR_TRANSPORT
    );

    // A port nobody listens on: connect refused.
    let refused = client_at(
        &format!("http://127.0.0.1:{}/v1/", refused_port()),
        max_retries(0),
    );
    assert_eq!(refused.stop("c", "s"), PlivoCode::PLIVO_ERR_TRANSPORT);
    assert_eq!(plivo_last_http_status(), 0);
    assert!(
        last_error().unwrap().contains("connect"),
        "{:?}",
        last_error()
    );
}

#[test]
fn invalid_arguments_send_nothing() {
    let server = Server::start(&["c:s"]);
    let client = server.client();
    let bad_ids = [
        "",
        "a/b",
        "..",
        "a?b",
        "a#b",
        "a%2Fb",
        "a b",
        " a",
        "a\tb",
        "a\r\nb",
        "a\nb",
        "a\u{1}b",
        "a\u{7f}b",
        "caf\u{e9}",
        "../../x",
    ];
    for bad in bad_ids {
        assert_eq!(
            client.stop(bad, "s"),
            PlivoCode::PLIVO_ERR_INVALID_ARGUMENT,
            "{bad:?}"
        );
        assert!(last_error().unwrap().contains("call_uuid"), "{bad:?}");
        assert_eq!(plivo_last_http_status(), 0);
        assert_eq!(
            client.stop("c", bad),
            PlivoCode::PLIVO_ERR_INVALID_ARGUMENT,
            "{bad:?}"
        );
        assert!(last_error().unwrap().contains("stream_uuid"), "{bad:?}");
    }
    assert_eq!(
        client.stop(&"x".repeat(129), "s"),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        client.stop(&"x".repeat(1 << 20), "s"),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert!(
        last_error().unwrap().len() < 400,
        "a 1 MiB id is not echoed whole"
    );

    let s = cstr("s");
    let non_utf8 = b"ab\xff\xfe\0";
    let code = plivo_stop_stream(client.0, non_utf8.as_ptr() as *const c_char, s.as_ptr());
    assert_eq!(code, PlivoCode::PLIVO_ERR_INVALID_ARGUMENT);
    assert!(last_error().unwrap().contains("UTF-8"));
    assert_refused(
        plivo_stop_stream(std::ptr::null(), s.as_ptr(), s.as_ptr()),
        "plivo_stop_stream: client is NULL",
    );
    assert_eq!(
        plivo_stop_stream(client.0, std::ptr::null(), s.as_ptr()),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        plivo_stop_stream(client.0, s.as_ptr(), std::ptr::null()),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    // And the stream is still active.
    assert_eq!(client.stop("c", "s"), PlivoCode::PLIVO_OK);
}

#[test]
fn last_error_is_per_thread() {
    let server = Arc::new(Server::start(&["c:s1"]));
    let client = Arc::new(server.client());
    let (ok_tx, ok_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let c = Arc::clone(&client);
    let failing = std::thread::spawn(move || {
        assert_eq!(c.stop("unknown", "s"), PlivoCode::PLIVO_ERR_NOT_FOUND);
        ok_tx.send(()).unwrap();
        go_rx.recv().unwrap();
        // The other thread succeeded meanwhile; this thread still sees its own failure.
        (
            plivo_last_error_code(),
            plivo_last_http_status(),
            last_error(),
        )
    });
    ok_rx.recv().unwrap();
    assert_eq!(client.stop("c", "s1"), PlivoCode::PLIVO_OK);
    go_tx.send(()).unwrap();
    let (code, status, message) = failing.join().unwrap();
    assert_eq!((code, status), (PlivoCode::PLIVO_ERR_NOT_FOUND, 404));
    assert!(message.unwrap().contains("404"));
    assert_eq!(plivo_last_error_code(), PlivoCode::PLIVO_OK);
    assert_eq!(plivo_last_http_status(), 204);
    assert_eq!(last_error(), None);
}

#[test]
fn eight_threads_share_one_client() {
    const THREADS: usize = 8;
    const CALLS: usize = 300;
    let server = Arc::new(Server::start(&[]));
    let client = Arc::new(server.client());
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (server, client) = (Arc::clone(&server), Arc::clone(&client));
            std::thread::spawn(move || {
                let call = format!("call-t{t}");
                let streams: Vec<String> = (0..CALLS).map(|i| format!("s{i}")).collect();
                server.add_streams(&call, &streams);
                for stream in &streams {
                    client.assert_stops(&call, stream);
                    assert_eq!(plivo_last_http_status(), 204);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("no thread failed");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), THREADS * CALLS);
    let connections: std::collections::HashSet<_> =
        requests.iter().map(|r| r["conn"].as_u64()).collect();
    assert!(
        connections.len() <= THREADS * 2,
        "{} connections",
        connections.len()
    );
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let server = Server::start(&[]);
    let client = server.client();
    let streams: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    server.add_streams("call-k", &streams);
    for s in &streams {
        assert_eq!(client.stop("call-k", s), PlivoCode::PLIVO_OK);
    }
    assert_eq!(
        client.stop("call-k", "s0"),
        PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM
    );
    let conns: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r["conn"].as_u64())
        .collect();
    assert_eq!(conns.len(), 21);
    assert!(conns.iter().all(|c| *c == conns[0]), "{conns:?}");
}

#[test]
fn plain_http_is_only_for_loopback() {
    let (id, token) = (cstr(AUTH_ID), cstr(AUTH_TOKEN));
    for (url, allowed) in [
        ("http://api.example.com/v1/", false),
        ("http://0.0.0.0:8080/v1/", false),
        ("http://10.1.2.3/v1/", false),
        ("http://localhost:1/v1/", true),
        ("http://127.0.0.2:1/v1/", true),
        ("http://[::1]:1/v1/", true),
        ("https://api.example.com/v1/", true),
        // Schemes are case-insensitive: the rule holds for every spelling.
        ("HTTP://api.example.com/v1/", false),
        ("Http://10.1.2.3/v1/", false),
        ("hTtP://0.0.0.0:8080/v1/", false),
        ("HTTP://127.0.0.1:1/v1/", true),
        ("HTTPS://api.example.com/v1/", true),
    ] {
        let options = plivo_options_new();
        let u = cstr(url);
        assert_eq!(
            plivo_options_set_base_url(options, u.as_ptr()),
            PlivoCode::PLIVO_OK
        );
        let client = plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options);
        assert_eq!(!client.is_null(), allowed, "{url}: {:?}", last_error());
        if !allowed {
            assert_eq!(
                plivo_last_error_code(),
                PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
            );
            assert!(last_error().unwrap().contains("http://"));
            assert_eq!(
                plivo_options_set_allow_insecure_http(options, true),
                PlivoCode::PLIVO_OK
            );
            let insecure = plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options);
            assert!(!insecure.is_null(), "{url} with allow_insecure_http");
            plivo_client_free(insecure);
        }
        plivo_client_free(client);
        plivo_options_free(options);
    }
}

#[test]
fn code_names_and_version() {
    // Code n has the n-th name of the ABI's list (`NAME NUMBER` lines, in order).
    let mut count = 0;
    for (n, line) in include_str!("abi/codes.txt").lines().enumerate() {
        let (name, number) = line.split_once(' ').expect("NAME NUMBER");
        assert_eq!(number.parse::<usize>().ok(), Some(n), "{line}");
        assert_eq!(text(plivo_code_name(n as i32)).as_deref(), Some(name));
        count = n + 1;
    }
    assert_eq!(count, 15, "codes.txt lists codes 0 to 14");
    for other in [-1, count as i32, 1000, i32::MIN, i32::MAX] {
        assert_eq!(
            text(plivo_code_name(other)).as_deref(),
            Some("PLIVO_ERR_UNKNOWN")
        );
    }
    assert_eq!(
        text(plivo_version()).as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn readers_and_frees_leave_the_last_error_alone() {
    let server = Server::start(&[]);
    let client = server.client();
    assert_eq!(client.stop("nope", "s"), PlivoCode::PLIVO_ERR_NOT_FOUND);
    let before = last_error();
    plivo_code_name(0);
    plivo_version();
    plivo_string_free(std::ptr::null_mut());
    plivo_client_free(std::ptr::null_mut());
    plivo_options_free(std::ptr::null_mut());
    plivo_stream_params_free(std::ptr::null_mut());
    let _ = plivo_last_api_id();
    assert_eq!(last_error(), before);
    assert_eq!(plivo_last_error_code(), PlivoCode::PLIVO_ERR_NOT_FOUND);
}

#[test]
fn setter_failures_name_the_function_and_keep_the_value() {
    let options = plivo_options_new();
    assert_refused(
        plivo_options_set_timeout_ms(options, 0),
        "plivo_options_set_timeout_ms: ",
    );
    assert_eq!(
        plivo_options_set_timeout_ms(options, 250),
        PlivoCode::PLIVO_OK
    );
    assert_eq!(last_error(), None, "a success clears the message");
    let url = cstr("https://user:pa55word@api.example.com/v1/?q=1");
    assert_eq!(
        plivo_options_set_base_url(options, url.as_ptr()),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert!(!last_error().unwrap().contains("pa55word"));
    assert_eq!(
        plivo_options_set_timeout_ms(std::ptr::null_mut(), 5),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    plivo_options_free(options);
}
