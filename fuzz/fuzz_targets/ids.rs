//! Identifier validation: `check_id` and `check_auth_id` never panic, accept exactly the
//! documented alphabet and lengths, and never echo the identifier into the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plivo::{check_auth_id, check_id, ErrorKind, MAX_AUTH_ID_LEN, MAX_ID_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let id_ok = !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match check_id("call_uuid", s) {
        Ok(()) => assert!(id_ok, "accepted {s:?}"),
        Err(e) => {
            assert!(!id_ok, "refused {s:?}");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().starts_with("call_uuid "), "{}", e.message());
            assert!(e.message().len() < 200, "message echoes the id");
        }
    }
    let auth_ok =
        !s.is_empty() && s.len() <= MAX_AUTH_ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric());
    match check_auth_id(s) {
        Ok(()) => assert!(auth_ok, "accepted auth_id {s:?}"),
        Err(e) => {
            assert!(!auth_ok, "refused auth_id {s:?}");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().len() < 200);
        }
    }
});
