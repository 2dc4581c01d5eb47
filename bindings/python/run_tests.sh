#!/usr/bin/env bash
# Build libplivo and plivo-server, install the Python binding into a venv under
# target/python-venv, and run its pytest suite against the bundled server.
#
#   bindings/python/run_tests.sh [pytest arguments...]
#
# Environment: PYTHON (default python3); CARGO_TARGET_DIR is honoured.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../../tests/lib.sh" # REPO, build_native, python_env, pip_install

# --- 1. the library and the test server ---------------------------------------------
build_native

# --- 2. a Python environment ---------------------------------------------------------
python_env "$REPO/target/python-venv"
echo "== installing pytest and the binding with $PY" >&2
pip_install "pytest>=7"
# A fresh build of the package every run (same version number, new code).
pip_install --force-reinstall --no-deps "$REPO/bindings/python"

# --- 3. the tests --------------------------------------------------------------------
export PLIVO_LIBRARY="$PLIVO_LIB_DIR/libplivo.so"
cd "$HERE"
# -p no:cacheprovider: write nothing into the source tree.
"$PY" -m pytest -p no:cacheprovider tests "$@"
