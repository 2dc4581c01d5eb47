# The shell library of every test, demo and benchmark script (sourced, never run):
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"      # sets REPO and TARGET_DIR
#
# What it holds, each said once:
#   apt_install, need, need_cargo   install packages / a missing tool; insist on Rust
#   need_install_tools        the tools to build libplivo and use an installed copy
#   python_env, go_env        a venv under target/ (PY, pip_install); Go's state under target/
#   build_native [release]    build libplivo and plivo-server (PLIVO_LIB_DIR, PLIVO_SERVER_BIN)
#   package_version           the version, from Cargo.toml
#   native_static_libs        the system libraries libplivo.a needs, as rustc prints them
#   uninstalled_pc DIR        a plivo.pc for the in-tree header and library
#   start_server, stop_server the bundled server on an ephemeral loopback port
#   stop_twice                the demo: first stop exits 0, second 2 (PLIVO_ERR_NO_ACTIVE_STREAM)
#   check, check_quiet, pass, fail, report
#                             the reporter: `ok:`/`FAIL:` lines, then `N passed, M failed`
#   at_exit, new_temp_dir     cleanup when the script exits (servers are stopped then too)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$REPO/$TARGET_DIR ;; esac
export REPO TARGET_DIR

# --- cleanup ---------------------------------------------------------------------------

