//! `PlivoOptions`: an opaque builder, so the ABI can grow without breaking.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;

use crate::client::{LogLevel, Logger, Options};

use super::boundary::{arg_str, construct, free, update};
use super::code::PlivoCode;

/// Client options. Create with `plivo_options_new()`, set with the `plivo_options_set_*`
/// functions, pass to `plivo_client_new_with_options()` (which copies them), free with
/// `plivo_options_free()`. Not thread-safe while being modified; a finished options
/// object may be read by several constructors at once.
pub struct PlivoOptions {
    pub(crate) inner: Options,
}

/// New options with the defaults: no base URL (the client constructor then reads
/// `PLIVO_BASE_URL`, else uses `https://api.plivo.com/v1/`), timeout 10000 ms, connect
/// timeout 3000 ms, 2 retries, no proxy option (the environment's `HTTPS_PROXY` /
/// `NO_PROXY` apply), the bundled Mozilla root certificates, `http://` only to
/// loopback.
///
/// Returns an owned object to free with `plivo_options_free()`; NULL only if memory
/// runs out. Sets the last error (cleared on success).
#[no_mangle]
pub extern "C" fn plivo_options_new() -> *mut PlivoOptions {
    construct("plivo_options_new", || {
        Ok(PlivoOptions {
            inner: Options::default(),
        })
    })
}

/// Free options. NULL is a no-op. Clients made from them are not affected.
#[no_mangle]
pub extern "C" fn plivo_options_free(options: *mut PlivoOptions) {
    free(options)
}

fn set(
    function: &str,
    options: *mut PlivoOptions,
    apply: impl FnOnce(&mut Options) -> Result<(), crate::client::Error>,
) -> PlivoCode {
    update(function, options, "options", |handle| {
        apply(&mut handle.inner)
    })
}

/// Base URL of the API, e.g. `https://api.plivo.com/v1/` or the bundled server's
/// `http://127.0.0.1:PORT/v1/`; takes precedence over `PLIVO_BASE_URL`. Must be an
/// absolute `http://` or `https://` URL with a host and no user info, query or
/// fragment, else `PLIVO_ERR_INVALID_ARGUMENT` and the option is unchanged. A missing
/// trailing slash is added. Plain `http://` to a non-loopback host is refused later, by
/// the client constructor, unless `plivo_options_set_allow_insecure_http()` allows it.
/// The string is copied.
#[no_mangle]
pub extern "C" fn plivo_options_set_base_url(
    options: *mut PlivoOptions,
    url: *const c_char,
) -> PlivoCode {
    set("plivo_options_set_base_url", options, |o| {
        o.set_base_url(arg_str(url, "url")?)
    })
}

/// Deadline of each whole call, retries and back-off included: 1–600000 ms (default
/// 10000). Out of range: `PLIVO_ERR_INVALID_ARGUMENT`, option unchanged. A call that
/// reaches it returns `PLIVO_ERR_TIMEOUT`.
#[no_mangle]
pub extern "C" fn plivo_options_set_timeout_ms(options: *mut PlivoOptions, ms: u32) -> PlivoCode {
    set("plivo_options_set_timeout_ms", options, |o| {
        o.set_timeout_ms(ms)
    })
}

/// Bound of each TCP/TLS connect: 1–600000 ms (default 3000); never stretches a call
/// past its deadline. Out of range: `PLIVO_ERR_INVALID_ARGUMENT`, option unchanged.
/// A connect that times out counts as a connect failure (retried).
#[no_mangle]
pub extern "C" fn plivo_options_set_connect_timeout_ms(
    options: *mut PlivoOptions,
    ms: u32,
) -> PlivoCode {
    set("plivo_options_set_connect_timeout_ms", options, |o| {
        o.set_connect_timeout_ms(ms)
    })
}

/// Attempts after the first: 0–10 (default 2). Retried: connect failures and 429 for
/// every operation, 5xx for DELETE and GET; back-off about 100 ms doubling to 2 s,
/// jittered, or the server's `Retry-After` seconds; a wait that would pass the deadline
/// is not started. Out of range: `PLIVO_ERR_INVALID_ARGUMENT`, option unchanged.
#[no_mangle]
pub extern "C" fn plivo_options_set_max_retries(options: *mut PlivoOptions, n: u32) -> PlivoCode {
    set("plivo_options_set_max_retries", options, |o| {
        o.set_max_retries(n)
    })
}

/// Send requests through an HTTP CONNECT proxy, `http://[user:password@]host:port`
/// (TLS runs inside the tunnel). Other schemes, a missing port, or a path are
/// `PLIVO_ERR_INVALID_ARGUMENT`. Setting a proxy disables the environment variables
/// `HTTPS_PROXY`, `https_proxy`, `http_proxy`, `ALL_PROXY` and `NO_PROXY`, which are
/// otherwise honoured (loopback hosts never use an environment proxy).
/// The string is copied.
#[no_mangle]
pub extern "C" fn plivo_options_set_proxy(
    options: *mut PlivoOptions,
    url: *const c_char,
) -> PlivoCode {
    set("plivo_options_set_proxy", options, |o| {
        o.set_proxy(arg_str(url, "url")?)
    })
}

/// Trust the certificates in this PEM file *instead of* the bundled Mozilla root
/// certificates (as curl's `CURLOPT_CAINFO`). The file is read and parsed now: an
/// unreadable file or one without a PEM certificate is `PLIVO_ERR_INVALID_ARGUMENT`
/// and the option is unchanged. Certificates are always verified; there is no way to
/// turn verification off.
#[no_mangle]
pub extern "C" fn plivo_options_set_ca_file(
    options: *mut PlivoOptions,
    pem_path: *const c_char,
) -> PlivoCode {
    set("plivo_options_set_ca_file", options, |o| {
        o.set_ca_file(arg_str(pem_path, "pem_path")?)
    })
}

