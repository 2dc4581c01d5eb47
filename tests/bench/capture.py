"""Captures the exact request bytes libplivo sends for one stop, for the raw client.

    python capture.py TEMPLATE_OUT HEADERS_JSON_OUT -- COMMAND [ARGS...]

Listens on 127.0.0.1 (ephemeral port), runs COMMAND with every "{URL}" in ARGS replaced
by http://127.0.0.1:PORT/v1/, accepts one connection, reads one request head, answers
"204 No Content" and writes:
  TEMPLATE_OUT       the request with its target replaced by @PATH@ and the Host value
                     by @HOST@ (Authorization kept: the raw client sends it; mode 0600)
  HEADERS_JSON_OUT   the request line and header names in order, with every value but
                     Authorization's (shown as "Basic <redacted>")
"""
import json
import os
import socket
import subprocess
import sys


def main() -> int:
    tmpl_out, headers_out, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, __doc__
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    port = srv.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/"
    proc = subprocess.Popen([a.replace("{URL}", url) for a in cmd], stdout=subprocess.DEVNULL)
    try:
        conn, _ = srv.accept()
        conn.settimeout(20)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        proc.wait(timeout=20)
        conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        srv.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep or body:
        print("capture.py: incomplete request or unexpected body", file=sys.stderr)
        return 1
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    out_lines = [f"{method} @PATH@ {version}"]
    shown = {"request_line": f"{method} <target> {version}", "headers": []}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        value = value.strip()
        if name.lower() == "host":
            out_lines.append(f"{name}: @HOST@")
            shown["headers"].append([name, "127.0.0.1:<port>"])
        else:
            out_lines.append(line)
            shown["headers"].append(
                [name, "Basic <redacted>" if name.lower() == "authorization" else value])
    fd = os.open(tmpl_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="latin-1", newline="") as f:
        f.write("\r\n".join(out_lines) + "\r\n\r\n")
    shown["bytes_for_bench_ids"] = len(data)
    with open(headers_out, "w") as f:
        json.dump(shown, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
