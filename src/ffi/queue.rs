//! `PlivoQueue` and `PlivoResult`: completion queues in the C ABI. The queue itself is
//! [`crate::client::Queue`]; this file converts arguments and results.

use std::ffi::{c_char, c_int, CString};
use std::time::Duration;

use crate::client::{Completion, Queue, Reply, Request, StreamParams};

use super::boundary::{arg_ref, arg_str, call, construct, free, guard_or};
use super::client::PlivoClient;
use super::code::PlivoCode;
use super::params::PlivoStreamParams;

/// A completion queue bound to one client: requests submitted here run on worker
/// threads of the queue's own (at most `max_in_flight` at once, started on demand and
/// ended when idle) and their outcomes come back as `PlivoResult`s, taken on the
/// caller's thread with `plivo_queue_next()` / `plivo_queue_wait()`, signalled by the
/// descriptor of `plivo_queue_fd()`. No library thread ever calls into the host.
///
/// Thread-safe: submits, cancels and takes may come from several threads at once.
/// Freeing it while another thread uses it is not allowed. A queue belongs to the
/// process that created it (see `plivo_queue_new()`).
pub struct PlivoQueue {
    inner: Queue,
}

/// The outcome of one queued request, owned by the caller until `plivo_result_free()`.
/// Its strings live as long as it does. Read on any thread; the readers do not touch
/// the last-error state.
pub struct PlivoResult {
    tag: u64,
    code: PlivoCode,
    http_status: c_int,
    message: Option<CString>,
    api_id: Option<CString>,
    body: Option<CString>,
    attempts: u32,
    elapsed_us: u64,
}

fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

impl From<Completion> for PlivoResult {
    fn from(done: Completion) -> PlivoResult {
        let elapsed_us = u64::try_from(done.elapsed.as_micros()).unwrap_or(u64::MAX);
        let (code, status, message, api_id, body) = match done.result {
            Ok(reply) => (
                PlivoCode::PLIVO_OK,
                Some(reply.status),
                None,
                reply.api_id,
                reply.value,
            ),
            Err(e) => (
                PlivoCode::for_kind(e.kind()),
                e.http_status(),
                Some(e.message().to_owned()),
                e.api_id().map(str::to_owned),
                None,
            ),
        };
        PlivoResult {
            tag: done.tag,
            code,
            http_status: status.map_or(0, c_int::from),
            message: message.as_deref().map(c_string),
            api_id: api_id.as_deref().map(c_string),
            body: body.as_deref().map(c_string),
            attempts: done.attempts,
            elapsed_us,
        }
    }
}

/// Create a completion queue for `client`, running at most `max_in_flight` requests at
/// once (0 means 64; at most 1024).
///
/// Returns an owned queue to free with `plivo_queue_free()`, or NULL with the last
/// error set: `PLIVO_ERR_INVALID_ARGUMENT` for a NULL client or `max_in_flight` above
/// 1024, `PLIVO_ERR_INTERNAL` if no descriptor can be created. The queue keeps the
/// client alive: the client may be freed first, and its memory goes with the last
/// queue. No thread is started until a request is submitted.
///
/// Processes: a queue belongs to the process that created it. In a forked child, its
/// submits and cancel fail with `PLIVO_ERR_INVALID_ARGUMENT` (the message says the
/// queue belongs to another process), next and wait return NULL, pending 0 and fd -1;
/// the inherited descriptor is never read there. `plivo_queue_free()` in the child
/// releases only the child's copy. A new queue made in the child on the inherited
/// client works.
#[no_mangle]
pub extern "C" fn plivo_queue_new(
    client: *const PlivoClient,
    max_in_flight: u32,
) -> *mut PlivoQueue {
    construct("plivo_queue_new", || {
        let client = arg_ref(client, "client")?;
        Ok(PlivoQueue {
            inner: Queue::new(client.inner.clone(), max_in_flight)?,
        })
    })
}

/// Free a queue: requests still pending are cancelled and get no result (they go with
/// the queue), results not taken are freed, and its threads are ended; returns within
/// about 200 ms (every wait in the library, a name lookup included, looks for the
/// cancel at least every 50 ms). Once it returns, no log line of its requests reaches
/// the callback, so the host may free the callback's data. Results already taken stay
/// valid. NULL is a no-op. Must not race with
/// another thread's use of the queue. Does not touch the last-error state.
#[no_mangle]
pub extern "C" fn plivo_queue_free(queue: *mut PlivoQueue) {
    free(queue)
}

/// The queue's descriptor: readable (`POLLIN`) exactly while at least one result waits
/// to be taken — level-triggered, for `poll`, `epoll`, libevent or asyncio
/// `add_reader`. Stable for the queue's life; close-on-exec. Never read from it or
/// close it. -1 for a NULL queue or in a forked child.
#[no_mangle]
pub extern "C" fn plivo_queue_fd(queue: *const PlivoQueue) -> c_int {
    guard_or(-1, || {
        // SAFETY: as `arg_ref` (documented contract for library objects).
        unsafe { queue.as_ref() }
            .and_then(|q| q.inner.fd())
            .unwrap_or(-1)
    })
}

