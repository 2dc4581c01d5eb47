//! Client options through the C ABI: setters, deadline, retries, proxy and TLS, over
//! real loopback sockets.

mod common;

use std::ffi::c_char;
use std::time::Duration;

use base64::Engine;
use common::net::{ConnectProxy, TlsServer};
use common::*;
use plivo::ffi::*;

fn new_client(options: *const PlivoOptions) -> *mut PlivoClient {
    let (id, token) = (cstr(AUTH_ID), cstr(AUTH_TOKEN));
    plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options)
}

/// An option setter that takes a string, as the C ABI declares them.
type TextSetter = extern "C" fn(*mut PlivoOptions, *const c_char) -> PlivoCode;

/// Checks that `set` answers `code` to `value`.
#[track_caller]
fn assert_sets(set: TextSetter, options: *mut PlivoOptions, value: &str, code: PlivoCode) {
    let c_value = cstr(value);
    assert_eq!(set(options, c_value.as_ptr()), code, "{value:?}");
}

#[test]
fn every_setter_accepts_valid_and_refuses_invalid_values() {
    let o = plivo_options_new();
    assert!(!o.is_null());
    let ok = PlivoCode::PLIVO_OK;
    let bad = PlivoCode::PLIVO_ERR_INVALID_ARGUMENT;
    for (ms, code) in [
        (1, ok),
        (600_000, ok),
        (0, bad),
        (600_001, bad),
        (u32::MAX, bad),
    ] {
        assert_eq!(plivo_options_set_timeout_ms(o, ms), code, "timeout {ms}");
        assert_eq!(
            plivo_options_set_connect_timeout_ms(o, ms),
            code,
            "connect {ms}"
        );
    }
    for (n, code) in [(0, ok), (10, ok), (11, bad), (u32::MAX, bad)] {
        assert_eq!(plivo_options_set_max_retries(o, n), code, "retries {n}");
    }
    for (url, code) in [
        ("https://api.plivo.com/v1/", ok),
        ("http://127.0.0.1:8080/v1", ok),
        ("http://[::1]:8080/", ok),
        ("", bad),
        ("api.plivo.com/v1/", bad),
        ("ftp://api.plivo.com/", bad),
        ("https://", bad),
        ("https://u:p@api.plivo.com/", bad),
        ("https://api.plivo.com/v1/?x=1", bad),
    ] {
        assert_sets(plivo_options_set_base_url, o, url, code);
    }
    for (url, code) in [
        ("http://127.0.0.1:3128", ok),
        ("http://user:pass@proxy.example:8080", ok),
        ("socks5://127.0.0.1:1080", bad),
        ("https://127.0.0.1:3128", bad),
        ("http://127.0.0.1", bad),
        ("127.0.0.1:3128", bad),
        ("http://127.0.0.1:3128/path", bad),
    ] {
        assert_sets(plivo_options_set_proxy, o, url, code);
        if code == bad {
            assert!(last_error().unwrap().contains("proxy"));
            assert!(!last_error().unwrap().contains("pass@"));
        }
    }
    let not_pem = std::env::temp_dir().join(unique("not-pem"));
    std::fs::write(&not_pem, "hello").unwrap();
    for path in ["/nonexistent/ca.pem", not_pem.to_str().unwrap(), ""] {
        assert_sets(plivo_options_set_ca_file, o, path, bad);
        assert!(last_error().unwrap().contains("ca_file"));
    }
    assert_eq!(plivo_options_set_allow_insecure_http(o, true), ok);
    for f in [
        plivo_options_set_base_url as TextSetter,
        plivo_options_set_proxy,
        plivo_options_set_ca_file,
    ] {
        assert_eq!(f(o, std::ptr::null()), bad);
        let s = cstr("x");
        assert_eq!(f(std::ptr::null_mut(), s.as_ptr()), bad);
    }
    plivo_options_free(o);
}

