#!/usr/bin/env bash
# The demo: build libplivo and the bundled Plivo-compatible server, start the server
# with one live call that has one active audio stream, then stop that stream twice from
# the C example: the first stop succeeds (HTTP 204), the second reports
# PLIVO_ERR_NO_ACTIVE_STREAM ("No active stream found", HTTP 400).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../tests/native.sh"

need_cargo
need cc gcc

echo "== building libplivo and the bundled server"
build_native
work=$(mktemp -d)
cc -std=c99 -Wall -Wextra -O2 -I"$REPO/include" "$here/stop_stream.c" \
    -L"$PLIVO_LIB_DIR" -lplivo -Wl,-rpath,"$PLIVO_LIB_DIR" -o "$work/stop_stream"

export PLIVO_AUTH_ID=MADEMOACCOUNT0000001
export PLIVO_AUTH_TOKEN=demo-auth-token
start_server DEMO --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
    --seed demo-call-1:demo-stream-1
trap 'kill "$DEMO_PID" 2>/dev/null; rm -rf "$work"' EXIT
export PLIVO_BASE_URL=$DEMO_URL
echo "== bundled server listening at $PLIVO_BASE_URL (call demo-call-1, stream demo-stream-1)"

echo "== first stop (the stream is active):"
echo "\$ stop_stream demo-call-1 demo-stream-1"
set +e
"$work/stop_stream" demo-call-1 demo-stream-1 2>&1
first=$?
echo "exit code $first"
echo "== second stop (already stopped):"
echo "\$ stop_stream demo-call-1 demo-stream-1"
"$work/stop_stream" demo-call-1 demo-stream-1 2>&1
second=$?
set -e
echo "exit code $second (PLIVO_ERR_NO_ACTIVE_STREAM is 2)"

if [ "$first" -ne 0 ] || [ "$second" -ne 2 ]; then
    echo "demo: FAILED (expected exit codes 0 then 2)" >&2
    exit 1
fi
echo "== demo OK: success, then \"No active stream found\""
