#!/usr/bin/env bash
# Every test in every language, against the bundled server on loopback. Each suite
# installs what it needs (Go, pytest, clang, valgrind, pkg-config, cmake, debhelper,
# lintian) when missing.
# Runs all suites, then prints which failed and `N passed, M failed` (suites).
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # REPO, need_cargo, check, report
cd "$REPO"
export CARGO_TERM_COLOR=never
need_cargo

suites=(
    "rust: fmt, clippy, unit and integration tests|cargo fmt --all --check && cargo clippy --workspace --all-targets --quiet -- -D warnings && cargo test --workspace"
    "c: example, ABI misuse, end-to-end, valgrind, ASan/UBSan|tests/c/run_tests.sh"
    "c: demo (stop twice)|bindings/c-examples/demo.sh"
    "abi: exported symbols, codes, versions, SONAME|tests/abi/check.sh"
    "install: make install, pkg-config, static, CMake|tests/install/run.sh"
    "packaging: wheel, .debs (lintian, dpkg -i, purge), plivo-stream|tests/packaging/run.sh"
    "python: ctypes binding (pytest)|bindings/python/run_tests.sh"
    "go: cgo binding (go test -race)|bindings/go/run_tests.sh"
    "c++: RAII binding|bindings/cpp/run_tests.sh"
    "fuzz: short cargo-fuzz runs|fuzz/run.sh"
)

CHECK_BANNER="==================="
for entry in "${suites[@]}"; do
    echo
    check "${entry%%|*}" bash -c "${entry#*|}"
done
report
