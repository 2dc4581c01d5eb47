#!/usr/bin/env bash
# Every test in every language, against the bundled server on loopback. Each suite
# installs what it needs (Go, pytest, clang, valgrind, pkg-config, cmake, debhelper,
# lintian) when missing.
# Runs all suites, then prints which failed and `N passed, M failed` (suites).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
export CARGO_TERM_COLOR=never

command -v cargo >/dev/null 2>&1 || { echo "run_all: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }

suites=(
    "rust: fmt, clippy, unit and integration tests|cargo fmt --all --check && cargo clippy --workspace --all-targets --quiet -- -D warnings && cargo test --workspace"
    "c: example, ABI misuse, end-to-end, valgrind, ASan/UBSan|tests/c/run_tests.sh"
    "c: demo (stop twice)|bindings/c/demo.sh"
    "abi: exported symbols, codes, versions, SONAME|tests/abi/check.sh"
    "install: make install, pkg-config, static, CMake|tests/install/run.sh"
    "packaging: wheel, .debs (lintian, dpkg -i, purge), plivo-stream|tests/packaging/run.sh"
    "python: ctypes binding (pytest)|bindings/python/run_tests.sh"
    "go: cgo binding (go test -race)|bindings/go/run_tests.sh"
    "c++: RAII binding|bindings/cpp/run_tests.sh"
    "fuzz: short cargo-fuzz runs|fuzz/run.sh"
)

passed=0
failed=()
for entry in "${suites[@]}"; do
    name=${entry%%|*}
    command=${entry#*|}
    echo
    echo "=================== $name"
    start=$SECONDS
    if bash -c "$command"; then
        passed=$((passed + 1))
        echo "=================== ok: $name ($((SECONDS - start)) s)"
    else
        failed+=("$name")
        echo "=================== FAILED: $name ($((SECONDS - start)) s)"
    fi
done

echo
for name in "${failed[@]}"; do
    echo "failed suite: $name"
done
echo "${passed} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
