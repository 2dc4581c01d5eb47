#!/usr/bin/env bash
# libplivo benchmark: libplivo (from C, Python and Go) against the physical limit (a
# raw-socket C client) and the official Python SDK, side by side in one run against one
# release-mode plivo-server on 127.0.0.1. See tests/bench/README.md.
#
#   tests/bench/run.sh [--quick] [--out DIR] [--calls N] [--reps R]
#
# Default run ~5 minutes on 2 CPUs; --quick is a 20-60 s smoke run (its results go
# to target/bench/results-quick/<date>/, a full run's to target/bench/results/<date>/,
# unless --out is given). Not part of the test suite.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../lib.sh" # REPO, TARGET_DIR, need, go_env, python_env, build_native, start_server
B="$TARGET_DIR/bench"      # everything the benchmark builds, installs or writes lives here
VENV="$TARGET_DIR/bench-venv"

QUICK=0 OUT="" CALLS="" REPS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --out) OUT="$2"; shift ;;
        --calls) CALLS="$2"; shift ;;
        --reps) REPS="$2"; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    : "${CALLS:=1000}" "${REPS:=2}"
    RSS_CALLS=10000 CG_CALLS=200 COLD_C=30 COLD_PY=3 COLD_ROUNDS=3 THREAD_CALLS=$CALLS
    : "${OUT:=$B/results-quick/$(date -u +%F)}"
else
    : "${CALLS:=10000}" "${REPS:=9}"
    RSS_CALLS=100000 CG_CALLS=2000 COLD_C=200 COLD_PY=20 COLD_ROUNDS=20 THREAD_CALLS=$((CALLS * 2))
    : "${OUT:=$B/results/$(date -u +%F)}"
fi
WARMUP=200
STARTED=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[bench %3ss] %s\n' "$(( $(date +%s) - STARTED ))" "$*" >&2; }

# --- 0. what the benchmark needs -------------------------------------------------------
command -v gcc >/dev/null || apt_install gcc libc6-dev
need taskset util-linux
need valgrind valgrind
need callgrind_annotate valgrind
need pkg-config pkg-config
need strace strace
need curl curl
go_env "$B/go"
python_env "$VENV"
log "python packages: plivo (official SDK), matplotlib"
pip_install plivo matplotlib

# --- 1. build (release) ----------------------------------------------------------------
build_native release
R="$PLIVO_LIB_DIR"
mkdir -p "$B/lib"
# A snapshot of the library and server, so a rebuild during the run changes nothing.
cp -f "$R/libplivo.so" "$B/lib/libplivo.so"
ln -sfn libplivo.so "$B/lib/libplivo.so.0"
cp -f "$R/plivo-server" "$B/plivo-server"
PLIVO_SERVER_BIN="$B/plivo-server"
SO_BYTES=$(stat -c %s "$R/libplivo.so")
A_BYTES=$(stat -c %s "$R/libplivo.a")
SO_STRIPPED_BYTES=$(strip -o "$B/libplivo.stripped.so" "$R/libplivo.so" && stat -c %s "$B/libplivo.stripped.so")

log "compiling the C drivers"
CFLAGS=(-O2 -g -Wall -Wextra)
gcc "${CFLAGS[@]}" -I"$REPO/include" -o "$B/bench_plivo" "$HERE/bench_plivo.c" \
    -L"$B/lib" -Wl,-rpath,"$B/lib" -lplivo -lpthread
gcc "${CFLAGS[@]}" -o "$B/bench_raw" "$HERE/bench_raw.c"
gcc "${CFLAGS[@]}" -o "$B/cold_plivo" "$HERE/cold_plivo.c" -ldl
gcc "${CFLAGS[@]}" -o "$B/spawn_timer" "$HERE/spawn_timer.c"

log "building the Go driver (bindings/go via replace, release library via pkg-config)"
uninstalled_pc "$B/pkgconfig" "$B/lib"
(cd "$HERE/go" && PKG_CONFIG_PATH="$B/pkgconfig" go build -o "$B/bench_go" .)

log "installing plivo_ffi (bindings/python, from a copy) into $VENV"
rm -rf "$B/plivo_ffi-src" && mkdir -p "$B/plivo_ffi-src"
cp -r "$REPO/bindings/python/pyproject.toml" "$REPO/bindings/python/README.md" \
    "$REPO/bindings/python/src" "$B/plivo_ffi-src/"
