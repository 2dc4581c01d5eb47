"""Result codes and the exception hierarchy."""

from __future__ import annotations

import ctypes
import enum
from typing import Any, Dict, Optional, Tuple, Type

__all__ = [
    "Code",
    "PlivoError",
    "InvalidArgumentError",
    "NoActiveStreamError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "HttpStatusError",
    "PlivoTimeoutError",
    "TransportError",
    "InvalidResponseError",
    "InternalError",
    "BusyError",
    "RequestCancelledError",
    "error_class_for",
]


class Code(enum.IntEnum):
    """``PlivoCode``: the library's result codes. The numbers are stable."""

    OK = 0
    INVALID_ARGUMENT = 1
    NO_ACTIVE_STREAM = 2
    BAD_REQUEST = 3
    AUTHENTICATION = 4
    NOT_FOUND = 5
    RATE_LIMITED = 6
    SERVER = 7
    HTTP = 8
    TIMEOUT = 9
    TRANSPORT = 10
    INVALID_RESPONSE = 11
    INTERNAL = 12
    BUSY = 13
    CANCELLED = 14

    @property
    def c_name(self) -> str:
        """The C spelling, e.g. ``PLIVO_ERR_NO_ACTIVE_STREAM`` (no library needed)."""
        return "PLIVO_OK" if self is Code.OK else f"PLIVO_ERR_{self.name}"


def _c_name(code: int) -> str:
    try:
        return Code(code).c_name
    except ValueError:
        return "PLIVO_ERR_UNKNOWN"


class PlivoError(Exception):
    """A libplivo call failed.

    Attributes:
        code: the ``PlivoCode`` (an int; a :class:`Code` when known).
        code_name: its C name, e.g. ``"PLIVO_ERR_NO_ACTIVE_STREAM"``
            (``"PLIVO_ERR_UNKNOWN"`` for a code this binding does not know).
        http_status: the status of the last HTTP response, or None when none was
            received (invalid argument, connect failure, timeout...).
        api_id: the ``api_id`` of the response body, or None.
        message: the library's message (``str(exc)``); never contains the auth token.
    """

    #: The code this class stands for (PlivoError itself: any/unknown code).
    default_code: int = -1

    def __init__(
        self,
        message: str,
        code: Optional[int] = None,
        http_status: Optional[int] = None,
        api_id: Optional[str] = None,
        code_name: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        if code is None:
            code = self.default_code
        try:
            code = Code(code)
        except ValueError:
            pass
        self.code: int = code
        self.code_name: str = code_name if code_name is not None else _c_name(code)
        self.http_status: Optional[int] = http_status or None
        self.api_id: Optional[str] = api_id
        self.message: str = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={int(self.code)}, "
            f"code_name={self.code_name!r}, http_status={self.http_status!r}, "
            f"api_id={self.api_id!r})"
        )

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (
            type(self),
            (self.message, int(self.code), self.http_status, self.api_id, self.code_name),
        )


class InvalidArgumentError(PlivoError, ValueError):
    """``PLIVO_ERR_INVALID_ARGUMENT``: bad argument, credentials or option; nothing sent.

    Also a :class:`ValueError`. Raised too for values that cannot be handed to C at
    all (a string with a NUL character, a number outside ``uint32_t``) and for use of
    a closed :class:`Client`.
    """

    default_code = Code.INVALID_ARGUMENT


class NoActiveStreamError(PlivoError):
    """``PLIVO_ERR_NO_ACTIVE_STREAM``: HTTP 400 "No active stream found" (already stopped)."""

    default_code = Code.NO_ACTIVE_STREAM


class BadRequestError(PlivoError):
    """``PLIVO_ERR_BAD_REQUEST``: any other HTTP 400."""

    default_code = Code.BAD_REQUEST


class AuthenticationError(PlivoError):
    """``PLIVO_ERR_AUTHENTICATION``: HTTP 401 or 403."""

    default_code = Code.AUTHENTICATION


class NotFoundError(PlivoError):
    """``PLIVO_ERR_NOT_FOUND``: HTTP 404, unknown call or stream."""

    default_code = Code.NOT_FOUND