/// Allow plain `http://` base URLs to non-loopback hosts (default false). Credentials
/// then travel in clear text: only for test networks.
#[no_mangle]
pub extern "C" fn plivo_options_set_allow_insecure_http(
    options: *mut PlivoOptions,
    allow: bool,
) -> PlivoCode {
    set("plivo_options_set_allow_insecure_http", options, |o| {
        o.set_allow_insecure_http(allow);
        Ok(())
    })
}

/// How much a log callback hears: a level and everything more severe.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlivoLogLevel {
    /// A request that failed (after its INFO line).
    PLIVO_LOG_ERROR = 1,
    /// A retry: why, and the wait before it.
    PLIVO_LOG_WARN = 2,
    /// One line per completed request.
    PLIVO_LOG_INFO = 3,
    /// Connections opened, reused and discarded, and why.
    PLIVO_LOG_DEBUG = 4,
}

/// Receives one log line: `user_data` as given to `plivo_options_set_log_callback()`,
/// the line's level, and the line itself, valid only during the call.
pub type PlivoLogCallback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: PlivoLogLevel, message: *const c_char),
>;

/// The host's callback and its pointer, called from whichever thread runs an exchange.
struct HostSink {
    callback: unsafe extern "C" fn(*mut c_void, PlivoLogLevel, *const c_char),
    user_data: *mut c_void,
}

// SAFETY: the documented contract makes the callback thread-safe and `user_data`
// usable from any thread; the library only passes the pointer back.
unsafe impl Send for HostSink {}
// SAFETY: as above.
unsafe impl Sync for HostSink {}

impl HostSink {
    fn emit(&self, level: LogLevel, line: &str) {
        let level = match level {
            LogLevel::Error => PlivoLogLevel::PLIVO_LOG_ERROR,
            LogLevel::Warn => PlivoLogLevel::PLIVO_LOG_WARN,
            LogLevel::Info => PlivoLogLevel::PLIVO_LOG_INFO,
            LogLevel::Debug => PlivoLogLevel::PLIVO_LOG_DEBUG,
        };
        let Ok(line) = CString::new(line.replace('\0', " ")) else {
            return;
        };
        // A panic must not unwind out of here into the exchange; a host callback that
        // unwinds (C++ exception) is outside the contract.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: the host's function, called as its documented signature says.
            unsafe { (self.callback)(self.user_data, level, line.as_ptr()) }
        }));
    }
}

/// Send the client's log lines to `callback`, at `max_level` and every more severe
/// level (`PLIVO_LOG_ERROR` < `PLIVO_LOG_WARN` < `PLIVO_LOG_INFO` < `PLIVO_LOG_DEBUG`).
/// A NULL `callback` turns logging off (the default: the library is silent).
///
/// Lines are one event each, without a trailing newline, in `key=value` style; values
/// that may hold spaces are double-quoted. The client logs:
/// - INFO, one line per completed request (a call that sent something):
///   `event=request op=stop_stream call_uuid=C stream_uuid=S status=204 code=PLIVO_OK attempts=1 elapsed_us=812 api_id=-`
/// - ERROR, after the INFO line of a request that ended with any code but `PLIVO_OK`:
///   `event=request_failed op=stop_stream call_uuid=C stream_uuid=S status=400 code=PLIVO_ERR_NO_ACTIVE_STREAM attempts=1 error="…"`
/// - WARN, before each retry that is made:
///   `event=retry op=stop_stream call_uuid=C stream_uuid=S attempt=1 wait_ms=98 reason="…"`
/// - DEBUG, for connections: `event=connection opened peer=HOST:PORT`,
///   `event=connection reused peer=…`, `event=connection discarded reason=R peer=…`
///   with R one of `leftover_bytes`, `body_after_no_content` (a 204/304 announcing a
///   body), `stale` (found closed or holding bytes in the pool), `closed` (after a
///   failed exchange, or at the server's request), `cancelled`, `fork` (inherited).
///
/// No line ever holds the auth token, its base64 form or an `Authorization` value. A
/// call refused with `PLIVO_ERR_INVALID_ARGUMENT` before sending logs nothing.
///
/// The callback runs on the thread that performs the exchange (the caller's for
/// blocking calls, a queue's worker for queued ones), never while the library holds a
/// lock. It must be thread-safe, must return (no `longjmp`, no C++ exception), and must
/// not call libplivo functions other than `plivo_code_name()` and `plivo_version()`.
/// `message` is valid only during the call: copy it to keep it. `user_data` is passed
/// back as given and never dereferenced; it must stay valid as long as any client made
/// from these options.
///
/// A `max_level` other than the four levels is `PLIVO_ERR_INVALID_ARGUMENT`, and the
/// option stays as it was. Clients copy the setting at construction.
#[no_mangle]
pub extern "C" fn plivo_options_set_log_callback(
    options: *mut PlivoOptions,
    max_level: c_int,
    callback: PlivoLogCallback,
    user_data: *mut c_void,
) -> PlivoCode {
    set("plivo_options_set_log_callback", options, |o| {
        let level = u32::try_from(max_level)
            .ok()
            .and_then(LogLevel::from_number)
            .ok_or_else(|| {
                crate::client::Error::invalid(format!(
                    "max_level {max_level} is not a PlivoLogLevel (1 to 4)"
                ))
            })?;
        let logger = callback.map(|callback| {
            let sink = HostSink {
                callback,
                user_data,
            };
            Logger::new(
                level,
                Arc::new(move |level, line: &str| sink.emit(level, line)),
            )
        });
        o.set_logger(logger);
        Ok(())
    })
}
