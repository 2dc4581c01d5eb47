//! The C boundary with arbitrary bytes: every string-taking setter and operation gets a
//! NUL-terminated copy of the input (any bytes, valid UTF-8 or not). The result is a
//! documented code, never PLIVO_ERR_INTERNAL (a panic caught at the boundary), and a
//! failure always leaves a message in the thread's last error. Operations are called
//! only with an argument that must be refused (PLIVO_ERR_INVALID_ARGUMENT, so nothing
//! is sent; their client points at a closed loopback port anyway).
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use plivo::ffi::*;

struct Shared(*mut PlivoClient);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn client() -> *mut PlivoClient {
    static CLIENT: OnceLock<Shared> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let o = plivo_options_new();
            plivo_options_set_base_url(o, c"http://127.0.0.1:9/v1/".as_ptr());
            plivo_options_set_max_retries(o, 0);
            plivo_options_set_timeout_ms(o, 50);
            let c = plivo_client_new_with_options(c"MA1".as_ptr(), c"tok".as_ptr(), o);
            plivo_options_free(o);
            assert!(!c.is_null());
            Shared(c)
        })
        .0
}

fn check(code: PlivoCode, what: &str) {
    assert_ne!(
        code,
        PlivoCode::PLIVO_ERR_INTERNAL,
        "{what}: a panic crossed into the boundary"
    );
    assert_eq!(plivo_last_error_code(), code, "{what}");
    let message = plivo_last_error();
    if code == PlivoCode::PLIVO_OK {
        assert!(message.is_null(), "{what}: success left a message");
    } else {
        assert!(!message.is_null(), "{what}: failure without a message");
        let text = unsafe { CStr::from_ptr(message) };
        assert!(!text.to_bytes().is_empty());
    }
}

fn is_valid_id(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

fuzz_target!(|data: &[u8]| {
    let bytes: Vec<u8> = data.iter().copied().filter(|b| *b != 0).collect();
    let s = CString::new(bytes.clone()).expect("no NUL");
    let p = s.as_ptr();

    let o = plivo_options_new();
    check(plivo_options_set_base_url(o, p), "set_base_url");
    check(plivo_options_set_proxy(o, p), "set_proxy");
    let client_built = plivo_client_new_with_options(c"MA1".as_ptr(), p, o);
    assert_ne!(plivo_last_error_code(), PlivoCode::PLIVO_ERR_INTERNAL);
    plivo_client_free(client_built);
    let client_built = plivo_client_new_with_options(p, c"tok".as_ptr(), o);
    assert_ne!(plivo_last_error_code(), PlivoCode::PLIVO_ERR_INTERNAL);
    plivo_client_free(client_built);
    plivo_options_free(o);

    let params = plivo_stream_params_new();
    check(
        plivo_stream_params_set_audio_track(params, p),
        "audio_track",
    );
    check(
        plivo_stream_params_set_status_callback_url(params, p),
        "callback_url",
    );
    check(
        plivo_stream_params_set_status_callback_method(params, p),
        "callback_method",
    );
    check(
        plivo_stream_params_set_content_type(params, p),
        "content_type",
    );
    check(
        plivo_stream_params_set_extra_headers(params, p),
        "extra_headers",
    );

    // Operations: each has an invalid argument (the input is not a valid id, nor a
    // ws:// URL), so each must be refused before anything is sent.
    let ws_url = bytes.starts_with(b"ws://") || bytes.starts_with(b"wss://");
    if !is_valid_id(&bytes) && !ws_url {
        let c = client();
        let ok = c"ok-id".as_ptr();
        let mut out: *mut c_char = std::ptr::null_mut();
        let refused = |code: PlivoCode, what: &str| {
            assert_eq!(code, PlivoCode::PLIVO_ERR_INVALID_ARGUMENT, "{what}");
            check(code, what);
        };
        refused(plivo_stop_stream(c, p, ok), "stop call_uuid");
        refused(plivo_stop_stream(c, ok, p), "stop stream_uuid");
        refused(plivo_stop_all_streams(c, p), "stop_all");
        refused(plivo_get_stream(c, ok, p, &mut out), "get");
        assert!(out.is_null());
        refused(plivo_list_streams(c, p, &mut out), "list");
        assert!(out.is_null());
        refused(
            plivo_start_stream(c, p, c"wss://h/a".as_ptr(), params, &mut out),
            "start call_uuid",
        );
        assert!(out.is_null());
        refused(
            plivo_start_stream(c, ok, p, std::ptr::null(), &mut out),
            "start service_url",
        );
        assert!(out.is_null());
    }
    plivo_stream_params_free(params);
});
