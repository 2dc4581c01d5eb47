"""The Client class and the helpers that turn Python values into C arguments."""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import json
import math
import operator
import os
import threading
import weakref
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from . import _log
from ._errors import (
    InvalidArgumentError,
    InvalidResponseError,
    _c_int_code,
    _check,
    _constructor_error,
)
from ._lib import StrPath, load_library

__all__ = ["Client", "code_name", "version"]

_U32_MAX = 0xFFFFFFFF

Seconds = Union[int, float, datetime.timedelta]
Text = Union[str, bytes]


# --- Python value -> C argument ----------------------------------------------------


def _cstr(value: Optional[Union[Text, "os.PathLike[str]"]], what: str) -> Optional[bytes]:
    """str/bytes/PathLike -> NUL-free bytes for a ``const char *``; None -> NULL.

    A str is encoded as UTF-8 with ``surrogatepass``: a lone surrogate becomes bytes
    that are not valid UTF-8, which the library reports as invalid argument. Bytes are
    passed as they are (the library checks them). An embedded NUL cannot be passed to
    C at all (it would silently cut the string): InvalidArgumentError.
    """
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")
    if b"\0" in data:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    return data


def _u32(value: int, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not 0 <= number <= _U32_MAX:
        raise InvalidArgumentError(f"{what} is out of range: {number}")
    return number


def _millis(value: Seconds, what: str) -> int:
    """Seconds (int, float or timedelta) -> milliseconds for a ``uint32_t``.

    Rounded to the nearest millisecond, but a positive value never becomes 0. The
    library checks the range it accepts; only values that do not fit ``uint32_t``
    (negative, NaN, infinite, huge) are refused here.
    """
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError(f"{what} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0 or seconds * 1000 > _U32_MAX:
        raise InvalidArgumentError(f"{what} is out of range: {value!r} s")
    ms = int(round(seconds * 1000))
    if ms == 0 and seconds > 0:
        ms = 1
    return ms


def _bool(value: bool, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    return value


def _unless_none(convert: Callable[[Any, str], Any], value: Any, what: str) -> Any:
    """``convert(value, what)``, but None stays None: the library's default."""
    return None if value is None else convert(value, what)


def _extra_headers(value: Union[Text, Mapping[str, str]]) -> Optional[bytes]:
    """A mapping becomes ``k=v,k2=v2``; a str/bytes is passed as it is."""
    if isinstance(value, Mapping):
        if not value:
            return None
        pairs = []
        for key, val in value.items():
            if not isinstance(key, str) or not isinstance(val, str):
                raise TypeError("extra_headers keys and values must be str")
            # These characters cannot be represented in the k=v,k=v form: refusing them
            # is part of the conversion (anything else is left to the library).
            if any(c in key or c in val for c in ",="):
                raise InvalidArgumentError(
                    f"extra_headers: ',' and '=' cannot appear in a key or value ({key!r})"
                )
            pairs.append(f"{key}={val}")
        return _cstr(",".join(pairs), "extra_headers")
    return _cstr(value, "extra_headers")


# --- C objects and results ----------------------------------------------------------

#: ``(setter, C value)`` pairs: what to set on an options or stream-params object.
Settings = List[Tuple[Any, Any]]


def _given(settings: Settings) -> Settings:
    """The settings whose value was given (None leaves the library's default)."""
    return [(setter, value) for setter, value in settings if value is not None]


def _out_string(lib: ctypes.CDLL, fn: Callable[..., int], *args: Any) -> Optional[str]:
    """``fn(*args, &out)`` for a function with a ``char **`` out-parameter: raises on a
    failed code (its last error read first, on this thread), and returns the owned
    string (None if NULL) copied, after freeing it with plivo_string_free()."""
    out = ctypes.c_void_p()
    try:
        _check(lib, fn(*args, ctypes.byref(out)))
    finally:
        text = None
        if out.value:
            try:
                text = ctypes.string_at(out.value).decode("utf-8", "replace")
            finally:
                lib.plivo_string_free(out.value)
    return text


@contextlib.contextmanager
def _configured(
    lib: ctypes.CDLL, new: Callable[[], Any], free: Callable[[Any], None], settings: Settings
) -> Iterator[Any]:
    """A new C object (``new()``) with ``settings`` applied, freed with ``free`` on exit."""
    obj = new()
    if not obj:
        raise _constructor_error(lib)
    try:
        for setter, value in settings:
            _check(lib, setter(obj, value))
        yield obj
    finally:
        free(obj)


@contextlib.contextmanager
def _stream_params(lib: ctypes.CDLL, settings: Settings) -> Iterator[Any]:
    """A PlivoStreamParams with ``settings`` applied, freed on exit; NULL (None) when
    there are none."""
    if not settings:
        yield None
        return
    with _configured(
        lib, lib.plivo_stream_params_new, lib.plivo_stream_params_free, settings
    ) as params:
        yield params


def _json_object(text: Optional[str], what: str) -> Dict[str, Any]:
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{what}: the library returned a body that is not a JSON object")
    return value


def _stream_id(text: Optional[str]) -> str:
    """start_stream's result: PLIVO_OK without a stream id would be a library bug."""
    if text is None:
        raise InvalidResponseError("start_stream: the library returned no stream id")
    return text


# --- public API --------------------------------------------------------------------


def code_name(code: int) -> str:
    """The C name of a result code (``"PLIVO_ERR_NOT_FOUND"``), from the library;
    ``"PLIVO_ERR_UNKNOWN"`` for any other value."""
    name: bytes = load_library().plivo_code_name(_c_int_code(operator.index(code)))
    return name.decode("ascii")


def version() -> str:
    """The loaded library's semantic version, e.g. ``"0.1.0"``."""
    text: bytes = load_library().plivo_version()
    return text.decode("ascii")


def stream_settings(
    lib: Any,
    *,
    bidirectional: Optional[bool],
    audio_track: Optional[Text],
    stream_timeout: Optional[int],
    status_callback_url: Optional[Text],
    status_callback_method: Optional[Text],
    content_type: Optional[Text],
    extra_headers: Optional[Union[Text, Mapping[str, str]]],
    cx_bot: Optional[bool],
) -> Settings:
    """The start parameters that are given, as (setter, C value) pairs, checked and
    converted (shared by :class:`Client` and ``AsyncClient``)."""
    return _given([
        (lib.plivo_stream_params_set_bidirectional,
         _unless_none(_bool, bidirectional, "bidirectional")),
        (lib.plivo_stream_params_set_audio_track, _cstr(audio_track, "audio_track")),
        (lib.plivo_stream_params_set_stream_timeout,
         _unless_none(_u32, stream_timeout, "stream_timeout")),
        (lib.plivo_stream_params_set_status_callback_url,
         _cstr(status_callback_url, "status_callback_url")),
        (lib.plivo_stream_params_set_status_callback_method,
         _cstr(status_callback_method, "status_callback_method")),
        (lib.plivo_stream_params_set_content_type, _cstr(content_type, "content_type")),
        (lib.plivo_stream_params_set_extra_headers,
         None if extra_headers is None else _extra_headers(extra_headers)),
        (lib.plivo_stream_params_set_cx_bot, _unless_none(_bool, cx_bot, "cx_bot")),
    ])


class Client:
    """A Plivo Audio Stream API client (one ``PlivoClient``).

    ``auth_id`` / ``auth_token`` None: read by the library from ``PLIVO_AUTH_ID`` /
    ``PLIVO_AUTH_TOKEN``. ``base_url`` None: ``PLIVO_BASE_URL``, else the real API.
    ``timeout`` and ``connect_timeout`` are in seconds (float, int or timedelta);
    ``max_retries`` counts attempts after the first. ``library`` loads that exact
    libplivo file instead of the one found by :func:`plivo_ffi.load_library`.
    None leaves an option at the library's default. Invalid values raise
    :class:`InvalidArgumentError` (the library decides what is valid).

    Thread-safe: share one client between threads. ``close()`` (or leaving a ``with``
    block) frees it; it is idempotent and waits for calls still running on other
    threads. An unclosed client is freed when garbage-collected. Any call on a closed
    client raises :class:`InvalidArgumentError` (which is also a ``ValueError``) with
    code ``INVALID_ARGUMENT``.
    """

    def __init__(
        self,
        auth_id: Optional[Text] = None,
        auth_token: Optional[Text] = None,
        *,
        base_url: Optional[Text] = None,
        timeout: Optional[Seconds] = None,
        connect_timeout: Optional[Seconds] = None,
        max_retries: Optional[int] = None,
        proxy: Optional[Text] = None,
        ca_file: Optional[Union[Text, "os.PathLike[str]"]] = None,
        allow_insecure_http: bool = False,
        library: Optional[StrPath] = None,
    ) -> None:
        self._closed = True  # until construction succeeds
        lib = load_library(library)

        # Convert everything first: type errors surface before anything is allocated.
        c_id = _cstr(auth_id, "auth_id")
        c_token = _cstr(auth_token, "auth_token")
        option_settings = _given([
            (lib.plivo_options_set_base_url, _cstr(base_url, "base_url")),
            (lib.plivo_options_set_timeout_ms, _unless_none(_millis, timeout, "timeout")),
            (lib.plivo_options_set_connect_timeout_ms,
             _unless_none(_millis, connect_timeout, "connect_timeout")),
            (lib.plivo_options_set_max_retries, _unless_none(_u32, max_retries, "max_retries")),
            (lib.plivo_options_set_proxy, _cstr(proxy, "proxy")),
            (lib.plivo_options_set_ca_file, _cstr(ca_file, "ca_file")),
            # False is the library's default: only True is set.
            (lib.plivo_options_set_allow_insecure_http,
             _bool(allow_insecure_http, "allow_insecure_http") or None),
        ])

        with _configured(
            lib, lib.plivo_options_new, lib.plivo_options_free, option_settings
        ) as options:
            # Logging (see _log): at the level the "plivo_ffi" logger is enabled for now.
            log_callback = _log.install(lib, options)
            ptr = lib.plivo_client_new_with_options(c_id, c_token, options)
            if not ptr:
                raise _constructor_error(lib)

        self._lib = lib
        self._ptr = ptr
        self._cond = threading.Condition(threading.Lock())
        self._busy = 0
        self._closed = False
        # Frees exactly once: on close(), or when the object is collected. Not at
        # interpreter exit (daemon threads may still be inside a call then).
        # The finalizer also holds the log callback, which must outlive the C client.
        self._log_callback = log_callback
        self._finalizer = weakref.finalize(
            self, _log.release, lib.plivo_client_free, ptr, log_callback
        )
        self._finalizer.atexit = False

    # --- lifetime --------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Free the client. Idempotent; waits for calls in progress on other threads."""
        if not hasattr(self, "_cond"):
            return  # construction failed: nothing to free
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._busy:
                self._cond.wait()
        self._finalizer()

    def __enter__(self) -> "Client":
        if self._closed:
            raise InvalidArgumentError("the client is closed")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<plivo_ffi.Client {'closed' if self._closed else 'open'}>"

    @contextlib.contextmanager
    def _held(self) -> Iterator[Any]:
        """The C client, kept from being freed by close() until the block ends."""
        with self._cond:
            if self._closed:
                raise InvalidArgumentError("the client is closed")
            self._busy += 1
        try:
            yield self._ptr
        finally:
            with self._cond:
                self._busy -= 1
                if not self._busy:
                    self._cond.notify_all()

    # --- operations ------------------------------------------------------------------

    def stop_stream(self, call_uuid: Text, stream_uuid: Text) -> None:
        """Stop one stream. :class:`NoActiveStreamError` if it was already stopped."""
        c_call = _cstr(call_uuid, "call_uuid")
        c_stream = _cstr(stream_uuid, "stream_uuid")
        lib = self._lib
        with self._held() as ptr:
            _check(lib, lib.plivo_stop_stream(ptr, c_call, c_stream))

    def stop_all_streams(self, call_uuid: Text) -> None:
        """Stop every stream of a call. :class:`NoActiveStreamError` if it had none."""
        c_call = _cstr(call_uuid, "call_uuid")
        lib = self._lib
        with self._held() as ptr:
            _check(lib, lib.plivo_stop_all_streams(ptr, c_call))

    def start_stream(
        self,
        call_uuid: Text,
        service_url: Text,
        *,
        bidirectional: Optional[bool] = None,
        audio_track: Optional[Text] = None,
        stream_timeout: Optional[int] = None,
        status_callback_url: Optional[Text] = None,
        status_callback_method: Optional[Text] = None,
        content_type: Optional[Text] = None,
        extra_headers: Optional[Union[Text, Mapping[str, str]]] = None,
        cx_bot: Optional[bool] = None,
    ) -> str:
        """Start streaming a call's audio to ``service_url`` (``ws://``/``wss://``).

        Returns the new stream's id. ``stream_timeout`` is in whole seconds (any
        positive number; the API documents no maximum). ``extra_headers`` is a
        ``{"key": "value"}`` mapping or a ``"k1=v1,k2=v2"`` string (keys and values of
        A-Z a-z 0-9, at most 512 bytes). ``cx_bot`` is sent as Plivo's own SDKs send it
        (undocumented). None leaves a parameter at the API's default.
        """
        c_call = _cstr(call_uuid, "call_uuid")
        c_url = _cstr(service_url, "service_url")
        lib = self._lib
        settings = stream_settings(
            lib,
            bidirectional=bidirectional,
            audio_track=audio_track,
            stream_timeout=stream_timeout,
            status_callback_url=status_callback_url,
            status_callback_method=status_callback_method,
            content_type=content_type,
            extra_headers=extra_headers,
            cx_bot=cx_bot,
        )

        with self._held() as ptr, _stream_params(lib, settings) as params:
            text = _out_string(lib, lib.plivo_start_stream, ptr, c_call, c_url, params)
        return _stream_id(text)

    def get_stream(self, call_uuid: Text, stream_uuid: Text) -> Dict[str, Any]:
        """Details of one stream: the API's JSON object, as a dict."""
        c_call = _cstr(call_uuid, "call_uuid")
        c_stream = _cstr(stream_uuid, "stream_uuid")
        lib = self._lib
        with self._held() as ptr:
            body = _out_string(lib, lib.plivo_get_stream, ptr, c_call, c_stream)
        return _json_object(body, "get_stream")

    def list_streams(self, call_uuid: Text) -> Dict[str, Any]:
        """A call's streams: the API's JSON object (``meta``, ``objects``), as a dict."""
        c_call = _cstr(call_uuid, "call_uuid")
        lib = self._lib
        with self._held() as ptr:
            body = _out_string(lib, lib.plivo_list_streams, ptr, c_call)
        return _json_object(body, "list_streams")

    # --- observability ---------------------------------------------------------------

    def stats(self) -> Dict[str, Any]:
        """The client's counters since it was made (``plivo_client_stats``), as a dict:
        ``requests``, ``attempts``, ``retries``, ``in_flight``, ``outcomes`` (code name
        -> count), ``connections`` (``opened``/``reused``/``discarded``) and
        ``latency_us`` (``p50``/``p90``/``p99``/``max``). Never holds a credential."""
        lib = self._lib
        with self._held() as ptr:
            text = _out_string(lib, lib.plivo_client_stats, ptr)
        return _json_object(text, "stats")
