#!/usr/bin/env bash
# How far below the raw-socket limit ureq's HTTP engine sits, apart from libplivo.
# Client and server pinned to one CPU (where client CPU cost shows fully in throughput);
# systems interleaved, REPS repetitions of CALLS stops each; medians and ratios to `hand`.
#
#   tests/bench/floor/run.sh [REPS] [CALLS]      (default 7 x 20000; about a minute)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
REPS="${1:-7}" CALLS="${2:-20000}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
command -v taskset >/dev/null || { echo "floor: needs taskset (util-linux)" >&2; exit 1; }

cargo build --release -q --manifest-path "$REPO/Cargo.toml" -p plivo-server
cargo build --release -q --manifest-path "$HERE/Cargo.toml" --target-dir "$TARGET/bench-floor"
FLOOR="$TARGET/bench-floor/release/plivo-bench-floor"

export PLIVO_AUTH_ID=MADEMOACCOUNT0000001
PLIVO_AUTH_TOKEN="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export PLIVO_AUTH_TOKEN
OUT="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$OUT"; }
trap cleanup EXIT
taskset -c 0 "$TARGET/release/plivo-server" --request-log-limit 0 \
    --port-file "$OUT/port" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.05; done
PORT="$(cat "$OUT/port")"

SYSTEMS=(hand hand-probe proto proto-probe libplivo)
for rep in $(seq "$REPS"); do
    for system in "${SYSTEMS[@]}"; do
        taskset -c 0 "$FLOOR" "$system" "$PORT" "$CALLS" >>"$OUT/runs"
    done
done
python3 - "$OUT/runs" "${SYSTEMS[@]}" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rate = line.split()
    runs.setdefault(name, []).append(float(rate))
base = statistics.median(runs["hand"])
print(f"| system (client and server on CPU 0) | calls/s median (min-max) | x hand |")
print("|---|---:|---:|")
for name in sys.argv[2:]:
    r = runs[name]
    print(f"| {name} | {statistics.median(r):,.0f} ({min(r):,.0f}-{max(r):,.0f}) "
          f"| {statistics.median(r) / base:.2f} |")
PY