rm -rf "$B/plivo_ffi-src/src/"*.egg-info
pip_install --force-reinstall --no-deps "$B/plivo_ffi-src"
export PLIVO_LIBRARY="$B/lib/libplivo.so"

# --- 2. the server ----------------------------------------------------------------------
new_temp_dir PRIV   # the captured request (it carries Authorization)
trap 'exit 130' INT TERM # cleanup (at_exit) on Ctrl-C too

export PLIVO_AUTH_ID=MADEMOACCOUNT0000001
PLIVO_AUTH_TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"   # a fresh throw-away token
export PLIVO_AUTH_TOKEN
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy PLIVO_BASE_URL

# Server-side state: every measured stop uses call_uuid fault-status204-bench, which the
# server always answers 204 without touching its call table (see README: why).
CALL=fault-status204-bench STREAM=s1
start_server SERVER --request-log-limit 0 2>"$PRIV/server.log"
URL="$SERVER_URL"
PORT="${URL##*:}"; PORT="${PORT%%/*}"
ADMIN="http://127.0.0.1:$PORT/__admin"
log "plivo-server (release) pid $SERVER_PID at $URL"
admin_stats() { curl -sf "$ADMIN/stats/"; }
seed() { curl -sf -o /dev/null -X POST "$ADMIN/calls/" -H 'Content-Type: application/json' \
    -d "{\"call_uuid\":\"$1\",\"streams\":[\"$2\"]}"; }

NPROC=$(nproc)
ALL_CPUS="0-$((NPROC - 1))"
pin_server() { taskset -a -p -c "$1" "$SERVER_PID" >/dev/null; }

# --- 3. the raw client's request bytes: captured from libplivo itself ----------------
"$PY" "$HERE/capture.py" "$PRIV/request.tmpl" "$PRIV/headers.json" -- \
    "$B/bench_plivo" --base-url '{URL}' --auth-id "$PLIVO_AUTH_ID" --call "$CALL" \
    --stream "$STREAM" --calls 0 --warmup 1 >/dev/null

# --- 4. the drivers ----------------------------------------------------------------------
# driver SYSTEM CALL STREAM CALLS WARMUP [extra args...]: sets DRV to the command line.
driver() {
    local sys=$1 call=$2 stream=$3 n=$4 w=$5; shift 5
    case "$sys" in
        libplivo-c) DRV=("$B/bench_plivo" --base-url "$URL" --auth-id "$PLIVO_AUTH_ID") ;;
        raw-c) DRV=("$B/bench_raw" --port "$PORT" --template "$PRIV/request.tmpl"
                    --account-path "/v1/Account/$PLIVO_AUTH_ID/") ;;
        libplivo-python) DRV=("$PY" "$HERE/bench_py.py" ffi --base-url "$URL") ;;
        sdk-python) DRV=("$PY" "$HERE/bench_py.py" sdk --base-url "$URL") ;;
        libplivo-go) DRV=("$B/bench_go" --base-url "$URL") ;;
        *) echo "run.sh: unknown system $sys" >&2; return 1 ;;
    esac
    DRV+=(--call "$call" --stream "$stream" --calls "$n" --warmup "$w" "$@")
}
SYSTEMS=(raw-c libplivo-c libplivo-go libplivo-python sdk-python)

# Each system stops one real, seeded stream first: the fault call skips the server's
# auth check and call table, so this proves path, credentials and headers are right.
log "verifying every client against a real (seeded) stream"
for sys in "${SYSTEMS[@]}"; do
    seed "verify-$sys" s1
    driver "$sys" "verify-$sys" s1 1 0
    if ! timeout 60 "${DRV[@]}" >/dev/null; then
        echo "run.sh: $sys failed to stop a real stream" >&2; exit 1
    fi
done
mkdir -p "$OUT"
RAW="$OUT/runs.jsonl"; : >"$RAW"

