"""Issue 17 in Python: AsyncClient on a libplivo completion queue."""

from __future__ import annotations

import asyncio
import ctypes
import os
import select
import socket
import threading
import time
from typing import Any, Awaitable, Callable, Iterator, List, Optional, Tuple

import pytest

import plivo_ffi
from conftest import AUTH_ID, AUTH_TOKEN
from plivo_ffi import Code


def run(coro: Awaitable[Any], timeout: float = 60) -> Any:
    """asyncio.run with a deadline (a broken binding fails the test, never hangs it)
    and no exception left to the loop's handler (e.g. raised in the reader callback)."""
    errors: List[Any] = []

    async def main() -> Any:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: errors.append(ctx))
        return await asyncio.wait_for(coro, timeout)

    result = asyncio.run(main())
    assert errors == [], errors
    return result


@pytest.fixture
def make_async(server):
    """Factory for AsyncClients on the test server (made inside the running loop)."""

    def make(**kwargs: Any) -> plivo_ffi.AsyncClient:
        kwargs.setdefault("base_url", server.base_url)
        kwargs.setdefault("max_retries", 0)
        return plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, **kwargs)

    return make


def outcome(fn: Callable[[], Any]) -> Tuple[str, Any]:
    try:
        return ("ok", fn())
    except plivo_ffi.PlivoError as exc:
        return ("error", exc)


async def aoutcome(coro: Awaitable[Any]) -> Tuple[str, Any]:
    try:
        return ("ok", await coro)
    except plivo_ffi.PlivoError as exc:
        return ("error", exc)


def comparable(result: Tuple[str, Any], call: str = "", other: str = "") -> Any:
    """What must be equal between Client and AsyncClient (api_ids differ per request)."""
    kind, value = result
    if kind == "ok":
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "api_id"}
        return (kind, value)
    message = str(value).replace(other, call)
    if isinstance(value, plivo_ffi.InvalidArgumentError):
        # A refused submit names the C function ("plivo_queue_stop_stream: ...") where
        # the blocking call names the operation and ids ("stop_stream(call_uuid=...):
        # ..."); the reason after it is the same.
        message = message.split(": ", 1)[-1]
    return (kind, type(value), value.code, value.code_name, value.http_status,
            value.api_id is None, message)


# --- same results and exceptions as Client -------------------------------------------


CASES: List[Tuple[str, str, Tuple[Any, ...], dict]] = [
    ("list_streams", "list", ("CALL1",), {}),
    ("get_stream", "get", ("CALL1", "S2"), {}),
    ("get_stream", "get unknown stream", ("CALL1", "NOPE"), {}),
    ("list_streams", "list unknown call", ("NOCALL",), {}),
    ("stop_stream", "stop bad id", ("CALL1", "bad id"), {}),
    ("stop_stream", "stop NUL", ("CALL1", "S\0"), {}),
    ("stop_stream", "stop 503", ("fault-503always-e", "S1"), {}),
    ("stop_stream", "stop 401", ("fault-status401-e", "S1"), {}),
    ("stop_all_streams", "stop all 429", ("fault-429-e",), {}),
    ("get_stream", "get bad json", ("fault-badjson200-e", "S1"), {}),
    ("list_streams", "list reset", ("fault-reset-e",), {}),
    ("start_stream", "start bad url", ("CALL1", "http://x.invalid/"), {}),
    ("start_stream", "start bad track", ("CALL1", "wss://x.invalid/"), {"audio_track": "left"}),
    ("start_stream", "start bad type", ("CALL1", "wss://x.invalid/"), {"stream_timeout": "9"}),
]


@pytest.mark.parametrize("method,label,args,kwargs", CASES, ids=[c[1] for c in CASES])
def test_same_results_and_exceptions_as_client(make_client, make_async, method, label, args,
                                               kwargs):
    client = make_client(max_retries=0)
    try:
        expected = outcome(lambda: getattr(client, method)(*args, **kwargs))
    except TypeError as exc:
        expected = ("type", str(exc))

    async def main() -> Any:
        async with make_async() as aclient:
            try:
                return await aoutcome(getattr(aclient, method)(*args, **kwargs))
            except TypeError as exc:
                return ("type", str(exc))

    got = run(main())
    if expected[0] == "type":
        assert got == expected
    else:
        assert comparable(got) == comparable(expected)


