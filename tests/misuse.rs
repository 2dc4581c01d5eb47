//! Rust-side misuse tests of the C ABI that the C misuse program (tests/c/misuse.c)
//! does not cover.

mod common;

use common::*;
use plivo::ffi::*;

/// URL schemes are case-insensitive (RFC 3986) and `set_base_url` accepts `HTTP://`;
/// the rule "plain http only to loopback unless allow_insecure_http" must hold for
/// every spelling, or credentials travel in clear text to a remote host.
/// Nothing is sent: the client is only constructed.
#[test]
fn uppercase_http_scheme_does_not_bypass_the_loopback_rule() {
    let (id, token) = (cstr(AUTH_ID), cstr(AUTH_TOKEN));
    for (url, allowed) in [
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
            PlivoCode::PLIVO_OK,
            "{url}"
        );
        let client = plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options);
        assert_eq!(!client.is_null(), allowed, "{url}: {:?}", last_error());
        if !allowed {
            assert_eq!(
                plivo_last_error_code(),
                PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
            );
        }
        plivo_client_free(client);
        plivo_options_free(options);
    }
}
