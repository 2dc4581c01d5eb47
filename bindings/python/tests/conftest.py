"""Fixtures: a fresh bundled plivo-server per test, with admin helpers.

The server binary is $PLIVO_SERVER_BIN (default <repo>/target/debug/plivo-server).
The tests use made-up credentials; still, no test prints the auth token or the
request log's Authorization values.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

import plivo_ffi

REPO = Path(__file__).resolve().parents[3]
SERVER_BIN = Path(os.environ.get("PLIVO_SERVER_BIN") or REPO / "target" / "debug" / "plivo-server")

AUTH_ID = "MATESTPYTHON0000001"
AUTH_TOKEN = "python-binding-test-token"


class PlivoServer:
    """One running plivo-server on 127.0.0.1, port chosen by the kernel."""

    def __init__(
        self,
        seeds: Sequence[str] = (),
        auth_id: str = AUTH_ID,
        auth_token: str = AUTH_TOKEN,
    ) -> None:
        if not SERVER_BIN.exists():
            pytest.fail(f"plivo-server not found at {SERVER_BIN} (set PLIVO_SERVER_BIN)")
        self.auth_id = auth_id
        self._auth_token = auth_token
        args = [str(SERVER_BIN), "--listen", "127.0.0.1:0", "--auth-id", auth_id,
                "--auth-token", auth_token]
        for seed in seeds:
            args += ["--seed", seed]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env,
        )
        try:
            self.base_url = self._first_line(timeout=20)
        except BaseException:
            self.stop()
            raise
        assert self.base_url.startswith("http://127.0.0.1:") and self.base_url.endswith("/v1/")
        self.root = self.base_url[: -len("v1/")]

    def _first_line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                raise RuntimeError("plivo-server printed no base URL in time")
        line = self.proc.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError(f"plivo-server exited early (status {self.proc.poll()})")
        return line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    # --- admin endpoints -------------------------------------------------------------

    def _admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        # The server is on loopback: never use an environment proxy for it.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def add_call(self, call_uuid: str, streams: Sequence[str]) -> None:
        self._admin("POST", "__admin/calls/", {"call_uuid": call_uuid, "streams": list(streams)})

    def requests(self) -> List[Dict[str, Any]]:
        return self._admin("GET", "__admin/requests/")["requests"]

    def clear_requests(self) -> None:
        self._admin("DELETE", "__admin/requests/")

    def stats(self) -> Dict[str, int]:
        return self._admin("GET", "__admin/stats/")

    def expected_authorization(self) -> str:
        pair = f"{self.auth_id}:{self._auth_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def path(self, call_uuid: str, stream_uuid: Optional[str] = None) -> str:
        p = f"/v1/Account/{self.auth_id}/Call/{call_uuid}/Stream/"
        return p + f"{stream_uuid}/" if stream_uuid is not None else p


@pytest.fixture
def server() -> Iterator[PlivoServer]:
    srv = PlivoServer(seeds=["CALL1:S1,S2", "CALL2:T1"])
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_client(server: PlivoServer):
    """Factory for clients on the test server; every client is closed at teardown."""
    made: List[plivo_ffi.Client] = []

    def make(**kwargs: Any) -> plivo_ffi.Client:
        kwargs.setdefault("base_url", server.base_url)
        args = (kwargs.pop("auth_id", AUTH_ID), kwargs.pop("auth_token", AUTH_TOKEN))
        client = plivo_ffi.Client(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> plivo_ffi.Client:
    return make_client(max_retries=0)


@pytest.fixture(autouse=True)
def _no_plivo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without ambient PLIVO_AUTH_* / PLIVO_BASE_URL (PLIVO_LIBRARY stays)."""
    for name in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
