#!/usr/bin/env bash
# Builds libplivo and plivo-server, compiles the C++ binding's tests (C++11 and C++17,
# dynamic and static linking, plus a -fno-exceptions build) and the example, and runs
# each test program against a fresh bundled server on 127.0.0.1 (ephemeral port).
#
#   bindings/cpp/run_tests.sh          from anywhere; exits non-zero on any failure
#
# Environment: CXX (default g++), KEEP_BUILD=1 keeps the temporary build directory.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CXX="${CXX:-g++}"

log() { printf '== %s\n' "$*" >&2; }

# --- toolchain ---------------------------------------------------------------------
. "$ROOT/tests/native.sh" # need, build_native
if ! command -v "$CXX" >/dev/null 2>&1; then
    need g++ g++
    CXX=g++
fi

# --- library and server -------------------------------------------------------------
log "cargo build -p plivo -p plivo-server"
build_native
LIBDIR="$PLIVO_LIB_DIR"
SERVER_BIN="$PLIVO_SERVER_BIN"
for f in "$LIBDIR/libplivo.so" "$LIBDIR/libplivo.a" "$SERVER_BIN"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 1; }
done

# System libraries the static library needs, as rustc reports them (cached by cargo,
# so this is cheap); the usual Linux list if that fails.
NATIVE_LIBS="$(cd "$ROOT" && cargo rustc -q -p plivo --lib --crate-type staticlib -- \
    --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1)" || true
if [ -z "$NATIVE_LIBS" ]; then
    NATIVE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
fi

# --- build directory and cleanup ----------------------------------------------------
BUILD="$(mktemp -d "${TMPDIR:-/tmp}/plivo-cpp.XXXXXX")"
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    if [ "${KEEP_BUILD:-0}" = 1 ]; then
        log "build directory kept: $BUILD"
    else
        rm -rf "$BUILD"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WARN=(-Wall -Wextra -pedantic -Werror -g -pthread)
INC=(-I"$ROOT/include" -I"$HERE" -I"$HERE/tests")
DYN=(-L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lplivo)
# shellcheck disable=SC2206  # NATIVE_LIBS is a list of flags
STATIC=("$LIBDIR/libplivo.a" $NATIVE_LIBS)

compile() { # compile OUTPUT STD SOURCE [extra flags...]
    local out="$1" std="$2" src="$3"
    shift 3
    log "compile $(basename "$out") (-std=$std $*)"
    "$CXX" -std="$std" "${WARN[@]}" "${INC[@]}" "$src" -o "$BUILD/$out" "$@"
}

compile test_cxx11 c++11 "$HERE/tests/test_plivo.cpp" "${DYN[@]}"
compile test_cxx17 c++17 "$HERE/tests/test_plivo.cpp" "${DYN[@]}"
compile test_static c++11 "$HERE/tests/test_plivo.cpp" "${STATIC[@]}"
compile test_noexcept c++11 "$HERE/tests/test_noexcept.cpp" -fno-exceptions "${DYN[@]}"
compile example c++11 "$HERE/example.cpp" "${DYN[@]}"
compile example_cxx17 c++17 "$HERE/example.cpp" "${DYN[@]}"

if readelf -d "$BUILD/test_static" | grep -q 'NEEDED.*libplivo'; then
    echo "test_static is dynamically linked to libplivo" >&2
    exit 1
fi

# --- server -------------------------------------------------------------------------
AUTH_ID="MACPPTEST$(od -An -tu4 -N4 /dev/urandom | tr -dc 0-9)"
AUTH_TOKEN="tok-$(od -An -tx1 -N16 /dev/urandom | tr -dc 0-9a-f)"   # never printed
BASE_URL=""

start_server() { # start_server SEED_ARGS... ; sets SERVER_PID and BASE_URL
    local out="$BUILD/server.out"
    : >"$out"
    "$SERVER_BIN" --listen 127.0.0.1:0 --auth-id "$AUTH_ID" --auth-token "$AUTH_TOKEN" "$@" \
        >"$out" 2>"$BUILD/server.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 200); do
        BASE_URL="$(head -n 1 "$out")"
        case "$BASE_URL" in
            http://127.0.0.1:*/) return 0 ;;
        esac
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "plivo-server did not start; its stderr:" >&2
    cat "$BUILD/server.err" >&2
    exit 1
}

FAILED=0
run_test() { # run_test BINARY
    local bin="$BUILD/$1" seeds=()
    mapfile -t seeds < <("$bin" --print-seeds)
    start_server "${seeds[@]}"
    log "run $1 against $BASE_URL"
    local status=0
    PLIVO_BASE_URL="$BASE_URL" PLIVO_AUTH_ID="$AUTH_ID" PLIVO_AUTH_TOKEN="$AUTH_TOKEN" \
        timeout 300 "$bin" >"$BUILD/$1.out" || status=$?
    cat "$BUILD/$1.out"
    stop_server
    if [ "$status" -ne 0 ] || ! tail -n 1 "$BUILD/$1.out" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
        echo "FAIL: $1 (exit status $status)" >&2
        FAILED=1
    fi
}

run_test test_cxx11
run_test test_cxx17
run_test test_static
run_test test_noexcept

# The example: stop, stop again (already stopped = success), then a real failure.
start_server --seed x1:s1
log "run example against $BASE_URL"
export PLIVO_BASE_URL="$BASE_URL" PLIVO_AUTH_ID="$AUTH_ID" PLIVO_AUTH_TOKEN="$AUTH_TOKEN"
ex_status=0
"$BUILD/example" x1 s1 && "$BUILD/example_cxx17" x1 s1 || ex_status=$?
if [ "$ex_status" -ne 0 ]; then
    echo "FAIL: example exited $ex_status" >&2
    FAILED=1
fi
ex_status=0
"$BUILD/example" nosuchcall s1 2>"$BUILD/example.err" || ex_status=$?
cat "$BUILD/example.err"
if [ "$ex_status" -ne "5" ]; then   # PLIVO_ERR_NOT_FOUND
    echo "FAIL: example on an unknown call exited $ex_status, expected 5" >&2
    FAILED=1
fi
if grep -qF -- "$AUTH_TOKEN" "$BUILD"/*.out "$BUILD"/*.err; then
    echo "FAIL: the auth token appears in some output" >&2
    FAILED=1
fi
unset PLIVO_BASE_URL PLIVO_AUTH_ID PLIVO_AUTH_TOKEN
stop_server

if [ "$FAILED" -ne 0 ]; then
    log "C++ binding tests FAILED"
    exit 1
fi
log "C++ binding tests passed"
