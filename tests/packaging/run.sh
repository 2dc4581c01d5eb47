#!/usr/bin/env bash
# Packaging test: the packages as a new user gets them, on this (disposable) machine.
#   wheel   `make wheel`: name, tags (file name = WHEEL Tag lines, Root-Is-Purelib:
#           false), one real libplivo.so in the package directory, the crate's version;
#           installed into a fresh venv from a copy outside the tree, imported from an
#           empty directory with no PLIVO_LIBRARY: loads its bundled library and stops
#           a stream twice (OK, then NoActiveStreamError) against the bundled server;
#           PLIVO_LIBRARY still wins; nothing was copied into the source tree; the
#           source install (pip install ./bindings/python) still works.
#   debs    `make deb`: names, versions, Multi-Arch, Depends, contents (multiarch
#           paths, modes, links), copyright, ldconfig trigger, symbols file = the ABI
#           symbol list, lintian without errors; `dpkg -i`, then a C program built with
#           pkg-config (shared, --static) and CMake find_package(plivo) stops a stream
#           twice (exit 0 then 2); `dpkg --purge` leaves nothing behind.
#   plivo-stream (the installed /usr/bin one): every command and exit status against
#           the bundled server, --help/--version, options before and after the
#           command, and the token in no output.
#
#   tests/packaging/run.sh         (or: make test-packaging)
#
# Installs what it needs (lintian, debhelper, patchelf, ...) with apt-get; runs
# dpkg -i / --purge as root (or through sudo). Prints `N passed, M failed`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh" # REPO, need, need_install_tools, build_native, start_server
cd "$REPO"
export LC_ALL=C

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
PACKAGES=(plivo-stream libplivo-dev libplivo0)
tmp=$(mktemp -d)
SERVER_PID=
installed=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    # Never leave the packages installed after a failed run.
    if [ -n "$installed" ]; then
        $sudo dpkg --purge "${PACKAGES[@]}" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    _lib_exit # what tests/lib.sh was asked to clean up (its EXIT trap is replaced here)
}
trap cleanup EXIT

need_install_tools
need lintian lintian
need dpkg-deb dpkg

passed=0
failed=0
check() {
    local name=$1 log
    shift
    log=$(mktemp "$tmp/log.XXXXXX")
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok:   $name"
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed 's/^/        /' "$log"
    fi
}
step() {
    local name=$1 log
    shift
    log=$(mktemp "$tmp/log.XXXXXX")
    echo "== $name"
    if ! "$@" >"$log" 2>&1; then
        sed 's/^/        /' "$log"
        echo "packaging test: setup step failed: $name" >&2
        echo "$passed passed, $((failed + 1)) failed"
        exit 1
    fi
}

VERSION=$(make -s --no-print-directory print-version)
MAJOR=${VERSION%%.*}
UPSTREAM=${VERSION/-/\~}
DEB_VERSION=$UPSTREAM-1
ARCH=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
LIBDIR=/usr/lib/$MA
# The installed library as ldd and ldconfig name it (/lib is /usr/lib on merged-/usr).
LIBRE="(/usr)?/lib/$MA/libplivo\.so\.${VERSION%%.*}"

export PLIVO_AUTH_ID=MAPACKAGETEST0000001
export PLIVO_AUTH_TOKEN=packaging-secret-token-7c1e
unset PLIVO_LIBRARY PLIVO_BASE_URL PKG_CONFIG_PATH PKG_CONFIG_LIBDIR LD_LIBRARY_PATH || true
CALL=pkg-call-1

step "build the bundled server (debug)" build_native
step "make wheel" make wheel
step "make deb" make deb

start_server SERVER --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" \
    --seed "$CALL:py-1,c-shared,c-static,c-cmake-shared,c-cmake-static,cli-1,cli-2" \
    --seed pkg-call-2:a,b --seed pkg-call-empty:
case $SERVER_URL in
    http://127.0.0.1:*) ;;
    *) echo "packaging test: the server is not on loopback: $SERVER_URL" >&2; exit 1 ;;