# record KIND PLACEMENT REP SYSTEM -- command...: runs it, adds run metadata, appends.
record() {
    local kind=$1 placement=$2 rep=$3 sys=$4; shift 5
    local c0 c1 line rc=0
    c0=$(admin_stats | sed 's/.*"connections":\([0-9]*\).*/\1/')
    line=$(timeout 600 "$@") || rc=$?
    c1=$(admin_stats | sed 's/.*"connections":\([0-9]*\).*/\1/')
    [ -n "$line" ] || line='{"errors":-1}'
    # connections opened by the driver (the stats request itself opens one)
    printf '%s\n' "$line" | "$PY" -c '
import json,sys
d=json.loads(sys.stdin.read()); kind,pl,rep,sysname,conns,rc=sys.argv[1:]
d.update(kind=kind,placement=pl,rep=int(rep),system=sysname,connections=int(conns),exit=int(rc))
print(json.dumps(d))' "$kind" "$placement" "$rep" "$sys" "$((c1 - c0 - 1))" "$rc" >>"$RAW"
    [ "$rc" = 0 ] || log "  $sys ($kind, $placement, rep $rep) exited $rc"
}

client_pin() { case "$1" in unpinned) ;; *) echo taskset -c 0 ;; esac; }
server_cpus() { case "$1" in unpinned) echo "$ALL_CPUS" ;; same-cpu) echo 0 ;; cross-cpu) echo 1 ;; esac; }
PLACEMENTS=(unpinned same-cpu cross-cpu)
[ "$NPROC" -ge 2 ] || PLACEMENTS=(unpinned same-cpu)

