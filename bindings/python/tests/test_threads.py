"""One client shared between threads; the last error is per thread."""

from __future__ import annotations

import ctypes
import threading
from typing import List

import pytest

import plivo_ffi
from plivo_ffi import AuthenticationError, Code, NotFoundError

THREADS = 8
STOPS_PER_THREAD = 120


def test_eight_threads_share_one_client(server, client):
    streams = [f"t{t}s{i}" for t in range(THREADS) for i in range(STOPS_PER_THREAD)]
    server.add_call("BUSY", streams)
    barrier = threading.Barrier(THREADS)
    done: List[int] = [0] * THREADS
    failures: List[BaseException] = []

    def work(t: int) -> None:
        try:
            barrier.wait()
            for i in range(STOPS_PER_THREAD):
                client.stop_stream("BUSY", f"t{t}s{i}")
                done[t] += 1
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    assert done == [STOPS_PER_THREAD] * THREADS
    reqs = server.requests()
    assert len(reqs) == THREADS * STOPS_PER_THREAD
    assert sorted(r["path"] for r in reqs) == sorted(server.path("BUSY", s) for s in streams)
    # Every stream is now stopped: stopping all of them finds none active.
    with pytest.raises(plivo_ffi.NoActiveStreamError):
        client.stop_all_streams("BUSY")


def test_two_threads_see_their_own_errors(client):
    """Calls of two threads interleave; each exception carries its own call's details."""
    rounds = 50
    barrier = threading.Barrier(2)
    results = {"auth": [], "missing": []}
    failures: List[BaseException] = []

    def work(kind: str) -> None:
        try:
            for _ in range(rounds):
                barrier.wait()
                try:
                    if kind == "auth":
                        client.stop_stream("fault-status403-x", "S1")
                    else:
                        client.stop_stream("NOSUCHCALL", "S1")
                except plivo_ffi.PlivoError as exc:
                    results[kind].append(exc)
        except BaseException as exc:
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(k,)) for k in results]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    assert len(results["auth"]) == rounds and len(results["missing"]) == rounds
    for err in results["auth"]:
        assert type(err) is AuthenticationError and err.http_status == 403
        assert "fault-status403-x" in err.message
    for err in results["missing"]:
        assert type(err) is NotFoundError and err.http_status == 404
        assert "NOSUCHCALL" in err.message
    assert len({e.api_id for e in results["auth"] + results["missing"]}) == 2 * rounds


def test_raw_last_error_state_is_per_thread(server, client):
    """The library's own state, read after the other thread's call completed."""
    lib = plivo_ffi.load_library()
    ptr = client._ptr
    barrier = threading.Barrier(2)
    seen = {}

    def a() -> None:
        code = lib.plivo_stop_stream(ptr, b"fault-status403-x", b"S1")
        barrier.wait()  # A's call is done
        barrier.wait()  # B's call is done
        seen["a"] = (code, lib.plivo_last_error_code(), lib.plivo_last_http_status(),
                     lib.plivo_last_error())

    def b() -> None:
        barrier.wait()
        code = lib.plivo_stop_stream(ptr, b"CALL1", b"S1")  # success clears B's state
        barrier.wait()
        seen["b"] = (code, lib.plivo_last_error_code(), lib.plivo_last_http_status(),
                     lib.plivo_last_error())

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    code, last, status, message = seen["a"]
    assert code == last == Code.AUTHENTICATION and status == 403
    assert message is not None and b"403" in message
    assert seen["b"] == (Code.OK, Code.OK, 204, None)


def test_string_free_and_readers_do_not_touch_last_error(client):
    lib = plivo_ffi.load_library()
    assert lib.plivo_stop_stream(client._ptr, b"bad id", b"S1") == Code.INVALID_ARGUMENT
    lib.plivo_string_free(None)
    lib.plivo_code_name(3)
    lib.plivo_version()
    lib.plivo_client_free(None)
    lib.plivo_options_free(None)
    lib.plivo_stream_params_free(None)
    assert lib.plivo_last_error_code() == Code.INVALID_ARGUMENT
    assert lib.plivo_last_error() is not None


def test_char_out_parameter_is_null_on_failure(client):
    lib = plivo_ffi.load_library()
    out = ctypes.c_void_p(12345)  # garbage the library must overwrite with NULL
    code = lib.plivo_get_stream(client._ptr, b"NOSUCHCALL", b"S1", ctypes.byref(out))
    assert code == Code.NOT_FOUND
    assert out.value is None
