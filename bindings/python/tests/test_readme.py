"""The README's example runs as written against the test server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import AUTH_ID, AUTH_TOKEN

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example(server):
    example = re.search(r"```python\n(.*?)```", README.read_text(), flags=re.S).group(1)
    server.add_call("c2b3a0b8-call-uuid", ["7e1f-stream-uuid"])
    env = dict(os.environ, PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=AUTH_TOKEN,
               PLIVO_BASE_URL=server.base_url)
    for _ in range(2):  # stops the stream, then finds it already stopped
        proc = subprocess.run([sys.executable, "-c", example], env=env, capture_output=True,
                              text=True, timeout=60)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    reqs = server.requests()
    assert [(r["method"], r["path"]) for r in reqs] == [
        ("DELETE", server.path("c2b3a0b8-call-uuid", "7e1f-stream-uuid"))
    ] * 2


def test_readme_asyncio_example(server):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    example = next(b for b in blocks if "AsyncClient" in b)
    server.add_call("c2b3a0b8-call-uuid", ["7e1f-stream-uuid"])
    env = dict(os.environ, PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=AUTH_TOKEN,
               PLIVO_BASE_URL=server.base_url)
    for _ in range(2):  # stops the stream, then finds it already stopped: quiet both times
        proc = subprocess.run([sys.executable, "-c", example], env=env, capture_output=True,
                              text=True, timeout=60)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert len(server.requests()) == 2
