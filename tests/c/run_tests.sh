#!/usr/bin/env bash
# The C side of libplivo's tests: builds the library and the bundled server, compiles
# the C tests (gcc -std=c99 -Wall -Wextra -Werror), and runs them
#   1. linked against libplivo.so, then against libplivo.a (static);
#   2. under valgrind (memcheck, full leak check; definite/indirect leaks are errors);
#   3. built with clang -fsanitize=address,undefined (the Rust library itself is not
#      instrumented; ASan still intercepts every malloc/free, so leaks and frees of
#      library memory are checked; LeakSanitizer on);
# plus the example bindings/c-examples/stop_stream.c (dynamic and static) against the server:
# the first stop exits 0, the second 2 (PLIVO_ERR_NO_ACTIVE_STREAM).
# Installs gcc, clang and valgrind from Debian's packages when missing.
# Prints `N passed, M failed` (checks) and exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"

need_cargo
need gcc gcc
need clang clang
need valgrind valgrind

build_native
INCLUDE="$REPO/include"
LIB="$PLIVO_LIB_DIR"
NATIVE_LIBS=$(native_static_libs)
# misuse.c reads the result codes' names from the ABI's list of them.
CFLAGS=(-std=c99 -Wall -Wextra -Werror -g -I"$INCLUDE" -I"$here"
    -DPLIVO_CODES_TXT="\"$REPO/tests/abi/codes.txt\"")

new_temp_dir work

export PLIVO_AUTH_ID=MACTEST0000000000001
export PLIVO_AUTH_TOKEN=c-tests-Secret-Tok-77
unset PLIVO_BASE_URL

# fresh_server: a new bundled server with the e2e seeds; exports PLIVO_BASE_URL.
fresh_server() {
    start_server SRV --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
        --seed e2e-call:e2e-s1 --seed e2e-env:e2e-s1 --seed e2e-life: \
        --seed demo-call:demo-stream 2>>"$work/server.log"
    export PLIVO_BASE_URL=$SRV_URL
}

echo "== compiling (gcc ${CFLAGS[*]})"
for t in misuse e2e hygiene hosts; do
    gcc "${CFLAGS[@]}" "$here/$t.c" -L"$LIB" -lplivo -Wl,-rpath,"$LIB" -lpthread \
        -o "$work/$t"
    gcc "${CFLAGS[@]}" "$here/$t.c" "$LIB/libplivo.a" $NATIVE_LIBS -o "$work/$t-static"
    clang "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined "$here/$t.c" -L"$LIB" -lplivo \
        -Wl,-rpath,"$LIB" -lpthread -o "$work/$t-asan"
done
gcc "${CFLAGS[@]}" -D_DEFAULT_SOURCE "$here/queue_free.c" -L"$LIB" -lplivo -Wl,-rpath,"$LIB" \
    -o "$work/queue_free"
gcc -std=c99 -Wall -Wextra -Werror -shared -fPIC "$here/slow_lookup.c" -ldl -o "$work/slow_lookup.so"
# Not linked against libplivo: it dlopens it, so that every load is a real one.
gcc "${CFLAGS[@]}" "$here/reload.c" -ldl -o "$work/reload"
example="$REPO/bindings/c-examples/stop_stream.c"
gcc "${CFLAGS[@]}" "$example" -L"$LIB" -lplivo -Wl,-rpath,"$LIB" -o "$work/stop_stream"
gcc "${CFLAGS[@]}" "$example" "$LIB/libplivo.a" $NATIVE_LIBS -o "$work/stop_stream-static"
gcc "${CFLAGS[@]}" "$REPO/bindings/c-examples/poll_stops.c" -L"$LIB" -lplivo -Wl,-rpath,"$LIB" -o "$work/poll_stops"
if ldd "$work/misuse-static" | grep -q libplivo; then
    echo "misuse-static links libplivo.so: the static build is not static" >&2
    exit 1
fi

run_e2e() { fresh_server && "$@"; }

