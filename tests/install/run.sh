#!/usr/bin/env bash
# Install test: `make install` into temporary prefixes (never the system), check the
# installed layout, then build the C example bindings/c-examples/stop_stream.c against the
# installed copy the ways a user would -
#   (a) pkg-config, dynamic         (b) pkg-config --static, libplivo.a linked in
#   (b') libplivo.a by path + the native_static_libs variable of plivo.pc
#   (c) CMake find_package(plivo 0.1 REQUIRED): plivo::plivo and plivo::plivo_static
#   (d) plain -I/-L/-lplivo, found at run time through LD_LIBRARY_PATH
# - and run each binary against the bundled server (loopback): the first stop of a
# stream succeeds (exit 0), the second reports PLIVO_ERR_NO_ACTIVE_STREAM (exit 2).
# Also: a DESTDIR staging install with PREFIX=/usr, `make uninstall`, and the version
# rules of the CMake package.
#
#   tests/install/run.sh          (or: make test-install)
#
# Prints `N passed, M failed` and exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh" # REPO, need, need_install_tools, build_native, start_server, stop_twice, check_quiet, report
cd "$REPO"
export LC_ALL=C

new_temp_dir tmp

need_install_tools
need ldd libc-bin

# step NAME COMMAND...: a setup step that later checks depend on (not counted): a
# failure stops the test.
step() {
    local name=$1
    shift
    echo "== $name"
    "$@" >"$tmp/step.log" 2>&1 && return 0
    sed 's/^/        /' "$tmp/step.log"
    fail "setup step: $name"
    report
    exit 1
}

VERSION=$(package_version)
MAJOR=${VERSION%%.*}
PREFIX=$tmp/prefix
LIB=$PREFIX/lib

step "make (release build)" make
step "build the bundled server (debug)" build_native
step "make install PREFIX=$PREFIX" make install PREFIX="$PREFIX"

# --- the installed layout -----------------------------------------------------------------
layout() { # layout ROOT PREFIX_IN_FILES
    local root=$1 prefix=$2 lib=$1/lib
    if [ ! -f "$lib/libplivo.so.$VERSION" ] || [ -L "$lib/libplivo.so.$VERSION" ]; then
        echo "lib/libplivo.so.$VERSION: not a regular file"; return 1
    fi
    [ "$(stat -c %a "$lib/libplivo.so.$VERSION")" = 755 ] || { echo "libplivo.so.$VERSION: mode is not 755"; return 1; }
    [ "$(readlink "$lib/libplivo.so.$MAJOR")" = "libplivo.so.$VERSION" ] || { echo "lib/libplivo.so.$MAJOR: not a symlink to libplivo.so.$VERSION"; return 1; }
    [ "$(readlink "$lib/libplivo.so")" = "libplivo.so.$MAJOR" ] || { echo "lib/libplivo.so: not a symlink to libplivo.so.$MAJOR"; return 1; }
    local f
    for f in lib/libplivo.a include/plivo.h lib/pkgconfig/plivo.pc \
        lib/cmake/plivo/plivoConfig.cmake lib/cmake/plivo/plivoConfigVersion.cmake; do
        if [ ! -f "$root/$f" ] || [ -L "$root/$f" ]; then echo "$f: missing or not a regular file"; return 1; fi
        [ "$(stat -c %a "$root/$f")" = 644 ] || { echo "$f: mode is not 644"; return 1; }
    done
    [ -f "$root/bin/plivo-stream" ] && [ "$(stat -c %a "$root/bin/plivo-stream")" = 755 ] || { echo "bin/plivo-stream: missing or mode is not 755"; return 1; }
    [ "$(stat -c %a "$root/share/man/man1/plivo-stream.1")" = 644 ] || { echo "share/man/man1/plivo-stream.1: missing or mode is not 644"; return 1; }
    cmp "$root/bin/plivo-stream" target/release/plivo-stream || return 1
    # Exactly these files and symlinks, nothing else.
    [ "$(find "$root" ! -type d | wc -l)" -eq 10 ] || { echo "unexpected files:"; find "$root" ! -type d; return 1; }
    cmp "$lib/libplivo.so.$VERSION" target/release/libplivo.so || return 1
    cmp "$lib/libplivo.a" target/release/libplivo.a || return 1
    cmp "$root/include/plivo.h" include/plivo.h || return 1
    grep -qx "prefix=$prefix" "$lib/pkgconfig/plivo.pc" || { echo "plivo.pc: no 'prefix=$prefix' line"; cat "$lib/pkgconfig/plivo.pc"; return 1; }
    readelf -d "$lib/libplivo.so.$VERSION" | grep "(SONAME).*\[libplivo.so.$MAJOR\]" >/dev/null || { echo "SONAME is not libplivo.so.$MAJOR"; return 1; }
    nm -D --defined-only "$lib/libplivo.so.$VERSION" | awk '{ print $3 }' | sort >"$tmp/exported"
    diff "$tmp/exported" tests/abi/symbols.txt || { echo "installed libplivo.so: exports differ from tests/abi/symbols.txt"; return 1; }
}
check_quiet "layout of $PREFIX: libplivo.so.$VERSION (755), symlinks .so.$MAJOR and .so, .a, plivo.h, plivo.pc, CMake package (644), bin/plivo-stream (755) and its man page" \
    layout "$PREFIX" "$PREFIX"