_lib_at_exit=()
# at_exit COMMAND: run COMMAND (a string, eval'd) when the script exits; last added first.
at_exit() { _lib_at_exit+=("$1"); }
_lib_exit() {
    local i
    for ((i = ${#_lib_at_exit[@]} - 1; i >= 0; i--)); do eval "${_lib_at_exit[i]}" || true; done
}
trap _lib_exit EXIT

# new_temp_dir VAR: a private temporary directory in VAR, removed at exit.
new_temp_dir() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/plivo-test.XXXXXX")
    chmod 700 "$dir"
    printf -v "$1" '%s' "$dir"
    at_exit "rm -rf '$dir'"
}

# --- what a script needs -----------------------------------------------------------------

# apt_install PACKAGE...: apt-get install (as root, or through sudo), running
# `apt-get update` only if the first try fails.
apt_install() {
    local sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

# need COMMAND DEBIAN_PACKAGE: installs the package when the command is missing.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)" >&2
    apt_install "$2"
}

# need_cargo: Rust cannot come from apt (Debian's is too old); say where to get it.
need_cargo() {
    command -v cargo >/dev/null 2>&1 ||
        { echo "Rust (cargo >= 1.85) is required: https://rustup.rs" >&2; exit 1; }
}

# need_install_tools: what building libplivo, installing it and building against the
# installed copy (pkg-config, CMake) takes, as the install and packaging tests do.
need_install_tools() {
    need_cargo
    need cc gcc
    need make make
    need pkg-config pkg-config
    need cmake cmake
    need readelf binutils
}

# python_env VENV: a Python environment with pip in VENV (made with ${PYTHON:-python3}
# -m venv; python3-venv installed with apt-get if that fails), else the user's site
# (pip --user). Sets PY; pip_install ARGS... installs into it.
python_env() {
    local venv=$1 python=${PYTHON:-python3}
    command -v "$python" >/dev/null 2>&1 || { echo "$python not found" >&2; return 1; }
    _venv_ok() { [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import pip' >/dev/null 2>&1; }
    _venv_make() { rm -rf "$venv"; "$python" -m venv "$venv" >/dev/null 2>&1 && _venv_ok; }
    PY=
    _PIP_USER=()
    if _venv_ok || _venv_make; then
        PY=$venv/bin/python
    else
        # Debian ships venv/ensurepip separately (python3-venv, python3.X-venv).
        local pyver
        pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        echo "python3 -m venv failed; installing python3-venv with apt-get" >&2
        apt_install python3-venv || apt_install "python${pyver}-venv" || true
        if _venv_make; then
            PY=$venv/bin/python
        else
            echo "no usable venv: falling back to pip install --user" >&2
            rm -rf "$venv"
            PY=$python
            _PIP_USER=(--user)
            # Debian marks the system Python as externally managed (PEP 668).
            if "$PY" -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then
                _PIP_USER+=(--break-system-packages)
            fi
        fi
    fi
    export PY
}
pip_install() {
    "$PY" -m pip install --disable-pip-version-check -q ${_PIP_USER[@]+"${_PIP_USER[@]}"} "$@"
}

# go_env STATE_DIR: Go from PATH, the upstream location or Debian's golang-go, with
# everything it writes (GOPATH, GOCACHE, module cache, config) under STATE_DIR and no
# download of anything (the binding uses the standard library only) — except, when
# that Go is older than the binding's go.mod asks (log/slog needs 1.21; Debian 12's
# golang-go is 1.19), the Go toolchain module from the Go module proxy, as Go itself
# fetches toolchains.
GO_TOOLCHAIN=go1.22.12
go_env() {
    local state=$1 minor
    if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
        export PATH="/usr/local/go/bin:$PATH"
    fi
    need go golang-go
    mkdir -p "$state/config"
    export GOPATH="$state/path" GOCACHE="$state/cache" GOMODCACHE="$state/path/pkg/mod"
    minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
    if [ -n "$minor" ] && [ "$minor" -lt 21 ]; then
        local module="golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$(go env GOARCH)" dir
        echo "== $(go env GOVERSION) is older than 1.21: fetching $module"
        dir=$(cd "$state" && env -u GOPROXY GOFLAGS=-mod=mod \
            go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
        [ -f "$dir/bin/go" ] || { echo "go_env: no Go toolchain in $dir" >&2; return 1; }
        # A module zip keeps no execute bits: give them back, as Go's own toolchain
        # switch does.
        find "$dir/bin" "$dir/pkg/tool" -type f -exec chmod +x {} +
        export PATH="$dir/bin:$PATH"
    fi
    export GOFLAGS=-mod=mod
    export GOTOOLCHAIN=local    # never download another toolchain
    export GOPROXY=off          # standard library only: nothing to download
    export GOENV=off            # ignore (and never write) the user's go env file
    export GOTELEMETRY=off XDG_CONFIG_HOME="$state/config"  # where telemetry would write
    export CGO_ENABLED=1
}

# --- building ------------------------------------------------------------------------------

# build_native [release]: builds libplivo and plivo-server (debug, or release) and gives
# the in-tree shared library its SONAME link, so programs linked with -L$PLIVO_LIB_DIR
# -lplivo find libplivo.so.0 at run time. Sets PLIVO_LIB_DIR and PLIVO_SERVER_BIN.
build_native() {
    local profile=${1:-debug} flags=()
    [ "$profile" = debug ] || flags=(--release)
    need_cargo
    echo "== cargo build ${flags[*]:+${flags[*]} }-p plivo -p plivo-server" >&2
    (cd "$REPO" && cargo build --quiet "${flags[@]}" -p plivo -p plivo-server)
    PLIVO_LIB_DIR=$TARGET_DIR/$profile
    PLIVO_SERVER_BIN=$PLIVO_LIB_DIR/plivo-server
    local f
    for f in "$PLIVO_LIB_DIR/libplivo.so" "$PLIVO_LIB_DIR/libplivo.a" "$PLIVO_SERVER_BIN"; do
        [ -e "$f" ] || { echo "missing $f after the build" >&2; return 1; }
    done
    ln -sfn libplivo.so "$PLIVO_LIB_DIR/libplivo.so.0"
    export PLIVO_LIB_DIR PLIVO_SERVER_BIN
}

# package_version: the package's version, from Cargo.toml's [package] table.
package_version() {
    "$REPO/packaging/version.sh"
}

# native_static_libs: the system libraries a program linking libplivo.a needs (-l
# flags), as `rustc --print native-static-libs` says (cargo caches it: a fraction of a
# second after the first time).
native_static_libs() {
    (cd "$REPO" && packaging/native-static-libs.sh)
}

# uninstalled_pc DIR [LIBDIR]: writes DIR/plivo.pc for the in-tree header and the
# library in LIBDIR (default $PLIVO_LIB_DIR), with an rpath (no LD_LIBRARY_PATH needed).
uninstalled_pc() {
    local dir=$1 libdir=${2:-$PLIVO_LIB_DIR}
    esc() { printf '%s' "$1" | sed 's/ /\\ /g'; } # pkg-config splits on spaces
    mkdir -p "$dir"
    cat >"$dir/plivo.pc" <<PC
# Uninstalled libplivo, generated by tests/lib.sh
Name: plivo
Description: Plivo Audio Stream API client (in-tree build)
Version: $(package_version)
Cflags: -I$(esc "$REPO/include")
Libs: -L$(esc "$libdir") -Wl,-rpath,$(esc "$libdir") -lplivo
PC
}

# --- the bundled server ----------------------------------------------------------------------

# start_server NAME [plivo-server arguments...]: starts $PLIVO_SERVER_BIN on an
# ephemeral loopback port and sets NAME_URL (its base URL, http://127.0.0.1:PORT/v1/)
# and NAME_PID. It is stopped at exit, or earlier by stop_server NAME.
start_server() {
    local name=$1 fifo url pid
    shift
    fifo=$(mktemp -u "${TMPDIR:-/tmp}/plivo-server.XXXXXX")
    mkfifo -m 600 "$fifo"
    "$PLIVO_SERVER_BIN" "$@" >"$fifo" &
    pid=$!
    at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    read -r url <"$fifo" || true # EOF (empty url) when the server exits without a line
    rm -f "$fifo"
    case $url in
        http://127.0.0.1:*/*) ;;
        *) echo "plivo-server did not start on loopback (it printed '$url')" >&2; return 1 ;;
    esac
    printf -v "${name}_URL" '%s' "$url"
    printf -v "${name}_PID" '%s' "$pid"
}

# stop_server NAME: stops the server started as NAME (nothing when already stopped).
stop_server() {
    local var=${1}_PID
    [ -n "${!var:-}" ] || return 0
    kill "${!var}" 2>/dev/null || true
    wait "${!var}" 2>/dev/null || true
    printf -v "$var" '%s' ''
}

# stop_twice CALL STREAM COMMAND...: the demo. Runs `COMMAND CALL STREAM` (the C
# example bindings/c-examples/stop_stream.c, or a command running it) twice against
# $PLIVO_BASE_URL, showing what each run printed: the first must exit 0 and say
# "stopped stream STREAM of call CALL (HTTP 204)", the second must exit 2 and name
# PLIVO_ERR_NO_ACTIVE_STREAM.
stop_twice() {
    local call=$1 stream=$2 out first second
    shift 2
    out=$(mktemp "${TMPDIR:-/tmp}/plivo-stop.XXXXXX")
    echo "\$ stop_stream $call $stream"
    "$@" "$call" "$stream" >"$out" 2>&1 && first=0 || first=$?
    cat "$out"
    echo "first stop: exit code $first"
    grep -qF "stopped stream $stream of call $call (HTTP 204)" "$out" || first="$first, no 'stopped stream' line"
    echo "\$ stop_stream $call $stream"
    "$@" "$call" "$stream" >"$out" 2>&1 && second=0 || second=$?
    cat "$out"
    echo "second stop: exit code $second (PLIVO_ERR_NO_ACTIVE_STREAM is 2)"
    grep -qF PLIVO_ERR_NO_ACTIVE_STREAM "$out" || second="$second, no PLIVO_ERR_NO_ACTIVE_STREAM"
    rm -f "$out"
    [ "$first" = 0 ] && [ "$second" = 2 ] ||
        { echo "expected exit codes 0 then 2, got $first then $second" >&2; return 1; }
}

# --- the reporter ------------------------------------------------------------------------------

passed=0
failed=()
# pass NAME / fail NAME: count a check made in place.
pass() { passed=$((passed + 1)); echo "ok:   $*"; }
fail() { failed+=("$*"); echo "FAIL: $*"; }
# check NAME COMMAND...: runs COMMAND, its output shown under a `== NAME` line
# (CHECK_BANNER instead of `==` when set), and counts it.
check() {
    local name=$1 start=$SECONDS
    shift
    echo "${CHECK_BANNER:-==} $name"
    if "$@"; then pass "$name ($((SECONDS - start)) s)"; else fail "$name ($((SECONDS - start)) s)"; fi
}
# check_quiet NAME COMMAND...: the same, its output shown only when it fails.
check_quiet() {
    local name=$1 log
    shift
    log=$(mktemp "${TMPDIR:-/tmp}/plivo-check.XXXXXX")
    if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/        /' "$log"; fi
    rm -f "$log"
}
# report: the failed checks again, then `N passed, M failed`; false when any failed.
report() {
    local name
    echo
    for name in ${failed[@]+"${failed[@]}"}; do echo "failed: $name"; done
    echo "${passed} passed, ${#failed[@]} failed"
    [ "${#failed[@]}" -eq 0 ]
}
