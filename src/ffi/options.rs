//! `PlivoOptions`: an opaque builder, so the ABI can grow without breaking.

use std::ffi::c_char;

use crate::client::Options;

use super::boundary::{arg_mut, arg_str, call, construct, free, Done};
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
    call(function, || {
        apply(&mut arg_mut(options, "options")?.inner)?;
        Ok(Done::default())
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
