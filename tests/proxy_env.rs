//! The conventional proxy variables. One test function: the environment is
//! process-wide, so nothing else in this binary may run while it changes.

mod common;

use common::net::{ConnectProxy, TlsServer};
use common::*;
use plivo::ffi::*;

fn client(base: &str, ca_file: &str, proxy: Option<&str>) -> TestClient {
    client_at(base, |o| {
        let ca = cstr(ca_file);
        assert_eq!(
            plivo_options_set_ca_file(o, ca.as_ptr()),
            PlivoCode::PLIVO_OK
        );
        if let Some(proxy) = proxy {
            let p = cstr(proxy);
            assert_eq!(plivo_options_set_proxy(o, p.as_ptr()), PlivoCode::PLIVO_OK);
        }
        plivo_options_set_max_retries(o, 0);
    })
}

#[test]
fn https_proxy_from_the_environment_unless_an_option_is_set() {
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(name);
    }
    // `api.plivo.test` is never looked up: the proxy is asked for it and routes every
    // tunnel to the loopback TLS server, which has a certificate for that name.
    let tls = TlsServer::start(&["api.plivo.test", "localhost"]);
    let tls_addr = format!("127.0.0.1:{}", tls.port);
    let proxy = ConnectProxy::start(move |_| tls_addr.clone());
    let ca = tls.ca_file.to_str().unwrap().to_owned();
    let base = "https://api.plivo.test/v1/";

    std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port));
    assert_eq!(
        client(base, &ca, None).stop("c", "s"),
        PlivoCode::PLIVO_OK,
        "{:?}",
        last_error()
    );
    assert_eq!(proxy.tunnels.lock().unwrap().len(), 1);
    assert_eq!(
        proxy.tunnels.lock().unwrap()[0].target,
        "api.plivo.test:443"
    );

    // Without a scheme the value means http://.
    std::env::set_var("HTTPS_PROXY", format!("127.0.0.1:{}", proxy.port));
    assert_eq!(client(base, &ca, None).stop("c", "s"), PlivoCode::PLIVO_OK);
    assert_eq!(proxy.tunnels.lock().unwrap().len(), 2);

    // An option wins over the environment: a dead proxy in the environment is ignored.
    let dead = refused_port();
    std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{dead}"));
    let option = format!("http://127.0.0.1:{}", proxy.port);
    assert_eq!(
        client(base, &ca, Some(&option)).stop("c", "s"),
        PlivoCode::PLIVO_OK
    );
    assert_eq!(proxy.tunnels.lock().unwrap().len(), 3);
    // ...and without the option the dead proxy is used, and fails.
    assert_eq!(
        client(base, &ca, None).stop("c", "s"),
        PlivoCode::PLIVO_ERR_TRANSPORT
    );

    // Loopback hosts never use an environment proxy.
    let local = format!("https://localhost:{}/v1/", tls.port);
    assert_eq!(
        client(&local, &ca, None).stop("c", "s"),
        PlivoCode::PLIVO_OK
    );

    // Only http:// proxies are supported: anything else fails at construction.
    std::env::set_var("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.1:1080");
    let options = plivo_options_new();
    let b = cstr(base);
    plivo_options_set_base_url(options, b.as_ptr());
    let (id, token) = (cstr(AUTH_ID), cstr(AUTH_TOKEN));
    assert!(plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options).is_null());
    plivo_options_free(options);
    let message = last_error().unwrap();
    assert!(
        message.contains("HTTPS_PROXY") && !message.contains("hunter2"),
        "{message}"
    );
    std::env::remove_var("HTTPS_PROXY");
    assert_eq!(tls.requests.lock().unwrap().len(), 4);
}
