"""Every result code maps to its exception class, with the last-error details."""

from __future__ import annotations

import pickle
import time

import pytest

import plivo_ffi
from plivo_ffi import (
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
)


@pytest.mark.parametrize(
    "call_uuid, cls, code, status, has_api_id",
    [
        ("fault-status403-x", AuthenticationError, Code.AUTHENTICATION, 403, True),
        ("fault-status401-x", AuthenticationError, Code.AUTHENTICATION, 401, True),
        ("fault-503always-x", ServerError, Code.SERVER, 503, True),
        ("fault-429-x", RateLimitedError, Code.RATE_LIMITED, 429, True),
        ("fault-status400-x", BadRequestError, Code.BAD_REQUEST, 400, True),
        ("fault-nonjson-x", BadRequestError, Code.BAD_REQUEST, 400, False),
        ("fault-status405-x", HttpStatusError, Code.HTTP, 405, True),
        ("fault-redirect-x", HttpStatusError, Code.HTTP, 302, True),
        ("fault-garbage-x", InvalidResponseError, Code.INVALID_RESPONSE, None, False),
        ("fault-reset-x", TransportError, Code.TRANSPORT, None, False),
        ("NOSUCHCALL", NotFoundError, Code.NOT_FOUND, 404, True),
    ],
)
def test_fault_modes(server, client, call_uuid, cls, code, status, has_api_id):
    with pytest.raises(cls) as info:
        client.stop_stream(call_uuid, "S1")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, PlivoError)
    assert err.code == code
    assert err.code_name == plivo_ffi.code_name(code) == code.c_name
    assert err.http_status == status
    assert (err.api_id is not None) == has_api_id
    if status is not None:
        assert str(status) in err.message
    assert "stop_stream" in err.message
    # The fault call was actually asked (no retry: max_retries=0).
    assert [r["path"] for r in server.requests()] == [server.path(call_uuid, "S1")]


def test_timeout_on_stalled_server(server, make_client):
    client = make_client(timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(PlivoTimeoutError) as info:
        client.stop_stream("fault-stall-x", "S1")
    elapsed = time.monotonic() - started
    assert info.value.code == Code.TIMEOUT
    assert info.value.http_status is None
    assert 0.25 <= elapsed < 3.0
    assert "300 ms" in info.value.message


def test_connection_refused_is_transport_error(make_client):
    import socket

    with socket.socket() as s:  # a loopback port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}/v1/", max_retries=0)
    with pytest.raises(TransportError) as info:
        client.stop_stream("CALL1", "S1")
    assert info.value.http_status is None


def test_invalid_json_body_on_get(client):
    with pytest.raises(InvalidResponseError) as info:
        client.get_stream("fault-badjson200-x", "S1")
    assert info.value.http_status == 200


def test_code_enum_matches_library_names():
    for code in Code:
        assert plivo_ffi.code_name(code) == code.c_name
    assert plivo_ffi.code_name(Code.OK) == "PLIVO_OK"
    for unknown in (-1, 15, 99, 2**31 - 1, -(2**31), 2**40, -(2**70)):
        assert plivo_ffi.code_name(unknown) == "PLIVO_ERR_UNKNOWN"
    assert [int(c) for c in Code] == list(range(15))


def test_error_class_mapping():
    expected = {
        1: InvalidArgumentError, 2: NoActiveStreamError, 3: BadRequestError,
        4: AuthenticationError, 5: NotFoundError, 6: RateLimitedError, 7: ServerError,
        8: HttpStatusError, 9: PlivoTimeoutError, 10: TransportError,
        11: InvalidResponseError, 12: InternalError, 13: BusyError,
        14: RequestCancelledError,
    }
    for code, cls in expected.items():
        assert plivo_ffi.error_class_for(code) is cls
        assert cls.default_code == code
        assert issubclass(cls, PlivoError)
        assert cls(f"m{code}").code == code
    assert len(set(expected.values())) == 14
    for unknown in (0, 15, 99, -1):
        assert plivo_ffi.error_class_for(unknown) is PlivoError


def test_unknown_code_error_attributes():
    err = plivo_ffi.error_class_for(42)("future failure", 42, 0, None)
    assert type(err) is PlivoError
    assert err.code == 42
    assert err.code_name == "PLIVO_ERR_UNKNOWN"
    assert err.http_status is None  # 0 means "no response"
    assert str(err) == "future failure"


def test_errors_pickle(server, client):
    client.stop_stream("CALL1", "S1")
    with pytest.raises(NoActiveStreamError) as info:
        client.stop_stream("CALL1", "S1")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is NoActiveStreamError
    assert (copy.code, copy.code_name, copy.http_status, copy.api_id, str(copy)) == (
        info.value.code, info.value.code_name, 400, info.value.api_id, str(info.value),
    )
    lib_err = pickle.loads(pickle.dumps(plivo_ffi.PlivoLibraryNotFound([("here", "absent")])))
    assert lib_err.attempts == [("here", "absent")]
