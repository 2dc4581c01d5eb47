"""Client construction: credentials, options, lifetime."""

from __future__ import annotations

import datetime
import gc
import threading

import pytest

import plivo_ffi
from conftest import AUTH_ID, AUTH_TOKEN
from plivo_ffi import Code, InvalidArgumentError, RateLimitedError, ServerError

# --- credentials from the environment ----------------------------------------------


def test_env_credentials_and_base_url(server, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_BASE_URL", server.base_url)
    with plivo_ffi.Client() as client:
        client.stop_stream("CALL1", "S1")
    (req,) = server.requests()
    assert req["path"] == server.path("CALL1", "S1")
    auth_ok = req["authorization"] == server.expected_authorization()
    assert auth_ok, "credentials from the environment were not used"


def test_base_url_without_trailing_slash(server, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_BASE_URL", server.base_url.rstrip("/"))
    with plivo_ffi.Client() as client:
        client.stop_stream("CALL1", "S1")
    assert [r["path"] for r in server.requests()] == [server.path("CALL1", "S1")]


def test_explicit_arguments_beat_environment(server, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_ID", "MAWRONGID")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "wrong-token")
    monkeypatch.setenv("PLIVO_BASE_URL", "http://127.0.0.1:9/v1/")  # nothing there
    with plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=server.base_url) as client:
        client.stop_stream("CALL1", "S1")
    assert [r["path"] for r in server.requests()] == [server.path("CALL1", "S1")]


def test_env_token_only(server, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    with plivo_ffi.Client(AUTH_ID, base_url=server.base_url) as client:
        client.stop_stream("CALL1", "S1")


@pytest.mark.parametrize("missing", ["PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"])
def test_missing_env_credentials(monkeypatch, missing):
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.delenv(missing)
    with pytest.raises(InvalidArgumentError) as info:
        plivo_ffi.Client()
    assert missing in str(info.value)
    assert info.value.code == Code.INVALID_ARGUMENT
    assert info.value.http_status is None


@pytest.mark.parametrize(
    "auth_id, auth_token",
    [("", AUTH_TOKEN), (AUTH_ID, ""), ("bad-id!", AUTH_TOKEN), ("A" * 65, AUTH_TOKEN),
     ("MA\ud800", AUTH_TOKEN)],
)
def test_invalid_credentials(server, auth_id, auth_token):
    with pytest.raises(InvalidArgumentError):
        plivo_ffi.Client(auth_id, auth_token, base_url=server.base_url)
    assert server.stats()["requests"] == 0


def test_wrong_token_is_authentication_error(server, make_client):
    client = make_client(auth_token="not-the-token", max_retries=0)
    with pytest.raises(plivo_ffi.AuthenticationError) as info:
        client.stop_stream("CALL1", "S1")
    assert info.value.http_status in (401, 403)
    assert "not-the-token" not in repr(info.value)


# --- options -----------------------------------------------------------------------


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_max_retries_counted_in_request_log(server, make_client, retries):
    client = make_client(max_retries=retries, timeout=20)
    with pytest.raises(ServerError):
        client.stop_stream("fault-503always-x", "S1")
    paths = [r["path"] for r in server.requests()]
    assert paths == [server.path("fault-503always-x", "S1")] * (retries + 1)


def test_default_retries_is_two(server, make_client):
    client = make_client()
    with pytest.raises(RateLimitedError):
        client.stop_all_streams("fault-429-x")
    assert len(server.requests()) == 3


def test_retry_then_success(server, make_client):
    client = make_client(max_retries=1)
    client.stop_stream("fault-503once-x", "S1")  # first answer 503, the retry 204
    assert len(server.requests()) == 2


def test_timeout_bounds_the_retries(server, make_client):
    # 429ra asks for Retry-After: 1 s; a 0.5 s deadline cannot wait for it.
    client = make_client(max_retries=5, timeout=0.5)
    with pytest.raises(RateLimitedError):
        client.stop_stream("fault-429ra-x", "S1")
    assert len(server.requests()) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": 601},  # over 600000 ms
        {"timeout": -1},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"connect_timeout": 0},
        {"connect_timeout": 10_000},
        {"max_retries": 11},
        {"max_retries": -1},
        {"max_retries": 2**32},
        {"base_url": "ftp://127.0.0.1/v1/"},
        {"base_url": "not a url"},
        {"base_url": ""},
        {"proxy": "socks5://127.0.0.1:1080"},
        {"proxy": "http://127.0.0.1"},  # no port
        {"ca_file": "/nonexistent/ca.pem"},
        {"base_url": "http://127.0.0.1:1/v1/\x00"},
    ],
)
def test_invalid_options(kwargs):
    with pytest.raises(InvalidArgumentError) as info:
        plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, **kwargs)
    assert info.value.code == Code.INVALID_ARGUMENT


