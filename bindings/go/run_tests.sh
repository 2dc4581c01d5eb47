#!/usr/bin/env bash
# Builds libplivo and the bundled test server, then vets and tests the Go binding
# against the in-tree library (through an uninstalled plivo.pc), with the race
# detector. Everything Go writes (GOPATH, GOCACHE, module cache) stays under
# <repo>/target/go. No network is needed: the binding uses the standard library only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../tests/lib.sh" # REPO, need, go_env, build_native, uninstalled_pc

go_env "$REPO/target/go"
need gcc gcc
need pkg-config pkg-config

# The library and the test server (with the in-tree libplivo.so.0 SONAME link), and
# an uninstalled plivo.pc for them (rpath: no LD_LIBRARY_PATH needed).
build_native
uninstalled_pc "$REPO/target/go/pkgconfig"
export PKG_CONFIG_PATH="$REPO/target/go/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

cd "$here"
go version
go vet ./...
go test -race -count=1 "$@" ./...