#[test]
fn a_refused_value_leaves_the_previous_one_in_force() {
    let server = Server::start(&[]);
    let configure = |o| {
        assert_eq!(plivo_options_set_timeout_ms(o, 400), PlivoCode::PLIVO_OK);
        assert_eq!(
            plivo_options_set_timeout_ms(o, 0),
            PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
        );
    };
    let elapsed = server.timed_out_stop(configure, "fault-stall-a");
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[test]
fn the_deadline_bounds_a_slow_drip_and_retries() {
    let server = Server::start(&[]);
    let elapsed = server.timed_out_stop(timeout_ms(700), "fault-drip-a");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");

    // 10 retries of a 503 would take > 3 s of back-off: the deadline ends it early.
    let client = server.client_with(timeout_and_retries(600, 10));
    let (code, elapsed) = timed(|| client.stop("fault-503always-b", "s"));
    assert_eq!(code, PlivoCode::PLIVO_ERR_SERVER, "the last error stands");
    assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
    let attempts = attempts_for(&server.requests(), "fault-503always-b");
    assert!(
        (2..=4).contains(&attempts),
        "{attempts} attempts within 600 ms"
    );
}

#[test]
fn max_retries_counts_attempts_after_the_first() {
    let server = Server::start(&[]);
    for retries in [0u32, 1, 3] {
        let client = server.client_with(max_retries(retries));
        let call = format!("fault-503always-r{retries}");
        assert_eq!(client.stop(&call, "s"), PlivoCode::PLIVO_ERR_SERVER);
        assert_eq!(attempts_for(&server.requests(), &call), 1 + retries);
        if retries > 0 {
            assert!(last_error()
                .unwrap()
                .contains(&format!("after {} attempts", 1 + retries)));
        }
    }
}

#[test]
fn requests_go_through_a_connect_proxy_with_credentials() {
    let server = Server::start(&["c:s1"]);
    let proxy = ConnectProxy::start(|target| target.to_owned());
    let client = server.client_with(|o| {
        let url = cstr(&format!("http://alice:wonder@127.0.0.1:{}", proxy.port));
        assert_eq!(
            plivo_options_set_proxy(o, url.as_ptr()),
            PlivoCode::PLIVO_OK
        );
    });
    client.assert_stops("c", "s1");
    assert_eq!(
        client.stop("c", "s1"),
        PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM
    );
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    assert!(!tunnels.is_empty());
    let port = server
        .base_url
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/v1/");
    assert_eq!(tunnels[0].target, format!("127.0.0.1:{port}"));
    let expected = base64::engine::general_purpose::STANDARD.encode("alice:wonder");
    assert_eq!(
        tunnels[0].authorization.as_deref(),
        Some(format!("Basic {expected}").as_str())
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_dead_proxy_is_a_transport_error() {
    let client = client_at("https://api.plivo.test/v1/", |o| {
        let proxy = cstr(&format!("http://127.0.0.1:{}", refused_port()));
        plivo_options_set_proxy(o, proxy.as_ptr());
        plivo_options_set_max_retries(o, 0);
    });
    assert_eq!(client.stop("c", "s"), PlivoCode::PLIVO_ERR_TRANSPORT);
}

#[test]
fn tls_is_verified_against_the_ca_file_or_the_bundled_roots() {
    let tls = TlsServer::start(&["localhost", "api.plivo.test"]);
    let base = cstr(&format!("https://localhost:{}/v1/", tls.port));

    // Without ca_file: the bundled Mozilla roots do not know the test CA.
    let options = plivo_options_new();
    plivo_options_set_base_url(options, base.as_ptr());
    let untrusting = TestClient(new_client(options));
    assert_eq!(untrusting.stop("c", "s"), PlivoCode::PLIVO_ERR_TRANSPORT);
    let message = last_error().unwrap();
    assert!(
        message.to_lowercase().contains("tls") || message.contains("certificate"),
        "{message}"
    );
    assert!(
        tls.requests.lock().unwrap().is_empty(),
        "no request crossed an untrusted TLS session"
    );

    // With ca_file: success; the request really went over TLS.
    let ca = cstr(tls.ca_file.to_str().unwrap());
    assert_eq!(
        plivo_options_set_ca_file(options, ca.as_ptr()),
        PlivoCode::PLIVO_OK
    );
    let trusting = TestClient(new_client(options));
    plivo_options_free(options);
    trusting.assert_stops("c", "s");
    assert_eq!(plivo_last_http_status(), 204);
    let seen = tls.requests.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![format!(
            "DELETE /v1/Account/{AUTH_ID}/Call/c/Stream/s/ HTTP/1.1"
        )]
    );

    // A certificate for another name is refused even with the right CA.
    let options = plivo_options_new();
    let wrong_name = cstr(&format!("https://127.0.0.1:{}/v1/", tls.port));
    plivo_options_set_base_url(options, wrong_name.as_ptr());
    plivo_options_set_ca_file(options, ca.as_ptr());
    let mismatched = TestClient(new_client(options));
    plivo_options_free(options);
    assert_eq!(mismatched.stop("c", "s"), PlivoCode::PLIVO_ERR_TRANSPORT);
}

#[test]
fn tls_runs_inside_the_proxy_tunnel() {
    let tls = TlsServer::start(&["api.plivo.test"]);
    let tls_addr = format!("127.0.0.1:{}", tls.port);
    let proxy = ConnectProxy::start(move |_| tls_addr.clone());
    let options = plivo_options_new();
    let base = cstr("https://api.plivo.test/v1/");
    let proxy_url = cstr(&format!("http://127.0.0.1:{}", proxy.port));
    let ca = cstr(tls.ca_file.to_str().unwrap());
    plivo_options_set_base_url(options, base.as_ptr());
    plivo_options_set_proxy(options, proxy_url.as_ptr());
    plivo_options_set_ca_file(options, ca.as_ptr());
    let client = TestClient(new_client(options));
    plivo_options_free(options);
    client.assert_stops("c", "s");
    assert_eq!(
        proxy.tunnels.lock().unwrap()[0].target,
        "api.plivo.test:443"
    );
    assert_eq!(tls.requests.lock().unwrap().len(), 1);
}

/// Long deadlines are as exact as short ones: a read waits in slices of 50 ms, the last
/// one set to what is left, not with one socket timeout for the whole deadline, which
/// the kernel rounds up by as much as 1/8 for multi-second waits (a 5 s deadline could
/// end ~150 ms late).
#[test]
fn a_long_deadline_is_not_overshot() {
    let server = Server::start(&[]);
    let elapsed = server.timed_out_stop(timeout_ms(5_000), "fault-stall-long");
    assert!(elapsed >= Duration::from_millis(4_990), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(5_100), "{elapsed:?}");
}
