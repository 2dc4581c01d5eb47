#!/usr/bin/env bash
# Non-blocking benchmark: 1000 stops against plivo-server --latency-ms 50 (a WAN round
# trip to the real API), done the ways a host can do them, side by side in one run:
#   - C, one thread, one completion queue with max_in_flight 64 (poll() loop);
#   - C, 64 threads of blocking calls (how thread-per-call hosts do it today);
#   - C, one thread of blocking calls (the CPU per call the queue is held to);
#   - Python plivo_ffi.AsyncClient (max_in_flight 64) and the blocking Client under
#     asyncio.to_thread with 64 threads;
#   - Go, a goroutine per stop through StopStreamContext (WithMaxInFlight(64));
#   - and, without latency, 8 threads hammering one client: with and without a log
#     callback, and against the library as it was at $BASE (default fbcd136, before
#     counters, the per-process pool and the reuse guard), A B A B in one run.
# The ideal for 64 in flight is 64 / 0.050 s = 1280 stops/s. Prints JSON lines and a
# table; writes them to target/bench/queue/<date>/. Not part of the test suite.
#
#   tests/bench/queue/run.sh [N]        (BASE=REV to compare with another revision)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../../lib.sh"
N=${1:-1000}
LATENCY_MS=50
INFLIGHT=64
OUT="$TARGET_DIR/bench/queue/$(date -u +%F)"
mkdir -p "$OUT"
command -v gcc >/dev/null || apt_install gcc libc6-dev
build_native release
python_env "$TARGET_DIR/bench-queue-venv"
go_env "$TARGET_DIR/bench/queue/go"
pip_install "$REPO/bindings/python"
export PLIVO_LIBRARY="$PLIVO_LIB_DIR/libplivo.so"
gcc -O2 -std=c99 -Wall -Werror -I"$REPO/include" "$HERE/queue_bench.c" -L"$PLIVO_LIB_DIR" \
    -lplivo -Wl,-rpath,"$PLIVO_LIB_DIR" -lpthread -o "$OUT/queue_bench"
gcc -O2 -std=c99 -Wall -Werror -I"$REPO/include" "$HERE/hammer.c" -L"$PLIVO_LIB_DIR" -lplivo \
    -lpthread -o "$OUT/hammer"
uninstalled_pc "$OUT/pkgconfig"
(cd "$HERE/go" && PKG_CONFIG_PATH="$OUT/pkgconfig" go build -o "$OUT/bench_queue_go" .)
# The baseline library, built from $BASE in a folder of its own (BASE= skips it).
BASE=${BASE-fbcd136}
BASE_DIR="$TARGET_DIR/bench/queue/base-$BASE"
if [ -n "$BASE" ] && [ ! -f "$BASE_DIR/target/release/libplivo.so" ]; then
    rm -rf "$BASE_DIR" && mkdir -p "$BASE_DIR"
    git -C "$REPO" archive "$BASE" | tar -x -C "$BASE_DIR"
    (cd "$BASE_DIR" && cargo build --release -q -p plivo)
fi
# hammer needs libplivo.so.0 (the SONAME) in each library folder.
[ -z "$BASE" ] || ln -sfn libplivo.so "$BASE_DIR/target/release/libplivo.so.0"
ln -sfn libplivo.so "$PLIVO_LIB_DIR/libplivo.so.0"

export PLIVO_AUTH_ID=MABENCHQUEUE00000001 PLIVO_AUTH_TOKEN=bench-queue-token
streams=$(seq -s, -f 's%g' 0 $((N - 1)))
results="$OUT/results.jsonl"
: >"$results"

# run LATENCY_MS COMMAND...: against a fresh server whose call bq has N active streams.
run() {
    local latency=$1
    shift
    start_server S --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
        --latency-ms "$latency" --seed "bq:$streams" --workers 2
    PLIVO_BASE_URL=$S_URL "$@" | tee -a "$results"
    stop_server S
}

run $LATENCY_MS "$OUT/queue_bench" queue bq "$N" $INFLIGHT
run $LATENCY_MS "$OUT/queue_bench" threads bq "$N" $INFLIGHT
run $LATENCY_MS "$OUT/queue_bench" blocking bq 200
run $LATENCY_MS "$PY" "$HERE/bench_async.py" async bq "$N" $INFLIGHT
run $LATENCY_MS "$PY" "$HERE/bench_async.py" to_thread bq "$N" $INFLIGHT
run $LATENCY_MS "$OUT/bench_queue_go" bq "$N" $INFLIGHT
run 0 "$OUT/queue_bench" hammer bq 20000 8 0
run 0 "$OUT/queue_bench" hammer bq 20000 8 1
run 0 "$OUT/queue_bench" hammer bq 20000 8 0
run 0 "$OUT/queue_bench" hammer bq 20000 8 1
for round in 1 2 3; do
    run 0 env LD_LIBRARY_PATH="$PLIVO_LIB_DIR" HAMMER_LIB=current "$OUT/hammer" 20000 8
    [ -z "$BASE" ] || run 0 env LD_LIBRARY_PATH="$BASE_DIR/target/release" HAMMER_LIB="$BASE" "$OUT/hammer" 20000 8
done

"$PY" - "$results" "$LATENCY_MS" "$INFLIGHT" <<'PY' | tee "$OUT/table.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ideal = int(sys.argv[3]) / (int(sys.argv[2]) / 1000)
blocking = next(r for r in rows if r["mode"] == "blocking")
print(f"| way (latency {sys.argv[2]} ms) | stops/s | x ideal ({ideal:.0f}/s) | CPU us/stop | x blocking CPU | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|")
for r in rows:
    if r["mode"] == "hammer":
        continue
    x = r["stops_per_s"] / ideal if r["mode"] != "blocking" else float("nan")
    print(f"| {r['mode']} {r['param']} | {r['stops_per_s']:.0f} | {x:.2f} | {r['cpu_us_per_stop']:.1f} "
          f"| {r['cpu_us_per_stop'] / blocking['cpu_us_per_stop']:.2f} | {r['max_rss_kib'] / 1024:.1f} |")
h = [r for r in rows if r["mode"] == "hammer" and "log_lines" in r]
off = [r["stops_per_s"] for r in h if r["log_lines"] == 0]
on = [r["stops_per_s"] for r in h if r["log_lines"] > 0]
cur = [r["stops_per_s"] for r in rows if r.get("library") == "current"]
base = [r for r in rows if r.get("library") not in (None, "current")]
print()
print(f"8 threads, no latency: {max(off):.0f} stops/s without a log callback, {max(on):.0f} with one at INFO "
      f"(best of {len(off)} each; ratio {max(on) / max(off):.2f}); stats are always counted.")
if base:
    b = [r["stops_per_s"] for r in base]
    pairs = sorted(c / o for c, o in zip(cur, b))
    print(f"8 threads against {base[0]['library']} (no counters, no per-process pool, no reuse guard): "
          f"{sorted(cur)[len(cur) // 2]:.0f} vs {sorted(b)[len(b) // 2]:.0f} stops/s (medians); "
          f"ratio per pair {', '.join(f'{p:.2f}' for p in pairs)}.")
PY