# --- DESTDIR staging with PREFIX=/usr, then uninstall ------------------------------------
DEST=$tmp/dest
staged() {
    make install DESTDIR="$DEST" PREFIX=/usr || return 1
    layout "$DEST/usr" /usr || return 1
    # Nothing installed may mention the staging directory.
    if grep -rl "$DEST" "$DEST/usr/lib/pkgconfig" "$DEST/usr/lib/cmake"; then
        echo "installed files mention the DESTDIR"; return 1
    fi
}
check_quiet "make install DESTDIR=... PREFIX=/usr stages the same layout under DESTDIR/usr; no file mentions DESTDIR" staged
unstage() {
    # Someone else's files in the same directories must survive.
    touch "$DEST/usr/lib/libother.so.1" "$DEST/usr/include/other.h" "$DEST/usr/lib/pkgconfig/other.pc"
    make uninstall DESTDIR="$DEST" PREFIX=/usr || return 1
    local left
    left=$(find "$DEST" ! -type d | sort)
    [ "$left" = "$(printf '%s\n' "$DEST/usr/include/other.h" "$DEST/usr/lib/libother.so.1" "$DEST/usr/lib/pkgconfig/other.pc")" ] ||
        { echo "after uninstall, expected only the 3 foreign files, found:"; echo "$left"; return 1; }
    [ ! -e "$DEST/usr/lib/cmake/plivo" ] || { echo "lib/cmake/plivo was not removed"; return 1; }
}
check_quiet "make uninstall DESTDIR=... PREFIX=/usr removes every installed file and nothing else" unstage

# --- pkg-config ---------------------------------------------------------------------------
export PKG_CONFIG_PATH=$LIB/pkgconfig
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR LD_LIBRARY_PATH || true
NATIVE_LIBS=$(native_static_libs)
trim() { local v; v=$("$@") || return 1; v=${v%"${v##*[![:space:]]}"}; printf '%s' "$v"; }
pc() {
    [ "$(trim pkg-config --modversion plivo)" = "$VERSION" ] || { echo "modversion: $(pkg-config --modversion plivo)"; return 1; }
    [ "$(trim pkg-config --variable=libdir plivo)" = "$LIB" ] || return 1
    [ "$(trim pkg-config --cflags plivo)" = "-I$PREFIX/include" ] || { echo "cflags: $(pkg-config --cflags plivo)"; return 1; }
    [ "$(trim pkg-config --libs plivo)" = "-L$LIB -lplivo" ] || { echo "libs: $(pkg-config --libs plivo)"; return 1; }
    [ "$(trim pkg-config --static --libs plivo)" = "-L$LIB -lplivo $NATIVE_LIBS" ] || { echo "static libs: $(pkg-config --static --libs plivo)"; return 1; }
    pkg-config --atleast-version=0.1 plivo && ! pkg-config --atleast-version=$((MAJOR + 1)).0 plivo
}
check_quiet "pkg-config: version $VERSION, -I/-L the prefix, Libs.private = native static libs ($NATIVE_LIBS)" pc

