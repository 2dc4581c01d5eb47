"""plivo_ffi: Python binding (ctypes) of libplivo, Plivo's Audio Stream API client.

    import plivo_ffi

    with plivo_ffi.Client() as client:  # PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN
        try:
            client.stop_stream(call_uuid, stream_uuid)
        except plivo_ffi.NoActiveStreamError:
            pass  # already stopped

The shared library is loaded lazily, on first use: see :func:`load_library`.
"""

from ._client import Client, code_name, version
from ._errors import (
    AuthenticationError,
    BadRequestError,
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
    ServerError,
    TransportError,
    error_class_for,
)
from ._lib import ENV_LIBRARY, PlivoLibraryNotFound, library_path, load_library

__version__ = "0.1.0"

__all__ = [
    "Client",
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
    "error_class_for",
]
