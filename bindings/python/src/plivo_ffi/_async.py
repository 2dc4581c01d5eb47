"""AsyncClient: the asyncio face of Client, on one libplivo completion queue.

One ``PlivoQueue`` per AsyncClient; its descriptor is watched with ``loop.add_reader``
(level-triggered: readable exactly while results wait), results are drained with
``plivo_queue_next`` and resolve the future of their tag. No thread per call: the
requests run on the queue's own worker threads, inside the library.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import weakref
from typing import Any, Callable, Deque, Dict, Mapping, Optional, Tuple, Union

from . import _log
from ._client import (
    Client,
    Text,
    _cstr,
    _json_object,
    _stream_id,
    _stream_params,
    _u32,
    stream_settings,
)
from ._errors import (
    Code,
    InvalidArgumentError,
    RequestCancelledError,
    _check,
    _constructor_error,
    _decode,
    _library_error,
)

__all__ = ["AsyncClient"]

# (code, http_status, message, api_id, body) of one result, copied out of C.
_Outcome = Tuple[int, int, Optional[str], Optional[str], Optional[str]]


class AsyncClient:
    """The asyncio face of :class:`Client`: the same five operations as coroutines,
    with the same arguments, return values and exceptions.

    ``AsyncClient(auth_id=None, auth_token=None, *, max_in_flight=64, **options)``:
    ``options`` are :class:`Client`'s keywords (``base_url``, ``timeout``,
    ``max_retries``, ``library``, ...). At most ``max_in_flight`` (1–1024; 0 means 64)
    requests run at once; a call beyond that waits for a free slot, so
    ``asyncio.gather`` of thousands of calls just works.

    Use it from one event loop (the first call binds it to the running loop), with
    ``async with`` or ``await client.close()``. Cancelling a task awaiting a call
    cancels the request in the library (an exchange under way is abandoned and its
    connection closed) and raises :class:`asyncio.CancelledError` in the task; the
    request may or may not have reached the server. Closing the client with requests
    in flight makes them raise :class:`RequestCancelledError`; calls after ``close()``
    raise :class:`InvalidArgumentError`.

    Processes: an AsyncClient belongs to the process that made it. After ``fork()``,
    make a new one in the child (calls on the inherited one raise
    :class:`InvalidArgumentError`). Not thread-safe: use it on its loop's thread.
    """

    def __init__(
        self,
        auth_id: Optional[Text] = None,
        auth_token: Optional[Text] = None,
        *,
        max_in_flight: int = 64,
        **options: Any,
    ) -> None:
        self._closed = True  # until construction succeeds
        slots = _u32(max_in_flight, "max_in_flight")
        client = Client(auth_id, auth_token, **options)
        lib = client._lib
        queue = lib.plivo_queue_new(client._ptr, slots)
        if not queue:
            error = _constructor_error(lib)
            client.close()
            raise error
        self._client = client
        self._lib = lib
        self._queue = queue
        self._pid = os.getpid()
        self._slots = slots or 64  # the library's default for 0
        self._free = self._slots
        self._waiters: Deque["asyncio.Future[None]"] = collections.deque()
        self._futures: Dict[int, "asyncio.Future[_Outcome]"] = {}
        self._tags = itertools.count(1)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._fd = -1
        self._closed = False
        # Frees the queue exactly once (close(), or collection). It holds the log
        # callback too: the queue keeps the C client, which calls it, alive.
        self._finalizer = weakref.finalize(
            self, _log.release, lib.plivo_queue_free, queue, client._log_callback
        )
        self._finalizer.atexit = False

    # --- lifetime --------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def max_in_flight(self) -> int:
        """How many requests may run at once."""
        return self._slots

    async def close(self) -> None:
        """Free the client. Idempotent. Requests still in flight are cancelled in the
        library and raise :class:`RequestCancelledError` in their callers; calls
        waiting for a slot raise :class:`InvalidArgumentError`. May block the loop
        for up to about 200 ms while the library ends the queue's threads."""
        if self._closed:
            return
        self._closed = True
        loop, self._loop = self._loop, None
        if loop is not None and os.getpid() == self._pid and not loop.is_closed():
            loop.remove_reader(self._fd)
        self._finalizer()  # plivo_queue_free: pending requests go with the queue
        futures, self._futures = self._futures, {}
        for fut in futures.values():
            if not fut.done():
                fut.set_exception(
                    RequestCancelledError(
                        "the AsyncClient was closed with this request in flight "
                        "(it may or may not have reached the server)"
                    )
                )
        waiters, self._waiters = self._waiters, collections.deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(InvalidArgumentError("the client is closed"))
        self._client.close()

    async def __aenter__(self) -> "AsyncClient":
        if self._closed:
            raise InvalidArgumentError("the client is closed")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"open, {len(self._futures)} in flight"
        return f"<plivo_ffi.AsyncClient {state}>"

    def stats(self) -> Dict[str, Any]:
        """The counters of the underlying client, as :meth:`Client.stats`."""
        return self._client.stats()

    # --- the queue -------------------------------------------------------------------

    def _bind(self) -> asyncio.AbstractEventLoop:
        """The running loop, registering the queue's descriptor on first use."""
        if self._closed:
            raise InvalidArgumentError("the client is closed")
        if os.getpid() != self._pid:
            raise InvalidArgumentError(
                f"this AsyncClient belongs to process {self._pid} (it was made before "
                "fork()): make a new AsyncClient in this process"
            )
        loop = asyncio.get_running_loop()
        if self._loop is None:
            fd = self._lib.plivo_queue_fd(self._queue)
            if fd < 0:
                raise InvalidArgumentError("the completion queue has no descriptor")
            loop.add_reader(fd, self._drain)
            self._loop, self._fd = loop, fd
        elif loop is not self._loop:
            raise RuntimeError("this AsyncClient is bound to another event loop")
        return loop

    async def _acquire(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter: "asyncio.Future[None]" = loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over as we were cancelled
            raise
        finally:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes straight to this waiter
                return
        self._free += 1

    def _drain(self) -> None:
        """Reader callback: take every waiting result and resolve its future."""
        lib, queue = self._lib, self._queue
        while not self._closed:
            result = lib.plivo_queue_next(queue)
            if not result:
                return
            try:
                tag = lib.plivo_result_tag(result)
                outcome: _Outcome = (
                    lib.plivo_result_code(result),
                    lib.plivo_result_http_status(result),
                    _decode(lib.plivo_result_message(result)),
                    _decode(lib.plivo_result_api_id(result)),
                    _decode(lib.plivo_result_body(result)),
                )
            finally:
                lib.plivo_result_free(result)
            self._release()
            fut = self._futures.pop(tag, None)
            # None or cancelled: the caller was cancelled; its result is dropped here.
            if fut is not None and not fut.done():
                fut.set_result(outcome)

    async def _request(self, submit: Callable[..., int], *args: Any) -> Optional[str]:
        """Submit with a fresh tag once a slot is free; the result's body, or raise."""
        loop = self._bind()
        await self._acquire(loop)
        try:
            if self._closed:
                raise InvalidArgumentError("the client is closed")
            tag = next(self._tags)
            # Its last error is read on this thread, right after the call.
            _check(self._lib, submit(self._queue, *args, tag))
        except BaseException:
            self._release()
            raise
        fut: "asyncio.Future[_Outcome]" = loop.create_future()
        self._futures[tag] = fut
        try:
            code, status, message, api_id, body = await fut
        except asyncio.CancelledError:
            if self._futures.get(tag) is fut:  # its result not taken yet
                # Its CANCELLED result (or a completed one) is dropped by _drain.
                self._lib.plivo_queue_cancel(self._queue, tag)
            raise
        if code != Code.OK:
            raise _library_error(self._lib, code, message, status, api_id)
        return body

    # --- operations ------------------------------------------------------------------

    async def stop_stream(self, call_uuid: Text, stream_uuid: Text) -> None:
        """Stop one stream. :class:`NoActiveStreamError` if it was already stopped."""
        c_call = _cstr(call_uuid, "call_uuid")
        c_stream = _cstr(stream_uuid, "stream_uuid")
        await self._request(self._lib.plivo_queue_stop_stream, c_call, c_stream)

    async def stop_all_streams(self, call_uuid: Text) -> None:
        """Stop every stream of a call. :class:`NoActiveStreamError` if it had none."""
        c_call = _cstr(call_uuid, "call_uuid")
        await self._request(self._lib.plivo_queue_stop_all_streams, c_call)

    async def start_stream(
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
        """As :meth:`Client.start_stream`: the new stream's id."""
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
        if self._closed:
            raise InvalidArgumentError("the client is closed")

        def submit(queue: Any, call: Any, url: Any, tag: int) -> int:
            # Runs once a slot is free; the params are copied by the submit.
            with _stream_params(lib, settings) as params:
                return lib.plivo_queue_start_stream(queue, call, url, params, tag)

        return _stream_id(await self._request(submit, c_call, c_url))

    async def get_stream(self, call_uuid: Text, stream_uuid: Text) -> Dict[str, Any]:
        """Details of one stream: the API's JSON object, as a dict."""
        c_call = _cstr(call_uuid, "call_uuid")
        c_stream = _cstr(stream_uuid, "stream_uuid")
        body = await self._request(self._lib.plivo_queue_get_stream, c_call, c_stream)
        return _json_object(body, "get_stream")

    async def list_streams(self, call_uuid: Text) -> Dict[str, Any]:
        """A call's streams: the API's JSON object (``meta``, ``objects``), as a dict."""
        c_call = _cstr(call_uuid, "call_uuid")
        body = await self._request(self._lib.plivo_queue_list_streams, c_call)
        return _json_object(body, "list_streams")