/// Submit `request` built by `make` from checked arguments; common to the submits.
fn submit(
    function: &str,
    queue: *mut PlivoQueue,
    tag: u64,
    make: impl FnOnce() -> Result<Request, crate::client::Error>,
) -> PlivoCode {
    call(function, || {
        let queue = arg_ref(queue, "queue")?;
        let request = make()?;
        queue
            .inner
            .submit(request, tag)
            .map_err(|e| e.into_error())?;
        Ok(Reply::default())
    })
}

/// Queue a stop of one stream (as `plivo_stop_stream()`), with `tag` for its result.
///
/// The arguments are checked at once, exactly as the blocking call checks them:
/// `PLIVO_ERR_INVALID_ARGUMENT` and nothing queued or sent on bad input (NULL queue
/// included). Then `PLIVO_ERR_BUSY` when `max_in_flight` requests are pending
/// (submitted, result not yet taken). On `PLIVO_OK` exactly one result with `tag` will
/// be delivered, whatever happens. Tags are the caller's and need not be unique. The
/// strings are copied. Sets the last error (after a successful submit: `PLIVO_OK`,
/// status 0, api_id NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn plivo_queue_stop_stream(
    queue: *mut PlivoQueue,
    call_uuid: *const c_char,
    stream_uuid: *const c_char,
    tag: u64,
) -> PlivoCode {
    submit("plivo_queue_stop_stream", queue, tag, || {
        Ok(Request::StopStream {
            call_uuid: arg_str(call_uuid, "call_uuid")?.to_owned(),
            stream_uuid: arg_str(stream_uuid, "stream_uuid")?.to_owned(),
        })
    })
}

/// Queue a stop of every stream of a call (as `plivo_stop_all_streams()`). Submit
/// rules as for `plivo_queue_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_queue_stop_all_streams(
    queue: *mut PlivoQueue,
    call_uuid: *const c_char,
    tag: u64,
) -> PlivoCode {
    submit("plivo_queue_stop_all_streams", queue, tag, || {
        Ok(Request::StopAllStreams {
            call_uuid: arg_str(call_uuid, "call_uuid")?.to_owned(),
        })
    })
}

/// Queue a start (as `plivo_start_stream()` with a `stream_id_out`): the result's body
/// is the new stream's id, and a 2xx answer without a string `stream_id` is
/// `PLIVO_ERR_INVALID_RESPONSE`. `params` may be NULL (API defaults); it is copied and
/// may be freed right after this call. Submit rules as for `plivo_queue_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_queue_start_stream(
    queue: *mut PlivoQueue,
    call_uuid: *const c_char,
    service_url: *const c_char,
    params: *const PlivoStreamParams,
    tag: u64,
) -> PlivoCode {
    submit("plivo_queue_start_stream", queue, tag, || {
        let params = if params.is_null() {
            StreamParams::default()
        } else {
            arg_ref(params, "params")?.inner.clone()
        };
        Ok(Request::StartStream {
            call_uuid: arg_str(call_uuid, "call_uuid")?.to_owned(),
            service_url: arg_str(service_url, "service_url")?.to_owned(),
            params,
        })
    })
}

/// Queue a get of one stream (as `plivo_get_stream()`): the result's body is the JSON
/// answer. Submit rules as for `plivo_queue_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_queue_get_stream(
    queue: *mut PlivoQueue,
    call_uuid: *const c_char,
    stream_uuid: *const c_char,
    tag: u64,
) -> PlivoCode {
    submit("plivo_queue_get_stream", queue, tag, || {
        Ok(Request::GetStream {
            call_uuid: arg_str(call_uuid, "call_uuid")?.to_owned(),
            stream_uuid: arg_str(stream_uuid, "stream_uuid")?.to_owned(),
        })
    })
}

/// Queue a list of a call's streams (as `plivo_list_streams()`): the result's body is
/// the JSON answer. Submit rules as for `plivo_queue_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_queue_list_streams(
    queue: *mut PlivoQueue,
    call_uuid: *const c_char,
    tag: u64,
) -> PlivoCode {
    submit("plivo_queue_list_streams", queue, tag, || {
        Ok(Request::ListStreams {
            call_uuid: arg_str(call_uuid, "call_uuid")?.to_owned(),
        })
    })
}

/// Cancel every request with `tag` whose exchange has not yet completed: `PLIVO_OK` if
/// there was one, `PLIVO_ERR_INVALID_ARGUMENT` if none (a completed result waiting to
/// be taken is not cancelled). Each gets a `PLIVO_ERR_CANCELLED` result within 100 ms
/// (status 0, the attempts made so far, elapsed time to the cancel); an exchange under
/// way is abandoned and its connection closed, never reused. It may or may not have
/// reached the server. Sets the last error. Thread-safe.
#[no_mangle]
pub extern "C" fn plivo_queue_cancel(queue: *mut PlivoQueue, tag: u64) -> PlivoCode {
    call("plivo_queue_cancel", || {
        let queue = arg_ref(queue, "queue")?;
        queue.inner.cancel(tag).map_err(|e| e.into_error())?;
        Ok(Reply::default())
    })
}

