//! `PlivoStreamParams`: the optional parameters of `plivo_start_stream()`.

use std::ffi::c_char;

use crate::client::{AudioTrack, CallbackMethod, ContentType, StreamParams};

use super::boundary::{arg_str, construct, free, update};
use super::code::PlivoCode;

/// Optional parameters of a new stream. Create with `plivo_stream_params_new()`, set
/// with the `plivo_stream_params_set_*` functions (each validates its value: a refused
/// value is `PLIVO_ERR_INVALID_ARGUMENT` and leaves the parameter as it was), pass to
/// `plivo_start_stream()` (which does not keep it), free with
/// `plivo_stream_params_free()`. Not thread-safe while being modified.
pub struct PlivoStreamParams {
    pub(crate) inner: StreamParams,
}

/// New, empty parameters (every value is the API's default). Free with
/// `plivo_stream_params_free()`. Sets the last error (cleared on success).
#[no_mangle]
pub extern "C" fn plivo_stream_params_new() -> *mut PlivoStreamParams {
    construct("plivo_stream_params_new", || {
        Ok(PlivoStreamParams {
            inner: StreamParams::new(),
        })
    })
}

/// Free parameters. NULL is a no-op.
#[no_mangle]
pub extern "C" fn plivo_stream_params_free(params: *mut PlivoStreamParams) {
    free(params)
}

fn set(
    function: &str,
    params: *mut PlivoStreamParams,
    apply: impl FnOnce(&mut StreamParams) -> Result<(), crate::client::Error>,
) -> PlivoCode {
    update(function, params, "params", |handle| {
        apply(&mut handle.inner)
    })
}

/// Let the service send audio back into the call (API default false). A bidirectional
/// stream must use audio_track `inbound`; `plivo_start_stream()` refuses other tracks.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_bidirectional(
    params: *mut PlivoStreamParams,
    bidirectional: bool,
) -> PlivoCode {
    set("plivo_stream_params_set_bidirectional", params, |p| {
        p.set_bidirectional(bidirectional);
        Ok(())
    })
}

/// Which audio to stream: `"inbound"` (API default), `"outbound"` or `"both"`.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_audio_track(
    params: *mut PlivoStreamParams,
    audio_track: *const c_char,
) -> PlivoCode {
    set("plivo_stream_params_set_audio_track", params, |p| {
        p.set_audio_track(AudioTrack::parse(arg_str(audio_track, "audio_track")?)?);
        Ok(())
    })
}

/// Seconds after which the stream ends by itself: any positive number (API default
/// 86400; the API documents no maximum). 0 is `PLIVO_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_stream_timeout(
    params: *mut PlivoStreamParams,
    seconds: u32,
) -> PlivoCode {
    set("plivo_stream_params_set_stream_timeout", params, |p| {
        p.set_stream_timeout(seconds)
    })
}

/// URL that receives stream status events: an absolute `http://` or `https://` URL.
/// The string is copied.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_status_callback_url(
    params: *mut PlivoStreamParams,
    url: *const c_char,
) -> PlivoCode {
    set("plivo_stream_params_set_status_callback_url", params, |p| {
        p.set_status_callback_url(arg_str(url, "url")?)
    })
}

/// HTTP method of the status callback: `"GET"` or `"POST"` (API default), upper case.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_status_callback_method(
    params: *mut PlivoStreamParams,
    method: *const c_char,
) -> PlivoCode {
    set(
        "plivo_stream_params_set_status_callback_method",
        params,
        |p| {
            p.set_status_callback_method(CallbackMethod::parse(arg_str(method, "method")?)?);
            Ok(())
        },
    )
}

/// Audio format: `"audio/x-l16;rate=8000"` (API default), `"audio/x-l16;rate=16000"` or
/// `"audio/x-mulaw;rate=8000"`.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_content_type(
    params: *mut PlivoStreamParams,
    content_type: *const c_char,
) -> PlivoCode {
    set("plivo_stream_params_set_content_type", params, |p| {
        p.set_content_type(ContentType::parse(arg_str(content_type, "content_type")?)?);
        Ok(())
    })
}

/// Extra headers for the WebSocket service, as the API documents them: `key=value`
/// pairs joined by commas (`"tenant=acme,callkind=ivr"`), at most 512 bytes; keys and
/// values are one or more of `A-Z a-z 0-9` (no `-`, `_` or other characters).
/// The string is copied.
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_extra_headers(
    params: *mut PlivoStreamParams,
    extra_headers: *const c_char,
) -> PlivoCode {
    set("plivo_stream_params_set_extra_headers", params, |p| {
        p.set_extra_headers(arg_str(extra_headers, "extra_headers")?)
    })
}

/// Mark the stream as one for a conversational bot (`cx_bot`). Not in Plivo's
/// documentation; Plivo's own Python and Go SDKs send it (since 2025). Unset, it is not
/// sent and the API's default applies. Sets the last error (cleared on success); not
/// thread-safe while `params` is being modified (like every setter).
#[no_mangle]
pub extern "C" fn plivo_stream_params_set_cx_bot(
    params: *mut PlivoStreamParams,
    cx_bot: bool,
) -> PlivoCode {
    set("plivo_stream_params_set_cx_bot", params, |p| {
        p.set_cx_bot(cx_bot);
        Ok(())
    })
}