def test_stateful_operations_match_client(server, make_client, make_async):
    for call in ("SYNC", "ASYNC"):
        server.add_call(call, ["A", "B"])
    client = make_client(max_retries=0)
    sync = [
        outcome(lambda: client.stop_stream("SYNC", "A")),
        outcome(lambda: client.stop_stream("SYNC", "A")),
        outcome(lambda: client.stop_all_streams("SYNC")),
        outcome(lambda: client.stop_all_streams("SYNC")),
    ]
    sync_start = client.start_stream("SYNC", "wss://example.invalid/a", bidirectional=True,
                                     extra_headers={"XA": "1"}, stream_timeout=60)

    async def main() -> Any:
        async with make_async() as aclient:
            got = [
                await aoutcome(aclient.stop_stream("ASYNC", "A")),
                await aoutcome(aclient.stop_stream("ASYNC", "A")),
                await aoutcome(aclient.stop_all_streams("ASYNC")),
                await aoutcome(aclient.stop_all_streams("ASYNC")),
            ]
            started = await aclient.start_stream(
                "ASYNC", "wss://example.invalid/a", bidirectional=True,
                extra_headers={"XA": "1"}, stream_timeout=60)
            detail = await aclient.get_stream("ASYNC", started)
            return got, started, detail

    got, async_start, detail = run(main())
    assert [comparable(r, "SYNC", "ASYNC") for r in got] == [comparable(r) for r in sync]
    assert [r[0] for r in got] == ["ok", "error", "ok", "error"]
    assert got[0][1] is None and isinstance(got[1][1], plivo_ffi.NoActiveStreamError)
    assert isinstance(async_start, str) and async_start and async_start != sync_start
    assert detail["stream_id"] == async_start and detail["bidirectional"] is True
    bodies = [r["body"] for r in server.requests() if r["method"] == "POST"]
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same JSON sent


def test_async_with_returns_the_client_and_close_is_idempotent(make_async):
    async def main() -> None:
        aclient = make_async()
        async with aclient as entered:
            assert entered is aclient
            assert not aclient.closed
        assert aclient.closed
        await aclient.close()
        with pytest.raises(plivo_ffi.InvalidArgumentError, match="closed"):
            await aclient.stop_stream("CALL1", "S1")
        with pytest.raises(plivo_ffi.InvalidArgumentError):
            async with aclient:
                pass

    run(main())


def test_constructor_errors(server):
    with pytest.raises(plivo_ffi.InvalidArgumentError):
        plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, base_url=server.base_url, max_in_flight=1025)
    with pytest.raises(plivo_ffi.InvalidArgumentError):
        plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, base_url="ftp://x/")
    with pytest.raises(TypeError):
        plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, no_such_option=1)
    assert plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, base_url=server.base_url,
                                 max_in_flight=0).max_in_flight == 64


# --- many at once ------------------------------------------------------------------


def test_gather_500_stops_with_max_in_flight_8(server, make_async):
    streams = [f"S{i}" for i in range(500)]
    server.add_call("BIG", streams)
    server.clear_requests()
    peak = 0

    async def main() -> List[Any]:
        nonlocal peak
        async with make_async(max_in_flight=8) as aclient:
            lib, queue = aclient._lib, aclient._queue

            async def watch() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, lib.plivo_queue_pending(queue))
                    await asyncio.sleep(0)

            watcher = asyncio.ensure_future(watch())
            try:
                return await asyncio.gather(*(aclient.stop_stream("BIG", s) for s in streams))
            finally:
                watcher.cancel()

    t0 = time.monotonic()
    results = run(main())
    assert results == [None] * 500
    assert 2 <= peak <= 8
    paths = sorted(r["path"] for r in server.requests())
    assert paths == sorted(server.path("BIG", s) for s in streams)
    assert time.monotonic() - t0 < 60


def test_mixed_outcomes_one_result_each(server, make_async):
    async def main() -> List[Any]:
        async with make_async(max_in_flight=4) as aclient:
            coros = []
            for i in range(60):
                kind = i % 3
                if kind == 0:
                    coros.append(aoutcome(aclient.list_streams("CALL1")))
                elif kind == 1:
                    coros.append(aoutcome(aclient.get_stream("CALL1", "NOPE")))
                else:
                    coros.append(aoutcome(aclient.stop_stream("fault-status400-m", "S")))
            results = await asyncio.gather(*coros)
            assert aclient._futures == {} and aclient._free == 4
            return results

    results = run(main())
    for i, (kind, value) in enumerate(results):
        if i % 3 == 0:
            assert kind == "ok" and value["meta"]["total_count"] == 2
        elif i % 3 == 1:
            assert isinstance(value, plivo_ffi.NotFoundError)
        else:
            assert isinstance(value, plivo_ffi.BadRequestError) and value.http_status == 400


# --- cancellation ------------------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A hand-made loopback server that accepts and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1/"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


