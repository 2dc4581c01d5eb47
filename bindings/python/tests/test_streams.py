"""start_stream, get_stream, list_streams, stop_all_streams."""

from __future__ import annotations

import json

import pytest

from plivo_ffi import Code, InvalidArgumentError, NoActiveStreamError, NotFoundError


def test_start_get_list_stop_all(server, client):
    stream_id = client.start_stream("CALL2", "wss://example.invalid/audio")
    assert isinstance(stream_id, str) and stream_id

    (req,) = server.requests()
    assert (req["method"], req["path"]) == ("POST", server.path("CALL2"))
    assert req["content_type"].startswith("application/json")
    assert json.loads(req["body"]) == {"service_url": "wss://example.invalid/audio"}

    details = client.get_stream("CALL2", stream_id)
    assert details["stream_id"] == stream_id
    assert details["service_url"] == "wss://example.invalid/audio"
    assert details["call_uuid"] == "CALL2"

    listing = client.list_streams("CALL2")
    assert listing["meta"]["total_count"] == 2
    assert {s["stream_id"] for s in listing["objects"]} == {"T1", stream_id}

    client.stop_all_streams("CALL2")
    with pytest.raises(NoActiveStreamError) as info:
        client.stop_all_streams("CALL2")
    assert info.value.http_status == 400
    with pytest.raises(NoActiveStreamError):
        client.stop_stream("CALL2", stream_id)

    methods = [(r["method"], r["path"]) for r in server.requests()]
    assert methods[1:] == [
        ("GET", server.path("CALL2", stream_id)),
        ("GET", server.path("CALL2")),
        ("DELETE", server.path("CALL2")),
        ("DELETE", server.path("CALL2")),
        ("DELETE", server.path("CALL2", stream_id)),
    ]


def test_start_with_every_parameter(server, client):
    stream_id = client.start_stream(
        "CALL1",
        "wss://example.invalid/bidi",
        bidirectional=True,
        audio_track="inbound",
        stream_timeout=86401,  # no documented maximum
        status_callback_url="https://example.invalid/status",
        status_callback_method="GET",
        content_type="audio/x-mulaw;rate=8000",
        extra_headers={"tenant": "acme", "callkind": "ivr"},
        cx_bot=True,
    )
    body = json.loads(server.requests()[0]["body"])
    assert body["service_url"] == "wss://example.invalid/bidi"
    assert body["bidirectional"] is True
    assert body["audio_track"] == "inbound"
    assert body["stream_timeout"] == 86401
    assert body["cx_bot"] is True
    assert body["status_callback_url"] == "https://example.invalid/status"
    assert body["status_callback_method"] == "GET"
    assert body["content_type"] == "audio/x-mulaw;rate=8000"
    assert body["extra_headers"] == "tenant=acme,callkind=ivr"

    details = client.get_stream("CALL1", stream_id)
    assert details["bidirectional"] is True
    assert details["status_callback_url"] == "https://example.invalid/status"


def test_extra_headers_as_string(server, client):
    client.start_stream("CALL1", "ws://127.0.0.1:1/x", extra_headers="A=1,Bc=two")
    assert json.loads(server.requests()[0]["body"])["extra_headers"] == "A=1,Bc=two"


def test_empty_extra_headers_mapping_sets_nothing(server, client):
    client.start_stream("CALL1", "wss://example.invalid/x", extra_headers={})
    assert "extra_headers" not in json.loads(server.requests()[0]["body"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"service_url": "https://example.invalid/x"},  # not ws:// or wss://
        {"service_url": ""},
        {"service_url": None},
        {"bidirectional": True, "audio_track": "both"},  # bidirectional needs inbound
        {"audio_track": "sideways"},
        {"stream_timeout": 0},
        {"stream_timeout": 2**32},  # not a uint32_t
        {"extra_headers": "X-Tenant=acme"},  # only A-Z a-z 0-9 (the docs)
        {"stream_timeout": -5},  # not a uint32_t
        {"status_callback_url": "ftp://example.invalid/cb"},
        {"status_callback_method": "get"},  # upper case only
        {"content_type": "audio/mpeg"},
        {"extra_headers": "no-equals-sign"},
        {"extra_headers": "bad key=1"},
        {"extra_headers": {"X-A": "1,X-B=2"}},  # would smuggle a second header
        {"extra_headers": {"X-A": "a" * 600}},  # over 512 bytes
        {"audio_track": "in\ud800bound"},
        # A lossy encoding ("?" for the surrogate) would make this a valid URL.
        {"status_callback_url": "https://example.invalid/cb\ud800"},
        {"call_uuid": "bad call"},
    ],
)
def test_start_invalid_arguments_send_nothing(server, client, kwargs):
    call_uuid = kwargs.pop("call_uuid", "CALL1")
    service_url = kwargs.pop("service_url", "wss://example.invalid/x")
    with pytest.raises(InvalidArgumentError) as info:
        client.start_stream(call_uuid, service_url, **kwargs)
    assert info.value.code == Code.INVALID_ARGUMENT
    assert info.value.http_status is None
    assert server.requests() == []


@pytest.mark.parametrize(
    "kwargs",
    [{"bidirectional": "yes"}, {"stream_timeout": 1.5}, {"extra_headers": {"X": 1}},
     {"audio_track": 3}, {"cx_bot": 1}],
)
def test_start_wrong_types(server, client, kwargs):
    with pytest.raises(TypeError):
        client.start_stream("CALL1", "wss://example.invalid/x", **kwargs)
    assert server.requests() == []


def test_start_on_unknown_call(client):
    with pytest.raises(NotFoundError) as info:
        client.start_stream("NOSUCHCALL", "wss://example.invalid/x")
    assert info.value.http_status == 404
    assert info.value.api_id


def test_get_unknown_stream_and_list_unknown_call(client):
    with pytest.raises(NotFoundError):
        client.get_stream("CALL1", "NOSUCHSTREAM")
    with pytest.raises(NotFoundError):
        client.list_streams("NOSUCHCALL")


def test_get_and_list_invalid_arguments(server, client):
    with pytest.raises(InvalidArgumentError):
        client.get_stream("CALL1", "bad/stream")
    with pytest.raises(InvalidArgumentError):
        client.get_stream(None, "S1")
    with pytest.raises(InvalidArgumentError):
        client.list_streams("")
    with pytest.raises(InvalidArgumentError):
        client.stop_all_streams(None)
    assert server.requests() == []


def test_stopped_stream_still_listed(server, client):
    client.stop_stream("CALL1", "S1")
    listing = client.list_streams("CALL1")
    assert listing["meta"]["total_count"] == 2
    statuses = {s["stream_id"]: s["status"] for s in listing["objects"]}
    assert statuses["S2"] == "In-Progress"
    assert statuses["S1"] != "In-Progress"
    assert client.get_stream("CALL1", "S1")["status"] == statuses["S1"]
