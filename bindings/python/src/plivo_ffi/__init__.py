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

from . import _errors, _lib
from ._async import AsyncClient
from ._client import Client, code_name, version
from ._errors import *  # noqa: F403 (the codes and exceptions: _errors.__all__)
from ._lib import *  # noqa: F403 (loading the library: _lib.__all__)

__version__ = "0.1.0"

__all__ = ["Client", "AsyncClient", "code_name", "version", *_lib.__all__, *_errors.__all__]
