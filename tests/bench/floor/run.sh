#!/usr/bin/env bash
# How far below the raw-socket limit ureq's HTTP engine sits, apart from libplivo.
# Client and server pinned to one CPU (where client CPU cost shows fully in throughput);
# systems interleaved, REPS repetitions of CALLS stops each; medians and ratios to `hand`.
#
#   tests/bench/floor/run.sh [REPS] [CALLS]      (default 7 x 20000; about a minute)
#
# The runs and the table go to target/bench/floor/<date>/ (runs, table.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../../lib.sh" # REPO, TARGET_DIR, need, build_native, start_server
REPS="${1:-7}" CALLS="${2:-20000}"
need taskset util-linux

build_native release
cargo build --release -q --manifest-path "$HERE/Cargo.toml" --target-dir "$TARGET_DIR/bench-floor"
FLOOR="$TARGET_DIR/bench-floor/release/plivo-bench-floor"

export PLIVO_AUTH_ID=MADEMOACCOUNT0000001
PLIVO_AUTH_TOKEN="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export PLIVO_AUTH_TOKEN
OUT="$TARGET_DIR/bench/floor/$(date -u +%F)"
mkdir -p "$OUT"
: >"$OUT/runs"
start_server SERVER --request-log-limit 0 2>/dev/null
taskset -a -p -c 0 "$SERVER_PID" >/dev/null # the server on CPU 0, with the client
PORT="${SERVER_URL#http://127.0.0.1:}"
PORT="${PORT%%/*}"

SYSTEMS=(hand hand-probe proto proto-probe libplivo)
for rep in $(seq "$REPS"); do
    for system in "${SYSTEMS[@]}"; do
        taskset -c 0 "$FLOOR" "$system" "$PORT" "$CALLS" >>"$OUT/runs"
    done
done
python3 - "$OUT/runs" "${SYSTEMS[@]}" <<'PY' | tee "$OUT/table.md"
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
echo "runs and table in $OUT" >&2