log "main loop: ${#SYSTEMS[@]} systems x ${#PLACEMENTS[@]} placements x $REPS reps, $CALLS calls each (+$WARMUP warm-up)"
for rep in $(seq 1 "$REPS"); do
    # rotate the placement order, shuffle the system order: no system always runs first
    for k in $(seq 0 $((${#PLACEMENTS[@]} - 1))); do
        placement=${PLACEMENTS[$(( (k + rep) % ${#PLACEMENTS[@]} ))]}
        pin_server "$(server_cpus "$placement")"
        for sys in $(printf '%s\n' "${SYSTEMS[@]}" | shuf --random-source=<(yes "$rep$k")); do
            driver "$sys" "$CALL" "$STREAM" "$CALLS" "$WARMUP" --server-pid "$SERVER_PID"
            # shellcheck disable=SC2046
            record main "$placement" "$rep" "$sys" -- $(client_pin "$placement") "${DRV[@]}"
        done
    done
    log "  rep $rep/$REPS done"
done
pin_server "$ALL_CPUS"

log "threads sharing one client (unpinned): 1 2 4 8, $THREAD_CALLS calls in all"
for rep in $(seq 1 "$REPS"); do
    for t in $(printf '%s\n' 1 2 4 8 | shuf --random-source=<(yes "t$rep")); do
        driver libplivo-c "$CALL" "$STREAM" "$THREAD_CALLS" "$WARMUP" --threads "$t" --server-pid "$SERVER_PID"
        record threads unpinned "$rep" libplivo-c -- "${DRV[@]}"
    done
done

log "memory: RSS after 1k and $RSS_CALLS calls"
for sys in libplivo-c raw-c; do
    driver "$sys" "$CALL" "$STREAM" "$RSS_CALLS" 0 --no-lat --rss-at "1000,$RSS_CALLS"
    record memory unpinned 1 "$sys" -- "${DRV[@]}"
done

log "callgrind: instructions per call ($CG_CALLS calls minus 0 calls, after 1 warm-up call)"
CG="$B/callgrind"; CGO="$OUT/callgrind"; rm -rf "$CG"; mkdir -p "$CG" "$CGO"
for sys in libplivo-c raw-c; do
    for n in 0 "$CG_CALLS"; do
        driver "$sys" "$CALL" "$STREAM" "$n" 1 --no-lat
        timeout 900 valgrind --tool=callgrind --callgrind-out-file="$CG/$sys.$n.out" "${DRV[@]}" \
            >/dev/null 2>"$CG/$sys.$n.log"
    done
    for n in 0 "$CG_CALLS"; do   # totals (Ir) for analyze.py
        sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$CG/$sys.$n.out" | head -1 >"$CGO/$sys.$n.ir"
    done
    # the profile: only what runs inside the stop calls (start-up excluded)
    driver "$sys" "$CALL" "$STREAM" "$CG_CALLS" 1 --no-lat
    timeout 900 valgrind --tool=callgrind --callgrind-out-file="$CG/$sys.profile.out" \
        --toggle-collect="$( [ "$sys" = raw-c ] && echo stop_stream || echo plivo_stop_stream )" \
        "${DRV[@]}" >/dev/null 2>"$CG/$sys.profile.log"
    callgrind_annotate --inclusive=no "$CG/$sys.profile.out" 2>/dev/null | head -70 >"$CGO/$sys.self.txt" || true
    callgrind_annotate --inclusive=yes "$CG/$sys.profile.out" 2>/dev/null | head -90 >"$CGO/$sys.inclusive.txt" || true
done

log "strace: system calls per call ($CG_CALLS calls minus 0 calls)"
for sys in libplivo-c raw-c; do
    for n in 0 "$CG_CALLS"; do
        driver "$sys" "$CALL" "$STREAM" "$n" 1 --no-lat
        timeout 300 strace -f -c -o "$CGO/$sys.$n.strace" "${DRV[@]}" >/dev/null
    done
done

log "cold start: exec -> first completed stop (median of $COLD_C C / $COLD_PY Python runs)"
COLD="$OUT/cold.jsonl"; : >"$COLD"
cold() {
    local sys=$1 reps=$2; shift 2
    printf '%s\n' "$("$B/spawn_timer" "$reps" "$@")" | "$PY" -c '
import json,sys; d=json.loads(sys.stdin.read()); d["system"]=sys.argv[1]; print(json.dumps(d))' "$sys" >>"$COLD"
}
# COLD_ROUNDS interleaved rounds, so a burst of load from elsewhere hits every system alike
for round in $(seq 1 "$COLD_ROUNDS"); do
    PLIVO_BASE_URL="$URL" cold libplivo-c $((COLD_C / COLD_ROUNDS)) "$B/cold_plivo" "$B/lib/libplivo.so" "$CALL" "$STREAM"
    cold raw-c $((COLD_C / COLD_ROUNDS)) "$B/bench_raw" --port "$PORT" --template "$PRIV/request.tmpl" \
        --account-path "/v1/Account/$PLIVO_AUTH_ID/" --call "$CALL" --stream "$STREAM" --cold
    if [ $(( (round - 1) * COLD_PY / COLD_ROUNDS )) -lt $(( round * COLD_PY / COLD_ROUNDS )) ]; then
        n=$(( round * COLD_PY / COLD_ROUNDS - (round - 1) * COLD_PY / COLD_ROUNDS ))
        cold libplivo-python "$n" "$PY" "$HERE/bench_py.py" ffi --base-url "$URL" --call "$CALL" --stream "$STREAM" --cold
        cold sdk-python "$n" "$PY" "$HERE/bench_py.py" sdk --base-url "$URL" --call "$CALL" --stream "$STREAM" --cold
    fi
done

stop_server SERVER

# --- 5. report --------------------------------------------------------------------------
git_commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || git_commit="$git_commit+dirty"
"$PY" - "$OUT/meta.json" <<PYMETA
import json, platform, subprocess, sys
def out(*cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError: return ""
model = next((l.split(":",1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
import importlib.metadata as md
json.dump({
  "date": out("date","-u","+%Y-%m-%d %H:%M UTC"), "commit": "$git_commit",
  "nproc": $NPROC, "cpu_model": model, "kernel": platform.release(),
  "loadavg_start": "$LOAD_START".split(), "loadavg_end": open("/proc/loadavg").read().split()[:3],
  "quick": bool($QUICK), "calls": $CALLS, "reps": $REPS, "warmup": $WARMUP,
  "thread_calls": $THREAD_CALLS, "rss_calls": $RSS_CALLS, "callgrind_calls": $CG_CALLS,
  "cold_reps_c": $COLD_C, "cold_reps_python": $COLD_PY,
  "server": "plivo-server (release) --request-log-limit 0, default 2 tokio workers",
  "call_uuid": "$CALL",
  "libplivo_version": "$(package_version)",
  "sdk_version": md.version("plivo"), "requests_version": md.version("requests"),
  "python": platform.python_version(), "go": out("go","version"),
  "gcc": out("gcc","-dumpfullversion"), "rustc": out("rustc","--version"),
  "so_bytes": $SO_BYTES, "so_stripped_bytes": $SO_STRIPPED_BYTES, "a_bytes": $A_BYTES,
  "request_headers": json.load(open("$PRIV/headers.json")),
  "runtime_s": $(( $(date +%s) - STARTED )),
}, open(sys.argv[1], "w"), indent=1)
PYMETA
log "writing $OUT/results.md, results.json, chart.png, summary.md"
"$PY" "$HERE/analyze.py" "$OUT"
cat "$OUT/results.md"
log "done in $(( $(date +%s) - STARTED )) s"
