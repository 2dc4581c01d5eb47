//! Credentials and base URL from the environment. One test function, so that no other
//! thread of this process reads the environment while it changes.

mod common;

use std::ptr::null;

use common::*;
use plivo::ffi::*;

fn set(name: &str, value: Option<&str>) {
    match value {
        Some(v) => std::env::set_var(name, v),
        None => std::env::remove_var(name),
    }
}

#[test]
fn credentials_and_base_url_come_from_arguments_or_environment() {
    let server = Server::start(&["c1:s1,s2,s3"]);
    set("PLIVO_BASE_URL", None);

    // Missing: the message names the variable.
    set("PLIVO_AUTH_ID", None);
    set("PLIVO_AUTH_TOKEN", None);
    assert!(plivo_client_new(null(), null()).is_null());
    assert_eq!(
        plivo_last_error_code(),
        PlivoCode::PLIVO_ERR_INVALID_ARGUMENT
    );
    assert!(
        last_error().unwrap().contains("PLIVO_AUTH_ID"),
        "{:?}",
        last_error()
    );
    let id = cstr(AUTH_ID);
    assert!(plivo_client_new(id.as_ptr(), null()).is_null());
    assert!(last_error().unwrap().contains("PLIVO_AUTH_TOKEN"));

    // Empty counts as missing, whether given or in the environment.
    set("PLIVO_AUTH_TOKEN", Some(""));
    assert!(plivo_client_new(id.as_ptr(), null()).is_null());
    assert!(last_error().unwrap().contains("PLIVO_AUTH_TOKEN"));
    let empty = cstr("");
    assert!(plivo_client_new(id.as_ptr(), empty.as_ptr()).is_null());
    assert!(plivo_client_new(empty.as_ptr(), id.as_ptr()).is_null());
    let bad_id = cstr("MA-not/valid");
    let token = cstr(AUTH_TOKEN);
    assert!(plivo_client_new(bad_id.as_ptr(), token.as_ptr()).is_null());
    assert!(last_error().unwrap().contains("auth_id"));

    // From the environment, with PLIVO_BASE_URL (no trailing slash: it is added).
    set("PLIVO_AUTH_ID", Some(AUTH_ID));
    set("PLIVO_AUTH_TOKEN", Some(AUTH_TOKEN));
    set(
        "PLIVO_BASE_URL",
        Some(server.base_url.trim_end_matches('/')),
    );
    let client = TestClient(plivo_client_new(null(), null()));
    assert!(!client.0.is_null(), "{:?}", last_error());
    assert_eq!(plivo_last_error_code(), PlivoCode::PLIVO_OK);
    assert_eq!(last_error(), None);
    assert_eq!(client.stop("c1", "s1"), PlivoCode::PLIVO_OK);

    // The option wins over the environment; the environment is read at construction.
    set("PLIVO_BASE_URL", Some("http://127.0.0.1:9/v1/"));
    assert_eq!(client.stop("c1", "s2"), PlivoCode::PLIVO_OK);
    let with_option = server.client();
    assert_eq!(with_option.stop("c1", "s3"), PlivoCode::PLIVO_OK);

    // An empty PLIVO_BASE_URL counts as unset; a malformed one is refused.
    set("PLIVO_BASE_URL", Some("not a url"));
    assert!(plivo_client_new(null(), null()).is_null());
    assert!(last_error().unwrap().contains("PLIVO_BASE_URL"));
    set("PLIVO_BASE_URL", Some(""));
    let default_url = TestClient(plivo_client_new(null(), null()));
    assert!(!default_url.0.is_null());

    // Plain http to a non-loopback host from the environment is refused too.
    set("PLIVO_BASE_URL", Some("http://api.example.com/v1/"));
    assert!(plivo_client_new(null(), null()).is_null());
    set("PLIVO_BASE_URL", None);

    // Nothing was sent by any failed construction; only the three stops.
    assert_eq!(server.requests().len(), 3);
    // The token never appears in any message.
    assert!(!last_error().unwrap_or_default().contains(AUTH_TOKEN));
}