fn owned_result(done: Option<Completion>) -> *mut PlivoResult {
    done.map_or(std::ptr::null_mut(), |d| {
        Box::into_raw(Box::new(PlivoResult::from(d)))
    })
}

/// Take the next result, in completion order; never blocks. NULL when none is ready
/// (or for a NULL queue, or in a forked child). The result is owned by the caller:
/// `plivo_result_free()`. Does not touch the last-error state. Thread-safe.
#[no_mangle]
pub extern "C" fn plivo_queue_next(queue: *mut PlivoQueue) -> *mut PlivoResult {
    guard_or(std::ptr::null_mut(), || {
        // SAFETY: as `arg_ref` (documented contract for library objects).
        owned_result(unsafe { queue.as_ref() }.and_then(|q| q.inner.next()))
    })
}

/// Take the next result, waiting up to `timeout_ms` for one (there is no "forever").
/// NULL at once when nothing is pending, else NULL when none came in time. Ownership,
/// last error and threads as for `plivo_queue_next()`.
#[no_mangle]
pub extern "C" fn plivo_queue_wait(queue: *mut PlivoQueue, timeout_ms: u32) -> *mut PlivoResult {
    guard_or(std::ptr::null_mut(), || {
        let timeout = Duration::from_millis(timeout_ms.into());
        // SAFETY: as `arg_ref` (documented contract for library objects).
        owned_result(unsafe { queue.as_ref() }.and_then(|q| q.inner.wait(timeout)))
    })
}

/// Requests submitted whose result has not yet been taken (waiting, running, or ready).
/// 0 for a NULL queue or in a forked child. Thread-safe.
#[no_mangle]
pub extern "C" fn plivo_queue_pending(queue: *const PlivoQueue) -> u32 {
    guard_or(0, || {
        // SAFETY: as `arg_ref` (documented contract for library objects).
        unsafe { queue.as_ref() }.map_or(0, |q| q.inner.pending())
    })
}

/// Read a field of a result; `fallback` for NULL.
fn read<T>(result: *const PlivoResult, fallback: T, field: impl FnOnce(&PlivoResult) -> T) -> T {
    // SAFETY: a non-NULL result comes from `plivo_queue_next`/`wait` and is not freed
    // yet (documented contract).
    guard_or(None, || unsafe { result.as_ref() }.map(field)).unwrap_or(fallback)
}

fn text(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The tag given at submit; 0 for NULL.
#[no_mangle]
pub extern "C" fn plivo_result_tag(result: *const PlivoResult) -> u64 {
    read(result, 0, |r| r.tag)
}

/// The request's outcome, as the blocking call would have returned it;
/// `PLIVO_ERR_CANCELLED` after a cancel; `PLIVO_ERR_INVALID_ARGUMENT` for NULL.
#[no_mangle]
pub extern "C" fn plivo_result_code(result: *const PlivoResult) -> PlivoCode {
    read(result, PlivoCode::PLIVO_ERR_INVALID_ARGUMENT, |r| r.code)
}

/// The HTTP status of the last response received (204 after a stop), 0 if none was
/// received (or for NULL).
#[no_mangle]
pub extern "C" fn plivo_result_http_status(result: *const PlivoResult) -> c_int {
    read(result, 0, |r| r.http_status)
}

/// The message, as `plivo_last_error()` would give it; NULL on success (or for NULL).
/// Never the auth token. Borrowed from the result: valid until `plivo_result_free()`.
#[no_mangle]
pub extern "C" fn plivo_result_message(result: *const PlivoResult) -> *const c_char {
    read(result, std::ptr::null(), |r| text(&r.message))
}

/// The `api_id` of the last response body, NULL if none. Borrowed from the result.
#[no_mangle]
pub extern "C" fn plivo_result_api_id(result: *const PlivoResult) -> *const c_char {
    read(result, std::ptr::null(), |r| text(&r.api_id))
}

/// On success: for get and list the JSON body, for start the new stream's id; NULL for
/// the stops and on failure. Borrowed from the result.
#[no_mangle]
pub extern "C" fn plivo_result_body(result: *const PlivoResult) -> *const c_char {
    read(result, std::ptr::null(), |r| text(&r.body))
}

/// HTTP attempts made (0 if none: e.g. cancelled before it started).
#[no_mangle]
pub extern "C" fn plivo_result_attempts(result: *const PlivoResult) -> u32 {
    read(result, 0, |r| r.attempts)
}

/// Microseconds from submit to completion (to the cancel, for a cancelled request).
#[no_mangle]
pub extern "C" fn plivo_result_elapsed_us(result: *const PlivoResult) -> u64 {
    read(result, 0, |r| r.elapsed_us)
}

/// Free a result and its strings. NULL is a no-op. Thread-safe (for distinct results).
#[no_mangle]
pub extern "C" fn plivo_result_free(result: *mut PlivoResult) {
    free(result)
}
