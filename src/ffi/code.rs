//! Result codes and their names: the numbers are part of the ABI and never change.

use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::OnceLock;

use crate::client::ErrorKind;

use super::panic::guard_or;

/// Result of every fallible `plivo_*` function. `PLIVO_OK` is 0; the numbers are stable
/// and will never be reused for another meaning. New codes may be added at the end:
/// treat an unknown non-zero value as a failure and print `plivo_code_name()`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlivoCode {
    /// Success: any 2xx answer (stop answers 204).
    PLIVO_OK = 0,
    /// NULL, non-UTF-8, empty or malformed argument; missing credentials; bad option
    /// value; plain `http://` to a non-loopback host. Nothing was sent.
    PLIVO_ERR_INVALID_ARGUMENT = 1,
    /// HTTP 400 "No active stream found": the stream (or every stream of the call) was
    /// already stopped. Callers that treat stop as idempotent test for this code.
    PLIVO_ERR_NO_ACTIVE_STREAM = 2,
    /// Any other HTTP 400.
    PLIVO_ERR_BAD_REQUEST = 3,
    /// HTTP 401 or 403: wrong auth id or token.
    PLIVO_ERR_AUTHENTICATION = 4,
    /// HTTP 404: unknown call or stream.
    PLIVO_ERR_NOT_FOUND = 5,
    /// HTTP 429, after retries.
    PLIVO_ERR_RATE_LIMITED = 6,
    /// HTTP 5xx, after retries.
    PLIVO_ERR_SERVER = 7,
    /// Any other status: 3xx (redirects are never followed), 405, other 4xx.
    PLIVO_ERR_HTTP = 8,
    /// The call's deadline (`timeout_ms`) passed.
    PLIVO_ERR_TIMEOUT = 9,
    /// DNS, connect refused, TLS failure, connection reset or closed before a complete
    /// response.
    PLIVO_ERR_TRANSPORT = 10,
    /// The answer is not valid HTTP; a 2xx body that is not the JSON expected where a
    /// body is needed; a body over 1 MiB whatever the status.
    PLIVO_ERR_INVALID_RESPONSE = 11,
    /// A bug in libplivo (a caught panic). Should never happen; please report it.
    PLIVO_ERR_INTERNAL = 12,
    /// A completion queue already holds `max_in_flight` pending requests (submitted,
    /// result not yet taken); nothing was queued.
    PLIVO_ERR_BUSY = 13,
    /// The request was cancelled (`plivo_queue_cancel()`); it may or may not have
    /// reached the server.
    PLIVO_ERR_CANCELLED = 14,
}

/// Every code in numeric order (`ALL[n]` is code `n`): the numbers and names come from
/// the client's one list of kinds, `ErrorKind`, and a test holds this array to it.
const ALL: [PlivoCode; ErrorKind::COUNT + 1] = [
    PlivoCode::PLIVO_OK,
    PlivoCode::PLIVO_ERR_INVALID_ARGUMENT,
    PlivoCode::PLIVO_ERR_NO_ACTIVE_STREAM,
    PlivoCode::PLIVO_ERR_BAD_REQUEST,
    PlivoCode::PLIVO_ERR_AUTHENTICATION,
    PlivoCode::PLIVO_ERR_NOT_FOUND,
    PlivoCode::PLIVO_ERR_RATE_LIMITED,
    PlivoCode::PLIVO_ERR_SERVER,
    PlivoCode::PLIVO_ERR_HTTP,
    PlivoCode::PLIVO_ERR_TIMEOUT,
    PlivoCode::PLIVO_ERR_TRANSPORT,
    PlivoCode::PLIVO_ERR_INVALID_RESPONSE,
    PlivoCode::PLIVO_ERR_INTERNAL,
    PlivoCode::PLIVO_ERR_BUSY,
    PlivoCode::PLIVO_ERR_CANCELLED,
];

impl PlivoCode {
    pub(crate) fn for_kind(kind: ErrorKind) -> PlivoCode {
        ALL[kind.code() as usize]
    }
}

/// The names as static C strings, made once from `ErrorKind::code_name`.
fn names() -> &'static [CString] {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    NAMES.get_or_init(|| {
        (0..ALL.len() as u32)
            .map(|n| {
                CString::new(ErrorKind::code_name(n).unwrap_or("PLIVO_ERR_UNKNOWN"))
                    .unwrap_or_default()
            })
            .collect()
    })
}

/// The name of a result code, exactly as spelled in this header (`"PLIVO_OK"`,
/// `"PLIVO_ERR_NO_ACTIVE_STREAM"`, ...), or `"PLIVO_ERR_UNKNOWN"` for any other value.
///
/// Never NULL. The string is static: never free it. Thread-safe; does not touch the
/// last-error state.
#[no_mangle]
pub extern "C" fn plivo_code_name(code: c_int) -> *const c_char {
    guard_or(c"PLIVO_ERR_UNKNOWN".as_ptr(), || {
        usize::try_from(code)
            .ok()
            .and_then(|n| names().get(n))
            .map_or(c"PLIVO_ERR_UNKNOWN".as_ptr(), |name| name.as_ptr())
    })
}

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version contains a NUL byte"),
    };

/// The library's semantic version, e.g. `"0.1.0"`; equal to the `PLIVO_VERSION` macro
/// of the header it was built with. Compare them at start-up to detect a header/library
/// mismatch.
///
/// Never NULL. The string is static: never free it. Thread-safe; does not touch the
/// last-error state.
#[no_mangle]
pub extern "C" fn plivo_version() -> *const c_char {
    // A constant's address: nothing here can panic, so there is no boundary to guard.
    VERSION.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_codes_are_the_client_kinds() {
        for (n, code) in ALL.iter().enumerate() {
            assert_eq!(*code as usize, n);
            let name = ErrorKind::code_name(n as u32).unwrap();
            assert_eq!(format!("{code:?}"), name);
            if let Some(kind) = ErrorKind::from_code(n as u32) {
                assert_eq!(PlivoCode::for_kind(kind), *code);
            }
        }
        assert_eq!(ErrorKind::code_name(ALL.len() as u32), None);
    }
}