SRC=bindings/c-examples/stop_stream.c
CFLAGS=(-std=c99 -Wall -Wextra -Werror -O2)
BIN=$tmp/bin
mkdir -p "$BIN"

# needs BINARY: the shared libraries it needs (DT_NEEDED).
needs() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }
links_installed_so() { # the binary needs libplivo.so.MAJOR and the loader finds the installed one
    needs "$1" | grep -x "libplivo.so.$MAJOR" >/dev/null || { echo "does not need libplivo.so.$MAJOR:"; needs "$1"; return 1; }
    ldd "$1" | grep -F "libplivo.so.$MAJOR => $LIB/libplivo.so.$MAJOR " >/dev/null || { echo "ldd:"; ldd "$1"; return 1; }
}
links_static() { # libplivo linked in: no libplivo*.so needed, plivo_ functions defined inside
    if needs "$1" | grep libplivo >/dev/null || ldd "$1" | grep libplivo >/dev/null; then
        echo "needs libplivo.so:"; ldd "$1"; return 1
    fi
    readelf -sW "$1" | awk '$4 == "FUNC" && $7 != "UND" && $8 == "plivo_stop_stream"' | grep . >/dev/null || { echo "plivo_stop_stream is not defined in the binary"; return 1; }
}

# (a) pkg-config, dynamic, with an rpath to the installed libdir.
build_pc_dynamic() {
    # shellcheck disable=SC2046
    cc "${CFLAGS[@]}" "$SRC" $(pkg-config --cflags --libs plivo) \
        -Wl,-rpath,"$(pkg-config --variable=libdir plivo)" -o "$BIN/pc_dynamic" &&
        links_installed_so "$BIN/pc_dynamic"
}
check_quiet "(a) cc \$(pkg-config --cflags --libs plivo): needs libplivo.so.$MAJOR, found in the prefix" build_pc_dynamic

# (b) pkg-config --static: libplivo.a linked in (-Wl,-Bstatic -lplivo -Wl,-Bdynamic), the
# native libraries dynamic as usual - the README's one-liner.
build_pc_static() {
    local flags
    flags=$(pkg-config --static --cflags --libs plivo | sed 's/-lplivo/-Wl,-Bstatic -lplivo -Wl,-Bdynamic/')
    echo "cc -static-libgcc ${CFLAGS[*]} $SRC $flags"
    # shellcheck disable=SC2086
    cc -static-libgcc "${CFLAGS[@]}" "$SRC" $flags -o "$BIN/pc_static" &&
        links_static "$BIN/pc_static"
}
check_quiet "(b) cc -static-libgcc \$(pkg-config --static --cflags --libs plivo) with -Bstatic -lplivo: libplivo.a linked in, no libplivo.so needed" build_pc_static

# (b') the archive by path, plus the native_static_libs variable of plivo.pc.
build_pc_archive() {
    # shellcheck disable=SC2046
    cc "${CFLAGS[@]}" "$SRC" $(pkg-config --cflags plivo) "$(pkg-config --variable=libdir plivo)/libplivo.a" \
        $(pkg-config --variable=native_static_libs plivo) -o "$BIN/pc_archive" &&
        links_static "$BIN/pc_archive"
}
check_quiet "(b') cc .../libplivo.a \$(pkg-config --variable=native_static_libs plivo): no libplivo.so needed" build_pc_archive

# (d) plain flags, no pkg-config; the loader finds the library through LD_LIBRARY_PATH.
build_plain() {
    cc "${CFLAGS[@]}" "$SRC" -I"$PREFIX/include" -L"$LIB" -lplivo -o "$BIN/plain" &&
        LD_LIBRARY_PATH=$LIB links_installed_so "$BIN/plain"
}
check_quiet "(d) cc -I\$PREFIX/include -L\$PREFIX/lib -lplivo: needs libplivo.so.$MAJOR (LD_LIBRARY_PATH)" build_plain

