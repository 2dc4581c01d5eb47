#!/bin/sh
# The release build `make` runs (and the Debian build, through `make build`): libplivo
# (.so and .a) and plivo-stream, the SONAME link, and the file that records the system
# libraries libplivo.a needs, which packaging/install.sh writes into plivo.pc and the
# CMake package.
#
#   VERSION=0.1.0 RELEASE_DIR=target/release packaging/build.sh   (from the repository root)
#
# Environment (the Makefile sets them): VERSION (required), CARGO (default cargo),
# RELEASE_DIR (default target/release).
#
# The native-static-libs query runs first: it is a staticlib-only build of the same
# crate, which leaves its own libplivo.a in $RELEASE_DIR; `cargo build` then puts the
# real one back. The list is written last and serves as the stamp of a good build. The
# SONAME link lets programs linked against the tree (-Ltarget/release -lplivo) find the
# library at run time, as they would an installed one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${VERSION:?VERSION is required}"
cargo=${CARGO:-cargo}
release_dir=${RELEASE_DIR:-target/release}
soname=libplivo.so.${VERSION%%.*}
stamp=$release_dir/plivo-native-static-libs.txt
# What rustc printed on the machines this was written on, for a rustc that prints
# nothing (the list depends on the target, not on this crate's code).
fallback='-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc'

echo "$cargo rustc --release -p plivo --lib --crate-type staticlib -- --print native-static-libs"
if ! libs=$(CARGO=$cargo "$here/native-static-libs.sh" --release); then
    echo "build: could not read native-static-libs from rustc; using the fallback list" >&2
    libs=$fallback
fi
echo "$cargo build --release -p plivo -p plivo-stream"
$cargo build --release -p plivo -p plivo-stream
ln -sfn libplivo.so "$release_dir/$soname"
printf '%s\n' "$libs" >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "built $release_dir/libplivo.so, $release_dir/libplivo.a and $release_dir/plivo-stream (libplivo $VERSION); native static libs: $libs"