@pytest.mark.parametrize("where", ["bundled stall", "silent socket"])
def test_cancel_in_flight(where, server, silent_server, make_async):
    base = server.base_url if where == "bundled stall" else silent_server

    async def main() -> Tuple[float, Any]:
        async with make_async(base_url=base, timeout=30, max_in_flight=2) as aclient:
            task = asyncio.ensure_future(aclient.stop_stream("fault-stall-c", "S1"))
            await asyncio.sleep(0.3)  # the exchange is under way
            assert not task.done()
            t0 = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            elapsed = time.monotonic() - t0
            # The library cancelled it too: its CANCELLED result comes back and frees
            # the slot well before the 30 s deadline.
            deadline = time.monotonic() + 1.0
            while aclient._free < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            freed_after = time.monotonic() - t0
            assert aclient._free == 2 and aclient._futures == {}
            return elapsed, freed_after, aclient.stats()

    elapsed, freed_after, stats = run(main())
    assert elapsed < 0.1
    assert freed_after < 0.3
    assert stats["outcomes"] == {"PLIVO_ERR_CANCELLED": 1}
    assert stats["connections"]["discarded"] == 1


def test_cancel_pending_waiting_for_a_slot(server, make_async):
    async def main() -> Any:
        async with make_async(timeout=30, max_in_flight=1) as aclient:
            first = asyncio.ensure_future(aclient.stop_stream("fault-stall-p1", "S1"))
            second = asyncio.ensure_future(aclient.stop_stream("fault-stall-p2", "S1"))
            await asyncio.sleep(0.3)
            assert len(aclient._waiters) == 1
            t0 = time.monotonic()
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            elapsed = time.monotonic() - t0
            assert len(aclient._waiters) == 0
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            # The slot comes back, and the next call runs.
            assert await aclient.list_streams("CALL1")
            return elapsed

    assert run(main()) < 0.1
    paths = [r["path"] for r in server.requests()]
    assert server.path("fault-stall-p2", "S1") not in paths  # never sent
    assert server.path("fault-stall-p1", "S1") in paths


def test_cancel_when_the_result_is_already_waiting(make_async):
    """Cancelled after completion, before the loop took the result: the completed
    result is taken and dropped, the slot comes back."""

    async def main() -> Any:
        async with make_async(max_in_flight=1) as aclient:
            lib, queue = aclient._lib, aclient._queue
            task = asyncio.ensure_future(aclient.list_streams("CALL1"))
            await asyncio.sleep(0)  # the task submits and awaits its future
            assert len(aclient._futures) == 1
            # Block the loop until the result waits in the queue (fd readable).
            readable, _, _ = select.select([aclient._fd], [], [], 5)
            assert readable
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.05)
            assert aclient._free == 1 and aclient._futures == {}
            assert lib.plivo_queue_pending(queue) == 0
            stats = aclient.stats()
            assert (await aclient.list_streams("CALL1"))["meta"]["total_count"] == 2
            return stats

    assert run(main())["outcomes"] == {"PLIVO_OK": 1}


def test_cancel_just_as_a_slot_is_handed_over(make_async):
    """A waiter handed a slot and cancelled before it ran gives the slot back."""

    async def main() -> None:
        async with make_async(max_in_flight=1) as aclient:
            first = asyncio.ensure_future(aclient.list_streams("CALL1"))
            second = asyncio.ensure_future(aclient.list_streams("CALL1"))
            await asyncio.sleep(0)
            assert len(aclient._futures) == 1 and len(aclient._waiters) == 1
            readable, _, _ = select.select([aclient._fd], [], [], 5)
            assert readable
            aclient._drain()  # what the reader does: the slot goes to the waiter...
            second.cancel()  # ...which is cancelled before it runs
            with pytest.raises(asyncio.CancelledError):
                await second
            assert (await first)["meta"]["total_count"] == 2
            assert aclient._free == 1 and not aclient._waiters
            assert (await aclient.list_streams("CALL1"))["meta"]["total_count"] == 2

    run(main())


def test_close_with_requests_in_flight(server, make_async):
    async def main() -> Any:
        aclient = make_async(timeout=30, max_in_flight=2)
        running = [asyncio.ensure_future(aclient.stop_stream(f"fault-stall-x{i}", "S"))
                   for i in range(2)]
        waiting = asyncio.ensure_future(aclient.list_streams("CALL1"))
        await asyncio.sleep(0.3)
        t0 = time.monotonic()
        await aclient.close()
        took = time.monotonic() - t0
        outcomes = await asyncio.gather(*running, waiting, return_exceptions=True)
        return took, outcomes

    took, outcomes = run(main())
    assert took < 0.5
    assert [type(o) for o in outcomes] == [
        plivo_ffi.RequestCancelledError, plivo_ffi.RequestCancelledError,
        plivo_ffi.InvalidArgumentError,
    ]
    assert outcomes[0].code == Code.CANCELLED == 14
    assert outcomes[0].code_name == "PLIVO_ERR_CANCELLED"


