#!/usr/bin/env bash
# Build libplivo and plivo-server, install the Python binding into a venv under
# target/python-venv, and run its pytest suite against the bundled server.
#
#   bindings/python/run_tests.sh [pytest arguments...]
#
# Environment: PYTHON (default python3); CARGO_TARGET_DIR is honoured.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
LIBRARY="$TARGET_DIR/debug/libplivo.so"
SERVER_BIN="$TARGET_DIR/debug/plivo-server"
VENV="$REPO/target/python-venv"
PYTHON="${PYTHON:-python3}"

log() { printf '[python-binding] %s\n' "$*" >&2; }

# --- 1. the library and the test server ---------------------------------------------
if command -v cargo >/dev/null 2>&1; then
    log "cargo build -p plivo -p plivo-server"
    (cd "$REPO" && cargo build -p plivo -p plivo-server)
elif [[ -f "$LIBRARY" && -x "$SERVER_BIN" ]]; then
    log "cargo not found; using the existing $LIBRARY and $SERVER_BIN"
else
    log "cargo not found and $LIBRARY or $SERVER_BIN missing"
    exit 1
fi
[[ -f "$LIBRARY" ]] || { log "missing $LIBRARY after the build"; exit 1; }
[[ -x "$SERVER_BIN" ]] || { log "missing $SERVER_BIN after the build"; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || { log "$PYTHON not found"; exit 1; }

# --- 2. a Python environment ---------------------------------------------------------
venv_ok() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1
}

make_venv() {
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 && venv_ok
}

PY=""
PIP_USER=()
if venv_ok; then
    PY="$VENV/bin/python"
else
    [[ -e "$VENV" ]] && log "the venv at $VENV is broken: recreating it"
    if make_venv; then
        PY="$VENV/bin/python"
    elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        # Debian ships venv/ensurepip separately (python3-venv, python3.X-venv).
        pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        log "python3 -m venv failed; installing python3-venv with apt-get"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${pyver}-venv" >/dev/null \
            || true
        if make_venv; then
            PY="$VENV/bin/python"
        fi
    fi
    if [[ -z "$PY" ]]; then
        log "no usable venv: falling back to pip install --user"
        rm -rf "$VENV"
        PY="$PYTHON"
        PIP_USER=(--user)
        # Debian marks the system Python as externally managed (PEP 668).
        if "$PY" -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then
            PIP_USER+=(--break-system-packages)
        fi
    fi
fi

pip_install() {
    "$PY" -m pip install --disable-pip-version-check -q ${PIP_USER[@]+"${PIP_USER[@]}"} "$@"
}

log "installing pytest and the binding with $PY"
pip_install "pytest>=7"
# A fresh build of the package every run (same version number, new code).
pip_install --force-reinstall --no-deps "$REPO/bindings/python"

# --- 3. the tests --------------------------------------------------------------------
export PLIVO_LIBRARY="$LIBRARY"
export PLIVO_SERVER_BIN="$SERVER_BIN"
cd "$HERE"
# -p no:cacheprovider: write nothing into the source tree.
"$PY" -m pytest -p no:cacheprovider tests "$@"
