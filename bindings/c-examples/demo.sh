#!/usr/bin/env bash
# The demo of the C example stop_stream.c: build libplivo and the bundled
# Plivo-compatible server, start the server with one live call that has one active
# audio stream, then stop that stream twice with the example: the first stop succeeds
# (HTTP 204), the second reports PLIVO_ERR_NO_ACTIVE_STREAM ("No active stream found",
# HTTP 400).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../tests/lib.sh" # REPO, need, build_native, start_server, stop_twice

need_cargo
need cc gcc

build_native
new_temp_dir work
cc -std=c99 -Wall -Wextra -O2 -I"$REPO/include" "$here/stop_stream.c" \
    -L"$PLIVO_LIB_DIR" -lplivo -Wl,-rpath,"$PLIVO_LIB_DIR" -o "$work/stop_stream"

export PLIVO_AUTH_ID=MADEMOACCOUNT0000001
export PLIVO_AUTH_TOKEN=demo-auth-token
start_server DEMO --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
    --seed demo-call-1:demo-stream-1
export PLIVO_BASE_URL=$DEMO_URL
echo "== bundled server listening at $PLIVO_BASE_URL (call demo-call-1, stream demo-stream-1)"

if ! stop_twice demo-call-1 demo-stream-1 "$work/stop_stream"; then
    echo "demo: FAILED (expected exit codes 0 then 2)" >&2
    exit 1
fi
echo "== demo OK: success, then \"No active stream found\""