# valgrind: memcheck with a full leak check. "Still reachable" blocks (thread-local
# and lazily initialised statics of the Rust runtime that live until exit) are
# reported but are not errors; definite and indirect leaks are. No suppressions needed.
VALGRIND=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=98
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check "misuse (libplivo.so)" "$work/misuse"
check "misuse (libplivo.a)" "$work/misuse-static"
check "misuse (valgrind)" "${VALGRIND[@]}" "$work/misuse"
check "misuse (ASan+UBSan)" "$work/misuse-asan"
check "e2e (libplivo.so)" run_e2e "$work/e2e"
check "e2e (libplivo.a)" run_e2e "$work/e2e-static"
check "e2e (valgrind)" run_e2e "${VALGRIND[@]}" "$work/e2e"
check "e2e (ASan+UBSan)" run_e2e "$work/e2e-asan"

example_twice() { fresh_server && stop_twice demo-call demo-stream "$@"; }
check "bindings/c-examples/stop_stream.c (libplivo.so): exit 0 then 2" example_twice "$work/stop_stream"
check "bindings/c-examples/stop_stream.c (libplivo.a): exit 0 then 2" example_twice "$work/stop_stream-static"
check "bindings/c-examples/stop_stream.c (valgrind): exit 0 then 2" example_twice "${VALGRIND[@]}" "$work/stop_stream"

# bindings/c-examples/poll_stops.c: 1000 stops from a poll() loop on a completion queue, one
# result per submit, every stop 204; then the same under valgrind (no leak).
poll_stops_1000() { # poll_stops_1000 COMMAND...
    local streams
    streams=$(seq -s, -f 's%g' 0 999)
    start_server PSRV --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
        --seed "poll-call:$streams" 2>>"$work/server.log"
    PLIVO_BASE_URL=$PSRV_URL "$@" poll-call 1000 64
}
check "bindings/c-examples/poll_stops.c: 1000 stops from poll()" poll_stops_1000 "$work/poll_stops"
check "bindings/c-examples/poll_stops.c (valgrind)" poll_stops_1000 "${VALGRIND[@]}" "$work/poll_stops"

# tests/c/hygiene.c: fork with a shared client, fork during calls, 204s with bodies.
hygiene() { # hygiene COMMAND...
    start_server HSRV --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
        --seed "hyg-call:s0,s1,s2,s3,s4" 2>>"$work/server.log"
    PLIVO_BASE_URL=$HSRV_URL "$@"
}
check "hygiene: fork, fork during calls, 204 bodies (libplivo.so)" hygiene "$work/hygiene"
# A child forked while threads were inside calls inherits heap blocks of threads that do
# not exist in it, so its exit is no leak check: here valgrind looks for memory errors
# (invalid reads and writes, in parent and children); leaks are the other runs' job.
check "hygiene (valgrind: memory errors)" hygiene "${VALGRIND[@]}" --errors-for-leak-kinds=none --show-leak-kinds=none \
    "$work/hygiene"
check "hygiene (ASan+UBSan)" hygiene "$work/hygiene-asan"

# tests/c/hosts.c and reload.c: timer signals without SA_RESTART, every descriptor
# taken, module reload (dlopen/dlclose 20 times).
check "hosts: signals, descriptor exhaustion" run_e2e "$work/hosts"
check "hosts (ASan+UBSan)" run_e2e "$work/hosts-asan"
check "reload: dlopen/use/dlclose x20" run_e2e "$work/reload" "$LIB/libplivo.so"

# tests/c/queue_free.c: a queue freed while its request waits on a 1 s name lookup
# (getaddrinfo slowed by a preloaded shim; "localhost" comes from /etc/hosts).
slow_lookup_free() {
    fresh_server
    PLIVO_BASE_URL=${PLIVO_BASE_URL/127.0.0.1/localhost} LD_PRELOAD="$work/slow_lookup.so" "$@"
}
check "queue_free: free during a slow lookup is prompt, no log line after it" \
    slow_lookup_free "$work/queue_free"

report
