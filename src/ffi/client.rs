//! `PlivoClient` and the Audio Stream operations.

use std::ffi::c_char;
use std::sync::Arc;

use crate::client::{Client, Error, Options, Reply};

use super::boundary::{arg_ref, arg_str, call, clear_out, construct, free, opt_str, put_string};
use super::code::PlivoCode;
use super::options::PlivoOptions;
use super::params::PlivoStreamParams;

/// A Plivo API client: credentials, base URL, options and a keep-alive connection pool.
///
/// Create with `plivo_client_new()` or `plivo_client_new_with_options()`, free with
/// `plivo_client_free()`. Immutable after construction: one client may be used from
/// many threads at once (they share its connection pool); sequential calls reuse one
/// kept-alive connection. Create it once and keep it for the life of the process.
pub struct PlivoClient {
    /// Shared with the client's queues: a queue keeps its client alive.
    pub(crate) inner: Arc<Client>,
}

/// Create a client with default options.
///
/// A NULL `auth_id` / `auth_token` is read from the environment variables
/// `PLIVO_AUTH_ID` / `PLIVO_AUTH_TOKEN`. The base URL is `PLIVO_BASE_URL` when set and
/// not empty, else `https://api.plivo.com/v1/`; it is read once, here. Nothing is sent
/// over the network.
///
/// Returns an owned client to free with `plivo_client_free()`, or NULL on failure with
/// the last error set: `PLIVO_ERR_INVALID_ARGUMENT` for missing or empty credentials
/// (the message names the missing variable), an `auth_id` that is not 1–64 ASCII
/// letters and digits, non-UTF-8 strings, a malformed `PLIVO_BASE_URL`, or plain
/// `http://` to a non-loopback host. The strings are copied; the caller keeps them.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn plivo_client_new(
    auth_id: *const c_char,
    auth_token: *const c_char,
) -> *mut PlivoClient {
    new_client("plivo_client_new", auth_id, auth_token, std::ptr::null())
}

/// Create a client with options (NULL `options` = defaults).
///
/// Same rules as `plivo_client_new()`; a base URL set in `options` takes precedence
/// over `PLIVO_BASE_URL`. The loopback rule for plain `http://` is checked here, where
/// `allow_insecure_http` is known. The client copies what it needs: `options` may be
/// freed (or changed) right after this call. Returns NULL on failure with the last
/// error set. Thread-safe (do not modify `options` concurrently).
#[no_mangle]
pub extern "C" fn plivo_client_new_with_options(
    auth_id: *const c_char,
    auth_token: *const c_char,
    options: *const PlivoOptions,
) -> *mut PlivoClient {
    new_client(
        "plivo_client_new_with_options",
        auth_id,
        auth_token,
        options,
    )
}

fn new_client(
    function: &str,
    auth_id: *const c_char,
    auth_token: *const c_char,
    options: *const PlivoOptions,
) -> *mut PlivoClient {
    construct(function, || {
        let auth_id = opt_str(auth_id, "auth_id")?;
        let auth_token = opt_str(auth_token, "auth_token")?;
        let defaults = Options::default();
        let options = if options.is_null() {
            &defaults
        } else {
            &arg_ref(options, "options")?.inner
        };
        Ok(PlivoClient {
            inner: Arc::new(Client::new(auth_id, auth_token, options)?),
        })
    })
}

/// Free a client and its connections; the auth token's memory is overwritten first.
///
/// NULL is a no-op. The client must not be in use by another thread, and must not be
/// used or freed again afterwards. Queues made on it keep working: the client's
/// memory goes with the last of them. Does not touch the last-error state.
#[no_mangle]
pub extern "C" fn plivo_client_free(client: *mut PlivoClient) {
    free(client)
}

