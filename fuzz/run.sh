#!/usr/bin/env bash
# Short cargo-fuzz runs of every fuzz target (libFuzzer + AddressSanitizer), for the
# test command: PLIVO_FUZZ_SECONDS (default 15) per target, from the seeds in
# fuzz/seeds/<target> into a throw-away corpus. Prints each target's executions and
# `N passed, M failed`; a crash leaves its input in fuzz/artifacts/<target>/.
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, ...); on a stable
# toolchain RUSTC_BOOTSTRAP=1 makes rustc accept them (the sanitizer runtimes ship with
# stable's rust-std). Longer run of one target, keeping its corpus:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run classify fuzz/corpus/classify fuzz/seeds/classify \
#       -- -max_total_time=3600 -rss_limit_mb=4096
# (from the repository root; `--fuzz-dir fuzz` is implied there).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
per_target=${PLIVO_FUZZ_SECONDS:-15}
targets=(ids classify options ffi_strings)
export RUSTC_BOOTSTRAP=1

. "$here/../tests/lib.sh" # need, need_cargo, new_temp_dir, check, report
need_cargo
# libfuzzer-sys builds libFuzzer (C++) with the system compiler.
need c++ g++
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io" >&2
    cargo install --locked cargo-fuzz >/dev/null
fi

echo "== building the fuzz targets (release, ASan, sanitizer coverage)"
start=$SECONDS
cargo fuzz build
echo "built in $((SECONDS - start)) s"

new_temp_dir work
fuzz() { # fuzz TARGET: a short run; its stats, or the end of its log on failure
    local t=$1
    mkdir -p "$work/$t"
    if cargo fuzz run "$t" "$work/$t" "seeds/$t" -- \
        -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$work/$t.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1 || true)
        echo "$t: ${runs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$work/$t" | wc -l) inputs"
    else
        tail -n 40 "$work/$t.log"
        echo "crash input, if any, in fuzz/artifacts/$t/"
        return 1
    fi
}
for t in "${targets[@]}"; do
    check "fuzz $t for ${per_target} s" fuzz "$t"
done
report
