"""stop_stream: success, already stopped, request shape, invalid arguments."""

from __future__ import annotations

import pytest

import plivo_ffi
from plivo_ffi import Code, InvalidArgumentError, NoActiveStreamError, PlivoError


def test_stop_then_no_active_stream(server, client):
    assert client.stop_stream("CALL1", "S1") is None

    with pytest.raises(NoActiveStreamError) as info:
        client.stop_stream("CALL1", "S1")
    err = info.value
    assert isinstance(err, PlivoError)
    assert err.code == Code.NO_ACTIVE_STREAM == 2
    assert isinstance(err.code, Code)
    assert err.code_name == "PLIVO_ERR_NO_ACTIVE_STREAM"
    assert err.http_status == 400
    assert isinstance(err.api_id, str) and err.api_id
    assert "No active stream found" in str(err)
    assert "400" in err.message

    reqs = server.requests()
    assert [(r["method"], r["path"]) for r in reqs] == [
        ("DELETE", server.path("CALL1", "S1")),
        ("DELETE", server.path("CALL1", "S1")),
    ]
    # The other stream of the call is still active.
    client.stop_stream("CALL1", "S2")


def test_request_headers(server, client):
    client.stop_stream("CALL2", "T1")
    (req,) = server.requests()
    assert req["user_agent"].startswith(f"libplivo/{plivo_ffi.version()}")
    # Compared without printing the credentials on failure.
    auth_ok = req["authorization"] == server.expected_authorization()
    assert auth_ok, "Authorization header is not Basic auth_id:auth_token"


def test_error_repr_and_message_never_contain_token(server, make_client):
    from conftest import AUTH_TOKEN

    c = make_client(max_retries=0)
    c.stop_stream("CALL1", "S1")
    with pytest.raises(NoActiveStreamError) as info:
        c.stop_stream("CALL1", "S1")
    assert AUTH_TOKEN not in repr(info.value)
    assert AUTH_TOKEN not in str(info.value)
    assert AUTH_TOKEN not in repr(c)


@pytest.mark.parametrize(
    "call_uuid, stream_uuid",
    [
        ("bad id", "S1"),  # space
        ("CALL1", "S1/../x"),  # path characters
        ("", "S1"),  # empty
        ("C" * 129, "S1"),  # too long
        ("CALL1", "Sé"),  # non-ASCII
        ("CALL\ud8001", "S1"),  # lone surrogate: not representable as UTF-8
        (b"CALL\xff", "S1"),  # bytes that are not UTF-8
        (None, "S1"),  # NULL
        ("CALL1", None),  # NULL
        ("CALL1\x00", "S1"),  # NUL: cannot be passed to C
    ],
)
def test_invalid_ids_send_nothing(server, client, call_uuid, stream_uuid):
    with pytest.raises(InvalidArgumentError) as info:
        client.stop_stream(call_uuid, stream_uuid)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == Code.INVALID_ARGUMENT
    assert err.code_name == "PLIVO_ERR_INVALID_ARGUMENT"
    assert err.http_status is None
    assert err.api_id is None
    assert err.message
    assert server.requests() == []
    assert server.stats()["requests"] == 0


def test_longest_valid_id_is_sent(server, client):
    call = "C" * 128  # valid syntax, unknown call: the server answers 404
    with pytest.raises(plivo_ffi.NotFoundError):
        client.stop_stream(call, "S1")
    assert [r["path"] for r in server.requests()] == [server.path(call, "S1")]


def test_bytes_arguments_are_accepted(server, client):
    client.stop_stream(b"CALL1", bytearray(b"S1"))
    assert [r["path"] for r in server.requests()] == [server.path("CALL1", "S1")]


@pytest.mark.parametrize("bad", [42, 1.5, ["CALL1"], object()])
def test_wrong_types_raise_type_error(server, client, bad):
    with pytest.raises(TypeError):
        client.stop_stream(bad, "S1")
    with pytest.raises(TypeError):
        client.stop_all_streams(bad)
    assert server.requests() == []


def test_lone_surrogate_reaches_the_library_as_invalid_utf8(client):
    with pytest.raises(InvalidArgumentError, match="UTF-8"):
        client.stop_stream("CALL\udc801", "S1")


def test_library_message_for_null_names_the_argument(client):
    with pytest.raises(InvalidArgumentError, match="stream_uuid"):
        client.stop_stream("CALL1", None)


def test_sequential_calls_reuse_one_connection(server, client):
    server.add_call("SEQ", [f"s{i}" for i in range(10)])
    before = server.stats()["connections"]
    for i in range(10):
        client.stop_stream("SEQ", f"s{i}")
    # +1 for the client's one kept-alive connection, +1 for this stats request.
    assert server.stats()["connections"] - before == 2
    assert len({r["conn"] for r in server.requests()}) == 1