# (c) CMake find_package(plivo 0.1 REQUIRED).
build_cmake() {
    cmake -S tests/install/cmake -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$PREFIX" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" || return 1
    grep -qx "plivo_DIR:PATH=$LIB/cmake/plivo" "$tmp/cmake-build/CMakeCache.txt" ||
        { echo "plivo was not found in $LIB/cmake/plivo:"; grep plivo_DIR "$tmp/cmake-build/CMakeCache.txt"; return 1; }
    cmake --build "$tmp/cmake-build" -- VERBOSE=1 || return 1
    cp "$tmp/cmake-build/stop_stream_shared" "$tmp/cmake-build/stop_stream_static" "$BIN/"
}
check_quiet "(c) CMake: find_package(plivo 0.1 REQUIRED) finds the prefix; builds plivo::plivo and plivo::plivo_static targets" build_cmake
check_quiet "(c) CMake plivo::plivo: needs libplivo.so.$MAJOR, found in the prefix" links_installed_so "$BIN/stop_stream_shared"
check_quiet "(c) CMake plivo::plivo_static: libplivo.a linked in, no libplivo.so needed" links_static "$BIN/stop_stream_static"

# The CMake version rules: same major, at least the version asked for.
probe() { # probe WANT EXPECTED_FOUND [PREFIX]
    local want=$1 expected=$2 prefix=${3:-$PREFIX} dir
    dir=$(mktemp -d "$tmp/probe.XXXXXX")
    cmake -S tests/install/cmake/version-probe -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
        -DPLIVO_WANT="$want" >"$dir/out" 2>&1 || { cat "$dir/out"; return 1; }
    grep -q "plivo_FOUND=$expected" "$dir/out" || { cat "$dir/out"; return 1; }
}
versions() {
    local next_minor=${VERSION#*.}
    next_minor=$MAJOR.$((${next_minor%%.*} + 1))
    probe "" TRUE && probe "$MAJOR" TRUE && probe "${VERSION%.*}" TRUE && probe "$VERSION" TRUE &&
        probe "$next_minor" FALSE && probe "$((MAJOR + 1)).0" FALSE &&
        probe "${VERSION%.*}...<$((MAJOR + 1)).0" TRUE && probe "$next_minor...<$((MAJOR + 1)).0" FALSE
}
check_quiet "CMake version rules: '', $MAJOR, ${VERSION%.*}, $VERSION and a range accept $VERSION; a later minor and $((MAJOR + 1)).0 do not" versions
relocated() {
    cp -a "$PREFIX" "$tmp/moved" && probe "${VERSION%.*}" TRUE "$tmp/moved" &&
        grep -rq "plivo_DIR:PATH=$tmp/moved/lib/cmake/plivo" "$tmp"/probe.*/CMakeCache.txt &&
        rm -rf "$tmp/moved"
}
check_quiet "CMake package is relocatable (a copied prefix is found where it is)" relocated

# --- run every binary against the bundled server --------------------------------------------
export PLIVO_AUTH_ID=MAINSTALLTEST0000001
export PLIVO_AUTH_TOKEN=install-test-token
CALL=install-call-1
binaries=(pc_dynamic pc_static pc_archive plain stop_stream_shared stop_stream_static)
streams=$(printf 'stream-%s,' "${binaries[@]}")
start_server SERVER --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" --seed "$CALL:${streams%,}"
export PLIVO_BASE_URL=$SERVER_URL
echo "== bundled server at $PLIVO_BASE_URL, call $CALL with streams ${streams%,}"

run_twice() { # run_twice BINARY STREAM
    local bin=$1 stream=$2 run=("$1")
    # Only the plain -lplivo build has no rpath: it finds the library through
    # LD_LIBRARY_PATH.
    [ "${bin##*/}" != plain ] || run=(env LD_LIBRARY_PATH="$LIB" "$bin")
    stop_twice "$CALL" "$stream" "${run[@]}"
}
for b in "${binaries[@]}"; do
    check_quiet "run $b: first stop exits 0 (stopped, HTTP 204), second exits 2 (PLIVO_ERR_NO_ACTIVE_STREAM)" \
        run_twice "$BIN/$b" "stream-$b"
done
stop_server SERVER

# --- uninstall the prefix -------------------------------------------------------------------
uninstall_prefix() {
    make uninstall PREFIX="$PREFIX" || return 1
    local left
    left=$(find "$PREFIX" ! -type d)
    [ -z "$left" ] || { echo "left after uninstall:"; echo "$left"; return 1; }
}
check_quiet "make uninstall PREFIX=$PREFIX leaves no file or symlink" uninstall_prefix

report