def test_ca_file_that_is_not_pem(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text("not a certificate\n")
    with pytest.raises(InvalidArgumentError):
        plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, ca_file=path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": "1"},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"allow_insecure_http": 1},
        {"base_url": 5},
    ],
)
def test_option_types(kwargs):
    with pytest.raises(TypeError):
        plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, **kwargs)


def test_valid_options_are_accepted(server, make_client):
    client = make_client(
        timeout=datetime.timedelta(seconds=5),
        connect_timeout=0.0001,  # rounds up to 1 ms, not down to an invalid 0
        max_retries=10,
        proxy="http://user:pw@127.0.0.1:3128",
    )
    assert not client.closed


def test_plain_http_to_non_loopback_needs_allow_insecure_http():
    # Construction only: no request is ever made with these clients.
    url = "http://0.0.0.0:9/v1/"
    with pytest.raises(InvalidArgumentError):
        plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=url)
    with plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=url, allow_insecure_http=True) as c:
        assert not c.closed


def test_loopback_https_base_url_is_accepted():
    with plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url="https://127.0.0.1:9/v1/"):
        pass


# --- lifetime ----------------------------------------------------------------------


def test_context_manager_and_double_close(server, make_client):
    with make_client() as client:
        assert not client.closed
        client.stop_stream("CALL1", "S1")
    assert client.closed
    client.close()
    client.close()
    for call in (
        lambda: client.stop_stream("CALL1", "S2"),
        lambda: client.stop_all_streams("CALL1"),
        lambda: client.start_stream("CALL1", "wss://example.invalid/x"),
        lambda: client.get_stream("CALL1", "S2"),
        lambda: client.list_streams("CALL1"),
    ):
        with pytest.raises(InvalidArgumentError, match="closed") as info:
            call()
        assert isinstance(info.value, ValueError)
        assert info.value.code == Code.INVALID_ARGUMENT
    with pytest.raises(ValueError):
        with client:
            pass
    assert len(server.requests()) == 1
    assert "closed" in repr(client)


def test_finalizer_runs_once_on_collection(server):
    client = plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=server.base_url)
    finalizer = client._finalizer
    assert finalizer.alive
    del client
    gc.collect()
    assert not finalizer.alive


def test_close_then_collect_frees_once(server):
    client = plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=server.base_url)
    finalizer = client._finalizer
    client.close()
    assert not finalizer.alive
    assert finalizer() is None  # a second run is a no-op
    del client
    gc.collect()


def test_concurrent_close_frees_once(server):
    # A double free would crash the interpreter (the allocator aborts).
    for _ in range(20):
        client = plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=server.base_url)
        barrier = threading.Barrier(8)

        def close() -> None:
            barrier.wait()
            client.close()

        threads = [threading.Thread(target=close) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert client.closed


def test_close_waits_for_calls_in_progress(server, make_client):
    client = make_client(timeout=1.0, max_retries=0)
    errors = []
    started = threading.Event()

    def stalled_call() -> None:
        started.set()
        try:
            client.stop_stream("fault-stall-x", "S1")
        except plivo_ffi.PlivoError as exc:
            errors.append(exc)

    t = threading.Thread(target=stalled_call)
    t.start()
    started.wait()
    # Wait (bounded) until the request is in the server's log, i.e. the call is running.
    for _ in range(500):
        if server.requests():
            break
        threading.Event().wait(0.01)
    client.close()  # must not free the client under the running call
    assert len(errors) == 1, "close() returned while a call was still running"
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], plivo_ffi.PlivoTimeoutError)