def test_bound_to_one_loop(make_async):
    aclient = make_async()

    async def use() -> None:
        await aclient.list_streams("CALL1")

    run(use())
    with pytest.raises(RuntimeError, match="another event loop"):
        run(use())
    run(aclient.close())


# --- the new codes -----------------------------------------------------------------


def test_busy_and_cancelled_classes():
    for cls, code, name in ((plivo_ffi.BusyError, 13, "PLIVO_ERR_BUSY"),
                            (plivo_ffi.RequestCancelledError, 14, "PLIVO_ERR_CANCELLED")):
        assert issubclass(cls, plivo_ffi.PlivoError)
        assert cls.default_code == code and plivo_ffi.error_class_for(code) is cls
        err = cls("m")
        assert (err.code, err.code_name) == (code, name) == (code, plivo_ffi.code_name(code))
        assert name in plivo_ffi.__all__ or cls.__name__ in plivo_ffi.__all__
        assert getattr(plivo_ffi, cls.__name__) is cls


def test_busy_from_the_library_maps_to_busy_error(server, make_client):
    """Straight on the C queue: the code AsyncClient's slots keep from the user."""
    from plivo_ffi._errors import _last_error

    client = make_client(timeout=30)
    lib = client._lib
    queue = lib.plivo_queue_new(client._ptr, 1)
    assert queue
    try:
        assert lib.plivo_queue_stop_stream(queue, b"fault-stall-b", b"S", 1) == 0
        code = lib.plivo_queue_stop_stream(queue, b"CALL1", b"S1", 2)
        assert code == 13
        err = _last_error(lib, code)
        assert type(err) is plivo_ffi.BusyError and err.code == 13
        assert lib.plivo_queue_cancel(queue, 1) == 0
        result = lib.plivo_queue_wait(queue, 1000)
        assert result
        try:
            assert lib.plivo_result_code(result) == 14
            assert lib.plivo_result_tag(result) == 1
        finally:
            lib.plivo_result_free(result)
    finally:
        lib.plivo_queue_free(queue)


# --- fork --------------------------------------------------------------------------


def _in_child(fn: Callable[[], None]) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            fn()
            status = 0
        except BaseException as exc:
            os.write(2, f"child failed: {exc!r}\n".encode())
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork()")
def test_client_made_before_fork_works_in_the_child(server, make_client, make_async):
    server.add_call("FORK", ["P", "C1", "C2"])
    client = make_client(max_retries=0)
    client.stop_stream("FORK", "P")  # the parent has a pooled connection now
    aclient = make_async()
    run(aclient.list_streams("CALL1"))  # and a queue bound to a (finished) loop

    def child() -> None:
        client.stop_stream("FORK", "C1")
        assert client.list_streams("FORK")["meta"]["total_count"] == 3
        try:
            run(aclient.list_streams("CALL1"))
        except plivo_ffi.InvalidArgumentError as exc:
            assert "belongs to process" in str(exc)
        else:
            raise AssertionError("the inherited AsyncClient worked in the child")

        async def fresh() -> None:
            async with plivo_ffi.AsyncClient(AUTH_ID, AUTH_TOKEN, base_url=server.base_url) as a:
                await a.stop_stream("FORK", "C2")

        run(fresh())

    assert _in_child(child) == 0
    # The parent goes on, on its own connection.
    with pytest.raises(plivo_ffi.NoActiveStreamError):
        client.stop_stream("FORK", "C1")
    detail = client.get_stream("FORK", "C2")
    assert detail["status"] == "Stopped"
    conns = {r["conn"] for r in server.requests() if "/FORK/" in r["path"]}
    assert len(conns) >= 2  # the child never used the parent's connection
    run(aclient.close())


# --- the example -------------------------------------------------------------------


def test_async_stop_example(server):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "async_stop.py"
    streams = [f"E{i}" for i in range(300)]
    server.add_call("EXAMPLE", streams)
    server.clear_requests()
    env = dict(os.environ, PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=AUTH_TOKEN,
               PLIVO_BASE_URL=server.base_url)

    def example_run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(example), "--max-in-flight", "16",
                               "EXAMPLE", *args],
                              env=env, capture_output=True, text=True, timeout=120)
        assert (proc.returncode, proc.stderr) == (0, "")
        return proc.stdout

    assert example_run(*streams).startswith("stopped=300 already_stopped=0 failed=0 "
                                            "requests=300 ")
    assert example_run(*streams[:50]).startswith("stopped=0 already_stopped=50 failed=0 ")
    assert len(server.requests()) == 350