esac
echo "== bundled server at $SERVER_URL"

# ===================================== wheel ==========================================
WHEELS=(target/wheels/plivo_ffi-*.whl)
WHEEL=${WHEELS[0]}
TOOLPY=target/wheel/venv/bin/python
PYVERSION=$("$TOOLPY" -c 'import sys; from packaging.version import Version; print(Version(sys.argv[1]))' "$VERSION")

wheel_name() {
    [ "${#WHEELS[@]}" -eq 1 ] || { echo "expected one wheel: ${WHEELS[*]}"; return 1; }
    echo "$WHEEL"
    [[ $(basename "$WHEEL") =~ ^plivo_ffi-${PYVERSION//./\\.}-py3-none-(manylinux_[0-9]+_[0-9]+_x86_64(\.manylinux[0-9_]+x86_64)*|linux_x86_64)\.whl$ ]] ||
        { echo "unexpected name: $(basename "$WHEEL")"; return 1; }
}
check "wheel: target/wheels/plivo_ffi-$PYVERSION-py3-none-<manylinux or linux_x86_64>.whl" wheel_name

wheel_inside() {
    "$TOOLPY" - "$WHEEL" "$PYVERSION" <<'PY'
import stat, sys, zipfile
path, version = sys.argv[1], sys.argv[2]
name = path.rsplit("/", 1)[-1][: -len(".whl")]
_, ver, py, abi, plats = name.split("-")
assert ver == version, (ver, version)
z = zipfile.ZipFile(path)
names = z.namelist()
info = f"plivo_ffi-{version}.dist-info"
wheel = z.read(f"{info}/WHEEL").decode()
print(wheel)
tags = sorted(l.split(": ", 1)[1] for l in wheel.splitlines() if l.startswith("Tag: "))
expected = sorted(f"{py}-{abi}-{p}" for p in plats.split("."))
assert tags == expected, f"Tag lines {tags} != file name tags {expected}"
assert "Root-Is-Purelib: false" in wheel.splitlines(), "Root-Is-Purelib is not false"
meta = z.read(f"{info}/METADATA").decode()
assert f"Version: {version}" in meta.splitlines(), "METADATA version"
libs = [n for n in names if "libplivo" in n.rsplit("/", 1)[-1]]
assert libs == ["plivo_ffi/libplivo.so"], f"libraries in the wheel: {libs}"
zi = z.getinfo("plivo_ffi/libplivo.so")
mode = zi.external_attr >> 16
assert stat.S_ISREG(mode), f"libplivo.so is not a regular file (mode {oct(mode)})"
assert z.read("plivo_ffi/libplivo.so")[:4] == b"\x7fELF"
others = [n for n in names if not (n.startswith("plivo_ffi/") or n.startswith(info + "/"))]
assert not others, f"unexpected files: {others}"
for need in ("plivo_ffi/__init__.py", "plivo_ffi/_lib.py", "plivo_ffi/py.typed"):
    assert need in names, need
print("\n".join(names))
PY
}
check "wheel: Tag lines = file name, Root-Is-Purelib: false, version $PYVERSION, one real plivo_ffi/libplivo.so" wheel_inside

no_copy_in_tree() {
    local found
    found=$(find bindings/python -name 'libplivo*')
    [ -z "$found" ] || { echo "in the source tree: $found"; return 1; }
    [ ! -e bindings/python/src/plivo_ffi/setup.py ] && [ ! -e bindings/python/setup.py ]
}
check "wheel: no libplivo.so (or setup.py shim) was copied into bindings/python" no_copy_in_tree

# A fresh venv; the wheel copied out of the tree; python run from an empty directory.
mkdir -p "$tmp/wheelhouse" "$tmp/empty"
cp "$WHEEL" "$tmp/wheelhouse/"
PY_ENV=(env -u PLIVO_LIBRARY -u PYTHONPATH -u LD_LIBRARY_PATH -u PKG_CONFIG_PATH)
wheel_venv() {
    "${PYTHON:-python3}" -m venv "$tmp/venv" &&
        "$tmp/venv/bin/python" -m pip install --disable-pip-version-check -q --no-index \
            "$tmp/wheelhouse/$(basename "$WHEEL")"
}
step "pip install the wheel into a fresh venv" wheel_venv
wheel_stop() {
    (cd "$tmp/empty" && "${PY_ENV[@]}" PLIVO_BASE_URL="$SERVER_URL" "$tmp/venv/bin/python" - "$CALL" "$tmp/venv" <<'PY'
import os, sys
import plivo_ffi
call, venv = sys.argv[1], sys.argv[2]
where = plivo_ffi.library_path()
print("library:", where)
assert os.path.realpath(where).startswith(os.path.realpath(venv)), where
assert os.path.dirname(where) == os.path.dirname(plivo_ffi.__file__), where
client = plivo_ffi.Client()
client.stop_stream(call, "py-1")
try:
    client.stop_stream(call, "py-1")
except plivo_ffi.NoActiveStreamError as e:
    print("second stop:", e)
else:
    raise SystemExit("the second stop did not raise NoActiveStreamError")
PY
    )
}
check "wheel venv, empty cwd, no PLIVO_LIBRARY: loads the bundled library; stop OK, then NoActiveStreamError" wheel_stop
wheel_env_wins() {
    (cd "$tmp/empty" && PLIVO_LIBRARY="$PLIVO_LIB_DIR/libplivo.so" "$tmp/venv/bin/python" -c \
        'import sys, plivo_ffi; p = plivo_ffi.library_path(); print(p); sys.exit(p != sys.argv[1])' \
        "$PLIVO_LIB_DIR/libplivo.so")
}
check "wheel venv: PLIVO_LIBRARY, when set, is loaded instead of the bundled library" wheel_env_wins
source_install() {
    # From a copy of bindings/python: pip builds in place, and its build/ and egg-info
    # do not belong in the tree.
    mkdir -p "$tmp/srccopy/bindings" && cp -R bindings/python "$tmp/srccopy/bindings/python" &&
        rm -rf "$tmp/srccopy/bindings/python/build" "$tmp/srccopy/bindings/python/src/"*.egg-info &&
        "${PYTHON:-python3}" -m venv "$tmp/srcvenv" &&
        (cd "$tmp/srccopy" && "$tmp/srcvenv/bin/python" -m pip install --disable-pip-version-check -q ./bindings/python) &&
        (cd "$tmp/empty" && PLIVO_LIBRARY="$PLIVO_LIB_DIR/libplivo.so" "$tmp/srcvenv/bin/python" -c \
            'import plivo_ffi; print(plivo_ffi.version(), plivo_ffi.library_path())') &&
        ! find "$tmp"/srcvenv/lib/python3*/site-packages/plivo_ffi -name 'libplivo*' | grep .
}
check "source install: pip install ./bindings/python works with PLIVO_LIBRARY and bundles no library" source_install

# ====================================== debs ==========================================
D=target/debian
LIB0=$D/libplivo0_${DEB_VERSION}_$ARCH.deb
DEV=$D/libplivo-dev_${DEB_VERSION}_$ARCH.deb
CLI=$D/plivo-stream_${DEB_VERSION}_$ARCH.deb

deb_files() {
    ls -l "$D"/*.deb
    [ -f "$LIB0" ] && [ -f "$DEV" ] && [ -f "$CLI" ] && [ "$(ls "$D"/*.deb | wc -l)" -eq 3 ]
}
check "debs: exactly $(basename "$LIB0"), $(basename "$DEV"), $(basename "$CLI")" deb_files

field() { dpkg-deb -f "$1" "$2"; }
deb_fields() {
    local f
    for f in "$LIB0" "$DEV" "$CLI"; do
        [ "$(field "$f" Version)" = "$DEB_VERSION" ] || { echo "$f: Version $(field "$f" Version)"; return 1; }
        [ "$(field "$f" Architecture)" = "$ARCH" ] || return 1
    done
    [ "$(field "$LIB0" Multi-Arch)" = same ] || { echo "libplivo0: Multi-Arch $(field "$LIB0" Multi-Arch)"; return 1; }
    [ "$(field "$DEV" Multi-Arch)" = same ] || { echo "libplivo-dev: Multi-Arch $(field "$DEV" Multi-Arch)"; return 1; }
    field "$DEV" Depends | tr ',' '\n' | sed 's/^ *//' | grep -x "libplivo0 (= $DEB_VERSION)" >/dev/null ||
        { echo "libplivo-dev Depends: $(field "$DEV" Depends)"; return 1; }
}
check "debs: version $DEB_VERSION, Multi-Arch: same on both libraries, libplivo-dev Depends: libplivo0 (= $DEB_VERSION)" deb_fields

# listing DEB: "mode path[ -> target]" per entry, directories left out.
listing() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { $2 = $3 = $4 = $5 = ""; sub(/^ +/, "", $0); gsub(/ +/, " "); print }' | sed 's| \./| /|; s|^\(.\{10\}\) \./|\1 /|'; }
expect_listing() { # expect_listing DEB EXPECTED-LINES...
    local deb=$1 got
    shift
    got=$(listing "$deb" | grep -v ' /usr/share/doc/' | sort)
    if [ "$got" != "$(printf '%s\n' "$@" | sort)" ]; then
        echo "$deb contents:"; dpkg-deb -c "$deb"; echo "expected:"; printf '%s\n' "$@"; return 1
    fi
    # The whole listing first: `grep -q` stops reading at its match, and dpkg-deb,
    # killed by SIGPIPE, would fail the pipeline under pipefail.
    dpkg-deb -c "$deb" >"$tmp/listing"
    grep -q " \./usr/share/doc/$(field "$deb" Package)/copyright$" "$tmp/listing" ||
        { echo "$deb: no /usr/share/doc/$(field "$deb" Package)/copyright"; return 1; }
}
check "libplivo0: $LIBDIR/libplivo.so.$VERSION (644) and the libplivo.so.$MAJOR link; copyright" \
    expect_listing "$LIB0" \
    "-rw-r--r-- /usr/lib/$MA/libplivo.so.$VERSION" \
    "lrwxrwxrwx /usr/lib/$MA/libplivo.so.$MAJOR -> libplivo.so.$VERSION"
check "libplivo-dev: plivo.h, the libplivo.so link, libplivo.a, plivo.pc, CMake package (644); copyright" \
    expect_listing "$DEV" \
    "-rw-r--r-- /usr/include/plivo.h" \
    "lrwxrwxrwx /usr/lib/$MA/libplivo.so -> libplivo.so.$MAJOR" \
    "-rw-r--r-- /usr/lib/$MA/libplivo.a" \
    "-rw-r--r-- /usr/lib/$MA/pkgconfig/plivo.pc" \
    "-rw-r--r-- /usr/lib/$MA/cmake/plivo/plivoConfig.cmake" \
    "-rw-r--r-- /usr/lib/$MA/cmake/plivo/plivoConfigVersion.cmake"
check "plivo-stream: /usr/bin/plivo-stream (755) and its man page; copyright" \
    expect_listing "$CLI" \
    "-rwxr-xr-x /usr/bin/plivo-stream" \
    "-rw-r--r-- /usr/share/man/man1/plivo-stream.1.gz"

control_files() {
    dpkg-deb -I "$LIB0" triggers | tee /dev/stderr | grep -x 'activate-noawait ldconfig' >/dev/null ||
        { echo "libplivo0: no ldconfig trigger"; return 1; }
    dpkg-deb -I "$LIB0" symbols >"$tmp/symbols" || { echo "libplivo0: no symbols file"; return 1; }
    head -2 "$tmp/symbols"
    head -1 "$tmp/symbols" | grep -qx "libplivo.so.$MAJOR libplivo0 #MINVER#" || return 1
    sed -n 's/^ \(plivo_[a-z_0-9]*\)@Base .*/\1/p' "$tmp/symbols" | sort | diff - tests/abi/symbols.txt ||
        { echo "the symbols file differs from tests/abi/symbols.txt: update packaging/debian/libplivo0.symbols"; return 1; }
}
check "libplivo0: ldconfig trigger; symbols file lists exactly tests/abi/symbols.txt" control_files

lintian_clean() {
    lintian --version
    lintian --fail-on error --display-info "$LIB0" "$DEV" "$CLI" | tee "$tmp/lintian.txt"
    ! grep -q '^E: ' "$tmp/lintian.txt"
}
check "lintian: no errors" lintian_clean
sed 's/^/        lintian: /' "$tmp/lintian.txt" 2>/dev/null || true

# dpkg -i, then build against the installed packages.
FILES=$( { dpkg-deb -c "$LIB0"; dpkg-deb -c "$DEV"; dpkg-deb -c "$CLI"; } | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||')
install_debs() {
    installed=yes
    $sudo dpkg -i "$LIB0" "$DEV" "$CLI"
}
step "dpkg -i the three packages" install_debs
installed_ok() {
    local p
    for p in "${PACKAGES[@]}"; do
        [ "$(dpkg-query -W -f '${Status} ${Version}' "$p")" = "install ok installed $DEB_VERSION" ] || return 1
    done
    /sbin/ldconfig -p | grep -F "libplivo.so.$MAJOR (" | grep -E "=> $LIBRE\$" ||
        { echo "ldconfig does not know $LIBDIR/libplivo.so.$MAJOR"; return 1; }
    [ "$(pkg-config --modversion plivo)" = "$VERSION" ] && [ "$(pkg-config --variable=libdir plivo)" = "$LIBDIR" ]
}
check "installed: dpkg status, ldconfig cache has $LIBDIR/libplivo.so.$MAJOR, pkg-config --modversion $VERSION" installed_ok

SRC=bindings/c-examples/stop_stream.c
BIN=$tmp/bin
mkdir -p "$BIN"
needs() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }
build_shared() {
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Wextra -Werror "$SRC" $(pkg-config --cflags --libs plivo) -o "$BIN/c-shared" &&
        ldd "$BIN/c-shared" | grep -E "libplivo\.so\.$MAJOR => $LIBRE "
}
check "cc \$(pkg-config --cflags --libs plivo), no rpath: uses $LIBDIR/libplivo.so.$MAJOR" build_shared
build_static() {
    local flags
    flags=$(pkg-config --static --cflags --libs plivo | sed 's/-lplivo/-Wl,-Bstatic -lplivo -Wl,-Bdynamic/')
    # shellcheck disable=SC2086
    cc -std=c99 -Wall -Wextra -Werror "$SRC" $flags -o "$BIN/c-static" &&
        ! needs "$BIN/c-static" | grep libplivo
}
check "cc \$(pkg-config --static --cflags --libs plivo): libplivo.a linked in" build_static
build_cmake() {
    cmake -S tests/install/cmake -B "$tmp/cmake" -DCMAKE_BUILD_TYPE=Release &&
        grep -qx "plivo_DIR:PATH=$LIBDIR/cmake/plivo" "$tmp/cmake/CMakeCache.txt" &&
        cmake --build "$tmp/cmake" &&
        cp "$tmp/cmake/stop_stream_shared" "$BIN/c-cmake-shared" &&
        cp "$tmp/cmake/stop_stream_static" "$BIN/c-cmake-static" &&
        ldd "$BIN/c-cmake-shared" | grep -E "libplivo\.so\.$MAJOR => $LIBRE " &&
        ! needs "$BIN/c-cmake-static" | grep libplivo
}
check "CMake find_package(plivo) with no prefix path finds $LIBDIR/cmake/plivo; shared and static targets build" build_cmake

stop_twice() { # stop_twice BINARY: first stop exits 0, the second 2
    local rc
    PLIVO_BASE_URL=$SERVER_URL "$BIN/$1" "$CALL" "$1" || return 1
    set +e
    PLIVO_BASE_URL=$SERVER_URL "$BIN/$1" "$CALL" "$1"
    rc=$?
    set -e
    [ "$rc" -eq 2 ] || { echo "second stop: exit $rc"; return 1; }
}
for b in c-shared c-static c-cmake-shared c-cmake-static; do
    check "run $b against the installed package: stop exits 0, the second stop 2" stop_twice "$b"
done

# ================================== plivo-stream ======================================
PS=/usr/bin/plivo-stream
ALL_OUT=$tmp/all-output
: >"$ALL_OUT"
# ps EXPECTED_STATUS ARGS...: runs the installed plivo-stream (base URL from the
# environment), keeps stdout in $tmp/out and stderr in $tmp/err.
ps_run() {
    local want=$1 rc
    shift
    set +e
    PLIVO_BASE_URL=${BASE:-$SERVER_URL} "$PS" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    cat "$tmp/out" "$tmp/err" >>"$ALL_OUT"
    echo "\$ plivo-stream $* -> exit $rc"
    sed 's/^/  out: /' "$tmp/out"
    sed 's/^/  err: /' "$tmp/err"
    [ "$rc" -eq "$want" ] || { echo "expected exit $want"; return 1; }
}
empty() { [ ! -s "$1" ] || { echo "$1 is not empty"; return 1; }; }

cli_help() {
    ps_run 0 --help && grep -q '^Usage: plivo-stream' "$tmp/out" && empty "$tmp/err" &&
        grep -q ' 2  PLIVO_ERR_NO_ACTIVE_STREAM' "$tmp/out" && grep -q ' 5  PLIVO_ERR_NOT_FOUND' "$tmp/out" &&
        ps_run 0 start --help && grep -q -- '--audio-track' "$tmp/out" &&
        ps_run 0 --version && [ "$(cat "$tmp/out")" = "plivo-stream $VERSION" ] && empty "$tmp/err" &&
        zcat /usr/share/man/man1/plivo-stream.1.gz | grep 'EXIT STATUS' >/dev/null
}
check "plivo-stream --help, start --help, --version: stdout, exit 0; exit statuses listed; man page installed" cli_help
cli_stop() {
    ps_run 0 stop "$CALL" cli-1 && empty "$tmp/out" && empty "$tmp/err" &&
        ps_run 2 stop "$CALL" cli-1 && empty "$tmp/out" && grep -q '^plivo-stream: PLIVO_ERR_NO_ACTIVE_STREAM: ' "$tmp/err"
}
check "stop: exit 0 and no output; again: exit 2, PLIVO_ERR_NO_ACTIVE_STREAM on stderr" cli_stop
cli_not_found() {
    ps_run 5 stop no-such-call s-1 && grep -q 'PLIVO_ERR_NOT_FOUND' "$tmp/err" &&
        ps_run 5 get "$CALL" no-such-stream && empty "$tmp/out"
}
check "stop on an unknown call, get of an unknown stream: exit 5 (PLIVO_ERR_NOT_FOUND)" cli_not_found
cli_get_list() {
    ps_run 0 get "$CALL" cli-2 && grep -q '"stream_id" *: *"cli-2"' "$tmp/out" && empty "$tmp/err" &&
        [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
        ps_run 0 list pkg-call-2 && grep -q '"objects"' "$tmp/out" && grep -q '"a"' "$tmp/out" && grep -q '"b"' "$tmp/out"
}
check "get and list: exit 0, the JSON body on stdout" cli_get_list
cli_start() {
    ps_run 0 start pkg-call-empty wss://media.example.com/ws --bidirectional --audio-track inbound \
        --stream-timeout 120 --status-callback-url https://cb.example.com/s --status-callback-method POST \
        --content-type 'audio/x-mulaw;rate=8000' --extra-headers 'a=1' &&
        [ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -Eqx '[A-Za-z0-9_-]+' "$tmp/out" || return 1
    local id
    id=$(cat "$tmp/out")
    ps_run 0 get pkg-call-empty "$id" && grep -q '"audio_track" *: *"inbound"' "$tmp/out" &&
        grep -q '"bidirectional" *: *true' "$tmp/out" &&
        ps_run 0 stop pkg-call-empty "$id"
}
check "start with every stream option: exit 0, the new stream id alone on one line; get and stop it" cli_start
cli_stop_all() {
    ps_run 0 stop-all pkg-call-2 && empty "$tmp/out" && ps_run 2 stop-all pkg-call-2
}
check "stop-all: exit 0, then 2 when no stream is left" cli_stop_all
cli_options_anywhere() {
    BASE=http://127.0.0.1:9/ ps_run 0 --base-url "$SERVER_URL" --timeout-ms 5000 --max-retries 1 list "$CALL" &&
        BASE=http://127.0.0.1:9/ ps_run 0 list "$CALL" --base-url "$SERVER_URL" --timeout-ms 5000 --max-retries 1
}
check "global options (--base-url, --timeout-ms, --max-retries) before and after the command" cli_options_anywhere
cli_usage() {
    ps_run 1 && ps_run 1 stop "$CALL" && ps_run 1 frobnicate && ps_run 1 list "$CALL" --no-such-option &&
        ps_run 1 list "$CALL" --timeout-ms soon && grep -q 'soon' "$tmp/err" && empty "$tmp/out"
}
check "usage errors (no command, missing argument, unknown command or option, bad number): exit 1" cli_usage
cli_bad_args() {
    ps_run 1 stop 'call/1' s && grep -q 'PLIVO_ERR_INVALID_ARGUMENT' "$tmp/err" &&
        ps_run 1 list "$CALL" --max-retries 11 &&
        ps_run 1 start "$CALL" wss://x.example/ws --audio-track sideways &&
        (unset PLIVO_AUTH_TOKEN; ps_run 1 list "$CALL" && grep -q PLIVO_AUTH_TOKEN "$tmp/err")
}
check "bad arguments, out-of-range option, missing token: exit 1" cli_bad_args
cli_auth() {
    PLIVO_AUTH_TOKEN=wrong-token ps_run 4 stop "$CALL" cli-2 && grep -q PLIVO_ERR_AUTHENTICATION "$tmp/err"
}
check "wrong token: exit 4 (PLIVO_ERR_AUTHENTICATION)" cli_auth
cli_transport() {
    # Port 9 (discard) on loopback: nothing listens there on a test machine.
    BASE=http://127.0.0.1:9/ ps_run 10 list "$CALL" --max-retries 0 && grep -q PLIVO_ERR_TRANSPORT "$tmp/err"
}
check "connection refused on loopback: exit 10 (PLIVO_ERR_TRANSPORT)" cli_transport
cli_token() {
    # The token typed as a stray argument by mistake is not echoed either.
    ps_run 1 stop "$CALL" cli-2 "$PLIVO_AUTH_TOKEN" && grep -q REDACTED "$tmp/err" || return 1
    if grep -qF "$PLIVO_AUTH_TOKEN" "$ALL_OUT"; then echo "the token appears in plivo-stream's output"; return 1; fi
}
check "the token appears in no output of plivo-stream" cli_token

# ===================================== purge ==========================================
purge() {
    $sudo dpkg --purge "${PACKAGES[@]}" || return 1
    installed=
    local p f left=
    for p in "${PACKAGES[@]}"; do
        if dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -qv '^unknown ok not-installed$\|^$'; then
            echo "$p: $(dpkg-query -W -f '${Status}' "$p")"; return 1
        fi
    done
    for f in $FILES; do
        if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
    done
    for f in "$LIBDIR/cmake/plivo" /usr/share/doc/libplivo0 /usr/share/doc/libplivo-dev /usr/share/doc/plivo-stream; do
        if [ -e "$f" ]; then left="$left $f"; fi
    done
    [ -z "$left" ] || { echo "left behind:$left"; return 1; }
    if /sbin/ldconfig -p | grep -F libplivo; then echo "ldconfig still lists libplivo"; return 1; fi
    ! pkg-config --exists plivo
}
check "dpkg --purge: no package state, no file, directory or ldconfig entry left" purge

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
