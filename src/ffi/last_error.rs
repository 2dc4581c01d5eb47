//! The per-thread last-error state, like `errno`: set by every fallible call, read by
//! the `plivo_last_*` functions on the same thread.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};

use crate::client::{Error, Reply};

use super::code::PlivoCode;
use super::panic::guard_or;

struct LastError {
    code: PlivoCode,
    message: Option<CString>,
    http_status: c_int,
    api_id: Option<CString>,
}

thread_local! {
    static LAST: RefCell<LastError> = const {
        RefCell::new(LastError {
            code: PlivoCode::PLIVO_OK,
            message: None,
            http_status: 0,
            api_id: None,
        })
    };
}

fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

fn store(code: PlivoCode, message: Option<&str>, http_status: Option<u16>, api_id: Option<&str>) {
    // `try_with`: during thread teardown the state may already be gone; then there is
    // nobody left to read it.
    let _ = LAST.try_with(|last| {
        *last.borrow_mut() = LastError {
            code,
            message: message.map(c_string),
            http_status: http_status.map_or(0, c_int::from),
            api_id: api_id.map(c_string),
        };
    });
}

/// A success records the answer's status (none when nothing was sent) and `api_id`.
pub(crate) fn record_success(done: &Reply<()>) {
    let status = (done.status != 0).then_some(done.status);
    store(PlivoCode::PLIVO_OK, None, status, done.api_id.as_deref());
}

pub(crate) fn record_error(code: PlivoCode, error: &Error) {
    store(
        code,
        Some(error.message()),
        error.http_status(),
        error.api_id(),
    );
}

pub(crate) fn record_panic() {
    store(
        PlivoCode::PLIVO_ERR_INTERNAL,
        Some("internal error in libplivo (a caught panic); please report it"),
        None,
        None,
    );
}

fn read<T>(fallback: T, f: impl FnOnce(&LastError) -> T) -> T {
    guard_or(None, || LAST.try_with(|last| f(&last.borrow())).ok()).unwrap_or(fallback)
}

/// A text of the last error, borrowed (NULL when there is none).
fn read_text(text: impl FnOnce(&LastError) -> Option<&CStr>) -> *const c_char {
    read(std::ptr::null(), |last| {
        text(last).map_or(std::ptr::null(), CStr::as_ptr)
    })
}

/// A human-readable message for the calling thread's most recent fallible `plivo_*`
/// call, or NULL when that call succeeded (or no fallible call was made yet).
///
/// The message names the operation and why it failed; for HTTP errors it includes the
/// status and the server's `error` text. It never contains the auth token.
///
/// Borrowed: valid until the next fallible `plivo_*` call on the same thread; copy it
/// to keep it. Never free it. Per thread: read it on the thread that made the call.
#[no_mangle]
pub extern "C" fn plivo_last_error() -> *const c_char {
    read_text(|last| last.message.as_deref())
}

/// The result code of the calling thread's most recent fallible call: `PLIVO_OK` after
/// a success (and before any call). Per thread, like `errno`.
#[no_mangle]
pub extern "C" fn plivo_last_error_code() -> PlivoCode {
    read(PlivoCode::PLIVO_OK, |last| last.code)
}

/// The HTTP status of the last response received by the calling thread's most recent
/// fallible call (204 after a successful stop), or 0 when no response was received
/// (invalid argument, connect failure, timeout before the answer, non-HTTP calls).
/// A status line counts as received even when reading the rest of that response then
/// failed: e.g. `PLIVO_ERR_TRANSPORT` with status 400 when the connection closed in the
/// middle of a 400's body. After retries it is the status of the last attempt.
/// Per thread.
#[no_mangle]
pub extern "C" fn plivo_last_http_status() -> c_int {
    read(0, |last| last.http_status)
}

/// The `api_id` of the last response body of the calling thread's most recent fallible
/// call, or NULL when there was no body or it had no `api_id` (a 204 has none).
///
/// Borrowed, with the same lifetime as `plivo_last_error()`. Never free it. Per thread.
#[no_mangle]
pub extern "C" fn plivo_last_api_id() -> *const c_char {
    read_text(|last| last.api_id.as_deref())
}
