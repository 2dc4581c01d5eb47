#!/bin/sh
# Prints the system libraries a program linking libplivo.a needs (-l flags, one line),
# as rustc says: `cargo rustc --crate-type staticlib -- --print native-static-libs`.
# The one place that question is asked: `make` (packaging/build.sh) and the tests
# (tests/lib.sh native_static_libs) both run this. Cargo caches the build, so a second
# call takes a fraction of a second.
#
#   packaging/native-static-libs.sh [--release]     (from the repository root)
#
# Environment: CARGO (default cargo). Fails, with rustc's output on stderr, when the
# build fails or rustc printed no list.
set -eu
cargo=${CARGO:-cargo}
out=$($cargo rustc --quiet "$@" -p plivo --lib --crate-type staticlib -- \
    --print native-static-libs 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
libs=$(printf '%s\n' "$out" | sed -n 's/^note: native-static-libs: *//p' | tail -n 1)
[ -n "$libs" ] || { printf '%s\n' "$out" >&2; echo "rustc printed no native-static-libs" >&2; exit 1; }
printf '%s\n' "$libs"
