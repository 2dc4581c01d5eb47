#!/bin/sh
# Prints the package's version, from Cargo.toml's [package] table: the one reader of it
# (the Makefile, the packaging scripts and tests/lib.sh all run this).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml")
[ -n "$version" ] || { echo "cannot read the version from $root/Cargo.toml" >&2; exit 1; }
printf '%s\n' "$version"