class RateLimitedError(PlivoError):
    """``PLIVO_ERR_RATE_LIMITED``: HTTP 429 after retries."""

    default_code = Code.RATE_LIMITED


class ServerError(PlivoError):
    """``PLIVO_ERR_SERVER``: HTTP 5xx after retries."""

    default_code = Code.SERVER


class HttpStatusError(PlivoError):
    """``PLIVO_ERR_HTTP``: any other status (3xx, 405, other 4xx)."""

    default_code = Code.HTTP


class PlivoTimeoutError(PlivoError):
    """``PLIVO_ERR_TIMEOUT``: the call's deadline passed."""

    default_code = Code.TIMEOUT


class TransportError(PlivoError):
    """``PLIVO_ERR_TRANSPORT``: DNS, connect, TLS, reset or truncated response."""

    default_code = Code.TRANSPORT


class InvalidResponseError(PlivoError):
    """``PLIVO_ERR_INVALID_RESPONSE``: not HTTP, unexpected 2xx body, or over 1 MiB."""

    default_code = Code.INVALID_RESPONSE


class InternalError(PlivoError):
    """``PLIVO_ERR_INTERNAL``: a bug in libplivo (a caught panic)."""

    default_code = Code.INTERNAL


class BusyError(PlivoError):
    """``PLIVO_ERR_BUSY``: a completion queue already held ``max_in_flight`` pending
    requests; nothing was queued. :class:`AsyncClient` waits for a free slot instead,
    so it does not raise this in normal use."""

    default_code = Code.BUSY


class RequestCancelledError(PlivoError):
    """``PLIVO_ERR_CANCELLED``: a queued request was cancelled; it may or may not have
    reached the server. :class:`AsyncClient` raises it for requests still in flight
    when the client is closed (a cancelled *task* gets ``asyncio.CancelledError``)."""

    default_code = Code.CANCELLED


_BY_CODE: Dict[int, Type[PlivoError]] = {
    cls.default_code: cls
    for cls in (
        InvalidArgumentError,
        NoActiveStreamError,
        BadRequestError,
        AuthenticationError,
        NotFoundError,
        RateLimitedError,
        ServerError,
        HttpStatusError,
        PlivoTimeoutError,
        TransportError,
        InvalidResponseError,
        InternalError,
        BusyError,
        RequestCancelledError,
    )
}


def error_class_for(code: int) -> Type[PlivoError]:
    """The exception class raised for ``code`` (:class:`PlivoError` when unknown)."""
    return _BY_CODE.get(int(code), PlivoError)


# --- a failed call's exception, from the library --------------------------------------
# Here, below every module that raises them: _client and _log both need these, and
# neither may import the other back.

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _c_int_code(code: int) -> int:
    """``code`` as a C ``int`` argument: -1 (certainly not a code) when it does not fit."""
    return code if _INT_MIN <= code <= _INT_MAX else -1


def _decode(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def _library_error(
    lib: ctypes.CDLL,
    code: int,
    message: Optional[str],
    http_status: int,
    api_id: Optional[str],
) -> PlivoError:
    """The exception for a failed ``code`` with these details (the thread's last error,
    or a queue result's); without a message, one naming the code."""
    name = _decode(lib.plivo_code_name(_c_int_code(code))) or ""
    if not message:
        message = f"libplivo call failed: {name}"
    return error_class_for(code)(message, code, http_status or None, api_id, name)


def _last_error(lib: ctypes.CDLL, code: int) -> PlivoError:
    """The exception for ``code``, with the calling thread's last-error details.

    Must run on the thread that made the failing call, before any other fallible
    ``plivo_*`` call on it.
    """
    message = _decode(lib.plivo_last_error())
    http_status = lib.plivo_last_http_status()
    api_id = _decode(lib.plivo_last_api_id())
    return _library_error(lib, code, message, http_status, api_id)


def _check(lib: ctypes.CDLL, code: int) -> None:
    if code != Code.OK:
        raise _last_error(lib, code)


def _constructor_error(lib: ctypes.CDLL) -> PlivoError:
    """The exception for a constructor that returned NULL (INTERNAL if it set no code)."""
    code = lib.plivo_last_error_code()
    return _last_error(lib, code if code != Code.OK else Code.INTERNAL)
