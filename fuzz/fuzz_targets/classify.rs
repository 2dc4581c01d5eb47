//! Response classification: `classify(status, retry_after, body)` never panics for any
//! status, header or body; it is Ok exactly for 2xx; a failure carries the status, the
//! kind of that status, a short printable message, and is retryable exactly for 429
//! and 5xx.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use plivo::{classify, parse_retry_after, ErrorKind};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    status: u16,
    retry_after: Option<&'a str>,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let Input {
        status,
        retry_after,
        body,
    } = input;
    match classify(status, retry_after, body) {
        Ok(success) => {
            assert!((200..300).contains(&status), "Ok for {status}");
            assert_eq!(success.status, status);
            assert_eq!(success.value, body);
        }
        Err(failure) => {
            assert!(!(200..300).contains(&status), "Err for {status}");
            let e = &failure.error;
            assert_eq!(e.http_status(), Some(status));
            let server_text_says_no_stream = e.kind() == ErrorKind::NoActiveStream;
            match status {
                400 => assert!(matches!(
                    e.kind(),
                    ErrorKind::BadRequest | ErrorKind::NoActiveStream
                )),
                401 | 403 => assert_eq!(e.kind(), ErrorKind::Authentication),
                404 => assert_eq!(e.kind(), ErrorKind::NotFound),
                429 => assert_eq!(e.kind(), ErrorKind::RateLimited),
                500..=599 => assert_eq!(e.kind(), ErrorKind::Server),
                _ => assert_eq!(e.kind(), ErrorKind::Http),
            }
            if server_text_says_no_stream {
                assert_eq!(status, 400);
            }
            assert_eq!(
                failure.retryable(),
                status == 429 || (500..600).contains(&status)
            );
            assert_eq!(failure.retry_after, retry_after.and_then(parse_retry_after));
            let m = e.message();
            assert!(m.starts_with(&format!("HTTP {status}")), "{m}");
            // 300 characters of server text at most (4 bytes each), plus the prefix.
            assert!(m.chars().count() <= 320, "{} chars", m.chars().count());
            assert!(
                !m.chars().any(char::is_control),
                "control character in {m:?}"
            );
        }
    }
});
