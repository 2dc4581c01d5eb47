#!/usr/bin/env bash
# Builds libplivo and plivo-server, compiles the C++ binding's tests (C++11 and C++17,
# dynamic and static linking, plus a -fno-exceptions build) and the example, and runs
# each test program against a fresh bundled server on 127.0.0.1 (ephemeral port). The
# queue / log sink / stats tests (tests/test_queue.cpp) also run under valgrind and
# built with ASan+UBSan: their ownership checks rely on that to catch a use after free.
#
#   bindings/cpp/run_tests.sh          from anywhere; exits non-zero on any failure
#
# Environment: CXX (default g++), KEEP_BUILD=1 keeps the temporary build directory.
# Prints `N passed, M failed` (programs and checks).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../../tests/lib.sh" # REPO, need, build_native, native_static_libs, start_server, check, report
CXX="${CXX:-g++}"

# --- toolchain, library and server ----------------------------------------------------
if ! command -v "$CXX" >/dev/null 2>&1; then
    need g++ g++
    CXX=g++
fi
need valgrind valgrind
build_native
LIBDIR="$PLIVO_LIB_DIR"
NATIVE_LIBS="$(native_static_libs)"

# --- build directory ----------------------------------------------------------------
if [ "${KEEP_BUILD:-0}" = 1 ]; then
    BUILD="$(mktemp -d "${TMPDIR:-/tmp}/plivo-cpp.XXXXXX")"
    at_exit "echo '== build directory kept: $BUILD' >&2"
else
    new_temp_dir BUILD
fi
trap 'exit 130' INT TERM # cleanup (at_exit) on Ctrl-C too

WARN=(-Wall -Wextra -pedantic -Werror -g -pthread)
INC=(-I"$REPO/include" -I"$HERE" -I"$HERE/tests")
DYN=(-L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lplivo)
# shellcheck disable=SC2206  # NATIVE_LIBS is a list of flags
STATIC=("$LIBDIR/libplivo.a" $NATIVE_LIBS)

compile() { # compile OUTPUT STD SOURCE [extra flags...]
    local out="$1" std="$2" src="$3"
    shift 3
    echo "== compile $(basename "$out") (-std=$std $*)"
    "$CXX" -std="$std" "${WARN[@]}" "${INC[@]}" "$src" -o "$BUILD/$out" "$@"
}

compile test_cxx11 c++11 "$HERE/tests/test_plivo.cpp" "${DYN[@]}"
compile test_cxx17 c++17 "$HERE/tests/test_plivo.cpp" "${DYN[@]}"
compile test_static c++11 "$HERE/tests/test_plivo.cpp" "${STATIC[@]}"
compile test_noexcept c++11 "$HERE/tests/test_noexcept.cpp" -fno-exceptions "${DYN[@]}"
compile test_queue_cxx11 c++11 "$HERE/tests/test_queue.cpp" "${DYN[@]}"
compile test_queue_cxx17 c++17 "$HERE/tests/test_queue.cpp" "${DYN[@]}"
compile test_queue_asan c++17 "$HERE/tests/test_queue.cpp" -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer "${DYN[@]}"
compile example c++11 "$HERE/example.cpp" "${DYN[@]}"
compile example_cxx17 c++17 "$HERE/example.cpp" "${DYN[@]}"

if readelf -d "$BUILD/test_static" | grep -q 'NEEDED.*libplivo'; then
    echo "test_static is dynamically linked to libplivo" >&2
    exit 1
fi

# --- runs against the server -----------------------------------------------------------
export PLIVO_AUTH_ID="MACPPTEST$(od -An -tu4 -N4 /dev/urandom | tr -dc 0-9)"
PLIVO_AUTH_TOKEN="tok-$(od -An -tx1 -N16 /dev/urandom | tr -dc 0-9a-f)" # never printed
export PLIVO_AUTH_TOKEN

serve() { # serve SEED_ARGS...: a fresh server for one program; exports PLIVO_BASE_URL
    stop_server SRV
    start_server SRV --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" "$@" \
        2>>"$BUILD/server.err" || { cat "$BUILD/server.err" >&2; return 1; }
    export PLIVO_BASE_URL="$SRV_URL"
}

run_test() { # run_test BINARY [WRAPPER...]: its own `N passed, 0 failed` line must
    #            close its output (and the wrapper, e.g. valgrind, must exit 0)
    local bin="$BUILD/$1" out="$BUILD/$1${2:+.wrapped}" seeds=() status=0
    shift
    mapfile -t seeds < <("$bin" --print-seeds)
    serve "${seeds[@]}" || return 1
    echo "run ${*:+$* }$(basename "$bin") against $PLIVO_BASE_URL"
    timeout 600 "$@" "$bin" >"$out.out" 2>"$out.err" || status=$?
    cat "$out.out" "$out.err"
    echo "exit status $status"
    [ "$status" -eq 0 ] && tail -n 1 "$out.out" | grep -Eq '^[0-9]+ passed, 0 failed$'
}
for t in test_cxx11 test_cxx17 test_static test_noexcept test_queue_cxx11 test_queue_cxx17; do
    check "$t" run_test "$t"
done
# ASan/UBSan: any error, or a leak, makes the program exit non-zero.
check "test_queue_asan (ASan+UBSan)" run_test test_queue_asan env ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1 PLIVO_TEST_SLACK=2
# valgrind: an invalid access or a definite/indirect leak is exit status 99.
VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
check "test_queue_cxx11 under valgrind" run_test test_queue_cxx11 env PLIVO_TEST_SLACK=10 \
    "${VALGRIND[@]}"

# The example: stop, stop again (already stopped = success), then a real failure.
examples() {
    serve --seed x1:s1 || return 1
    echo "run example against $PLIVO_BASE_URL"
    "$BUILD/example" x1 s1 && "$BUILD/example_cxx17" x1 s1
}
check "example, example_cxx17: stop, then stop again (already stopped): exit 0" examples
unknown_call() {
    local status=0
    "$BUILD/example" nosuchcall s1 2>"$BUILD/example.err" || status=$?
    cat "$BUILD/example.err"
    echo "exit status $status"
    [ "$status" -eq 5 ] # PLIVO_ERR_NOT_FOUND
}
check "example on an unknown call: exit 5 (PLIVO_ERR_NOT_FOUND)" unknown_call
no_token() { ! grep -lF -- "$PLIVO_AUTH_TOKEN" "$BUILD"/*.out "$BUILD"/*.err; }
check "the auth token appears in no output" no_token
stop_server SRV

report
