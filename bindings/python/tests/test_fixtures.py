"""Golden fixtures (tests/fixtures/: Plivo's documented and recorded answers and their
variants) through the bundled server and a real socket.

The binding offers no typed view: get_stream and list_streams return the API's JSON
object as a dict, so each must equal the fixture exactly (nothing dropped, renamed or
converted), and start/stop read the values expected.json names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plivo_ffi import Code, NoActiveStreamError

from conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _queue(server, status: int, body: str) -> None:
    server._admin("POST", "__admin/replies/", {"status": status, "body": body})


def test_every_fixture_is_listed():
    files = {p.name for p in FIXTURES.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED) and len(files) >= 13


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_through_the_binding(server, client, name):
    body = (FIXTURES / name).read_text()
    want = EXPECTED[name]
    kind = want["kind"]
    if kind == "stream":
        _queue(server, 200, body)
        assert client.get_stream("CALL1", "S1") == json.loads(body)
    elif kind == "list":
        _queue(server, 200, body)
        assert client.list_streams("CALL1") == json.loads(body)
    elif kind == "start":
        _queue(server, 202, body)
        assert client.start_stream("CALL1", "wss://m.example/x") == want["stream_id"]
    elif kind == "stop_error":
        _queue(server, 400, body)
        with pytest.raises(NoActiveStreamError) as info:
            client.stop_stream("CALL1", "S1")
        assert info.value.code == Code.NO_ACTIVE_STREAM
        assert info.value.http_status == 400
        assert info.value.api_id == want["api_id"]
    else:
        pytest.fail(f"{name}: unknown kind {kind}")