/// Stop one audio stream of a live call:
/// `DELETE {base}Account/{auth_id}/Call/{call_uuid}/Stream/{stream_uuid}/`.
///
/// Returns `PLIVO_OK` on any 2xx (the API answers 204), `PLIVO_ERR_NO_ACTIVE_STREAM`
/// when the stream was already stopped (treat it as success if stop is idempotent for
/// you), or another code; the last error holds the message, HTTP status and api_id.
/// `call_uuid` and `stream_uuid` must be 1–128 characters of `A-Z a-z 0-9 - _`;
/// anything else (and any NULL) is `PLIVO_ERR_INVALID_ARGUMENT` and nothing is sent.
/// Blocks for at most the client's `timeout_ms` (default 10 s), retries included.
/// Thread-safe: many threads may stop streams on one client at once.
#[no_mangle]
pub extern "C" fn plivo_stop_stream(
    client: *const PlivoClient,
    call_uuid: *const c_char,
    stream_uuid: *const c_char,
) -> PlivoCode {
    call("plivo_stop_stream", || {
        let client = client_ref(client)?;
        let call_uuid = arg_str(call_uuid, "call_uuid")?;
        let stream_uuid = arg_str(stream_uuid, "stream_uuid")?;
        client.stop_stream(call_uuid, stream_uuid)
    })
}

/// Stop every active stream of a call: `DELETE {base}Account/{auth_id}/Call/{call_uuid}/Stream/`.
///
/// `PLIVO_OK` on 2xx; `PLIVO_ERR_NO_ACTIVE_STREAM` when the call had none. Argument,
/// blocking and thread rules as for `plivo_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_stop_all_streams(
    client: *const PlivoClient,
    call_uuid: *const c_char,
) -> PlivoCode {
    call("plivo_stop_all_streams", || {
        let client = client_ref(client)?;
        let call_uuid = arg_str(call_uuid, "call_uuid")?;
        client.stop_all_streams(call_uuid)
    })
}

/// Start streaming a call's audio to a WebSocket service:
/// `POST {base}Account/{auth_id}/Call/{call_uuid}/Stream/` with a JSON body.
///
/// `service_url` must be a `ws://` or `wss://` URL; `params` (NULL = API defaults) are
/// checked before anything is sent (e.g. bidirectional needs audio_track inbound), all
/// failures being `PLIVO_ERR_INVALID_ARGUMENT`. Any 2xx is `PLIVO_OK`. When
/// `stream_id_out` is not NULL it receives the new stream's id, owned by the caller
/// and freed with `plivo_string_free()`; then a 2xx answer without a string
/// `stream_id` is `PLIVO_ERR_INVALID_RESPONSE`. `*stream_id_out` is NULL on failure.
/// Not retried on 5xx (the stream may have started); retried on connect failures and
/// 429. Blocking and thread rules as for `plivo_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_start_stream(
    client: *const PlivoClient,
    call_uuid: *const c_char,
    service_url: *const c_char,
    params: *const PlivoStreamParams,
    stream_id_out: *mut *mut c_char,
) -> PlivoCode {
    clear_out(stream_id_out);
    call("plivo_start_stream", || {
        let client = client_ref(client)?;
        let call_uuid = arg_str(call_uuid, "call_uuid")?;
        let service_url = arg_str(service_url, "service_url")?;
        let defaults = Default::default();
        let params = if params.is_null() {
            &defaults
        } else {
            &arg_ref(params, "params")?.inner
        };
        if stream_id_out.is_null() {
            return Ok(client
                .start_stream(call_uuid, service_url, params)?
                .map(drop));
        }
        reply_string(
            stream_id_out,
            client.start_stream_id(call_uuid, service_url, params)?,
        )
    })
}

/// Details of one stream: `GET {base}Account/{auth_id}/Call/{call_uuid}/Stream/{stream_uuid}/`.
///
/// On `PLIVO_OK`, `*json_out` receives the response body (a JSON object with
/// `stream_id`, `status`, `service_url`, `audio_track`, timestamps, ...), owned by the
/// caller and freed with `plivo_string_free()`. `json_out` must not be NULL;
/// `*json_out` is NULL on failure. A 2xx body that is not a JSON object is
/// `PLIVO_ERR_INVALID_RESPONSE`. Argument, blocking and thread rules as for
/// `plivo_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_get_stream(
    client: *const PlivoClient,
    call_uuid: *const c_char,
    stream_uuid: *const c_char,
    json_out: *mut *mut c_char,
) -> PlivoCode {
    json_call("plivo_get_stream", client, json_out, |client| {
        let call_uuid = arg_str(call_uuid, "call_uuid")?;
        let stream_uuid = arg_str(stream_uuid, "stream_uuid")?;
        client.get_stream_json(call_uuid, stream_uuid)
    })
}

