"""plivo_ffi: Python binding (ctypes) of libplivo, Plivo's Audio Stream API client.

    import plivo_ffi

    with plivo_ffi.Client() as client:  # PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN
        try:
            client.stop_stream(call_uuid, stream_uuid)
        except plivo_ffi.NoActiveStreamError:
            pass  # already stopped

    async with plivo_ffi.AsyncClient() as client:  # the same, on asyncio
        await client.stop_stream(call_uuid, stream_uuid)

Log lines go to ``logging.getLogger("plivo_ffi")``; ``Client.stats()`` returns the
client's counters.

The shared library is loaded lazily, on first use: see :func:`load_library`.
"""

from ._async import AsyncClient
from ._client import Client, code_name, version
from ._errors import (
    AuthenticationError,
    BadRequestError,
    BusyError,
    Code,
    HttpStatusError,
    InternalError,
    InvalidArgumentError,
    InvalidResponseError,
    NoActiveStreamError,
    NotFoundError,
    PlivoError,
    PlivoTimeoutError,
    RateLimitedError,
    RequestCancelledError,
    ServerError,
    TransportError,
    error_class_for,
)
from ._lib import ENV_LIBRARY, PlivoLibraryNotFound, library_path, load_library

__version__ = "0.1.0"

__all__ = [
    "Client",
    "AsyncClient",
    "Code",
    "code_name",
    "version",
    "load_library",
    "library_path",
    "ENV_LIBRARY",
    "PlivoLibraryNotFound",
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