/// A call's streams: `GET {base}Account/{auth_id}/Call/{call_uuid}/Stream/`.
///
/// On `PLIVO_OK`, `*json_out` receives the response body, a JSON object with `meta`
/// (`count`, `limit`, `offset`, `next`, `previous`) and `objects` (the streams),
/// owned by the caller and freed with `plivo_string_free()`. `json_out` must not be
/// NULL; `*json_out` is NULL on failure. Argument, blocking and thread rules as for
/// `plivo_stop_stream()`.
#[no_mangle]
pub extern "C" fn plivo_list_streams(
    client: *const PlivoClient,
    call_uuid: *const c_char,
    json_out: *mut *mut c_char,
) -> PlivoCode {
    json_call("plivo_list_streams", client, json_out, |client| {
        client.list_streams_json(arg_str(call_uuid, "call_uuid")?)
    })
}

/// Free a string returned through a `char **` out-parameter. NULL is a no-op.
/// Never pass it to `free()`, and never pass `plivo_last_error()`, `plivo_code_name()`
/// or `plivo_version()` results here. Does not touch the last-error state.
#[no_mangle]
pub extern "C" fn plivo_string_free(s: *mut c_char) {
    super::boundary::guard_or((), || {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` in `put_string` (documented).
            drop(unsafe { std::ffi::CString::from_raw(s) });
        }
    })
}

/// The client's counters since it was created, over all its threads and queues, as a
/// JSON object:
///
/// ```json
/// {"requests": 12, "attempts": 14, "retries": 2, "in_flight": 0,
///  "outcomes": {"PLIVO_OK": 11, "PLIVO_ERR_NO_ACTIVE_STREAM": 1},
///  "connections": {"opened": 3, "reused": 11, "discarded": 2},
///  "latency_us": {"p50": 1023, "p90": 2047, "p99": 4095, "max": 3870}}
/// ```
///
/// Every value is a non-negative integer; more members may be added. A request is a
/// call that sent something (one refused with `PLIVO_ERR_INVALID_ARGUMENT` before
/// sending is not counted); counters move when it completes, so on an idle client
/// `retries == attempts - requests`. `outcomes` maps the name of every code that
/// occurred to its count. `connections.opened` counts each new connection an attempt
/// set out to open (a failed connect included), `reused` each pooled one handed to an
/// attempt: every attempt did one or the other. `discarded` counts connections closed
/// instead of being pooled or reused (leftover bytes, a 204 announcing a body, a
/// stale pooled one, a failed or cancelled exchange, inherited across `fork()`).
/// `latency_us` holds estimates from a power-of-two histogram of completed requests,
/// failures included (0 before any), never above `max`.
///
/// On `PLIVO_OK`, `*json_out` is owned by the caller: `plivo_string_free()`. NULL
/// `client` or `json_out` is `PLIVO_ERR_INVALID_ARGUMENT`. Thread-safe and cheap (no
/// lock); sets the last error (status 0).
#[no_mangle]
pub extern "C" fn plivo_client_stats(
    client: *const PlivoClient,
    json_out: *mut *mut c_char,
) -> PlivoCode {
    json_call("plivo_client_stats", client, json_out, |client| {
        Ok(Reply::default().map(|()| super::stats::to_json(&client.stats())))
    })
}

fn client_ref<'a>(client: *const PlivoClient) -> Result<&'a Client, Error> {
    Ok(&arg_ref(client, "client")?.inner)
}

/// Run a call that answers text through `*json_out` (owned by the caller, NULL on
/// failure): the client and `json_out` are checked, then `operation` checks its own
/// arguments and runs. The last error records the answer's status and `api_id`.
fn json_call(
    function: &str,
    client: *const PlivoClient,
    json_out: *mut *mut c_char,
    operation: impl FnOnce(&Client) -> Result<Reply<String>, Error>,
) -> PlivoCode {
    clear_out(json_out);
    call(function, || {
        let client = client_ref(client)?;
        if json_out.is_null() {
            return Err(Error::invalid("json_out is NULL"));
        }
        reply_string(json_out, operation(client)?)
    })
}

/// Hand the reply's text to the caller; the last error records its status and api_id.
fn reply_string(out: *mut *mut c_char, reply: Reply<String>) -> Result<Reply<()>, Error> {
    reply.try_map(|text| put_string(out, text))
}
