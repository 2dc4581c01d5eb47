#!/usr/bin/env bash
# make deb: libplivo0, libplivo-dev and plivo-stream .debs in target/debian/, built
# the Debian way: `dpkg-buildpackage -b` with debhelper (packaging/debian/).
#
# The source is staged as target/debian/libplivo-<version>/ (the files git knows,
# committed or not, without target/) with packaging/debian as its debian/ folder:
# dpkg-buildpackage writes its results into the parent directory of the source and
# debhelper writes its work files into debian/, so building a staged copy keeps
# both under target/ (packaging/debian, not a top-level debian/, says that the
# folder is not for an in-tree build).
#
# A Cargo pre-release X.Y.Z-rc.N becomes the Debian version X.Y.Z~rc.N-1 (sorts
# before X.Y.Z-1); the top entry of debian/changelog is written for the crate's
# version when packaging/debian/changelog does not have it yet.
#
# Cargo fetches the crates here (the registry is the only network needed) and then
# builds offline inside dpkg-buildpackage from the same CARGO_HOME, into
# target/debian/cargo-target (kept, so the next `make deb` is incremental).
#
#   packaging/deb.sh            (or: make deb)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../tests/lib.sh" # REPO, need, need_cargo, package_version
cd "$REPO"

log() { printf '[deb] %s\n' "$*" >&2; }

need_cargo
need make make
need dpkg-buildpackage dpkg-dev
need dh debhelper
need cc gcc

VERSION=$(package_version)
# The first '-' of a SemVer version starts its pre-release: '~' in Debian.
UPSTREAM=${VERSION/-/\~}
DEB_VERSION=$UPSTREAM-1
OUT=$REPO/target/debian
SRC=$OUT/libplivo-$UPSTREAM
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export CARGO_TARGET_DIR=$OUT/cargo-target

log "cargo fetch (the build inside dpkg-buildpackage is offline)"
cargo fetch --locked --quiet

log "staging the source in $SRC"
rm -rf "$OUT"/libplivo-* "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.buildinfo "$OUT"/*.changes
mkdir -p "$SRC"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$REPO" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            case $f in target/* | debian/*) continue ;; esac
            [ -e "$f" ] && printf '%s\0' "$f"
        done | tar --null -T - -cf - | tar -xf - -C "$SRC"
else
    tar --exclude=./target --exclude=./debian -cf - . | tar -xf - -C "$SRC"
fi
cp -R "$here/debian" "$SRC/debian"

top=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
if [ "$top" != "$DEB_VERSION" ]; then
    log "debian/changelog is at $top: adding an entry for $DEB_VERSION"
    {
        printf 'libplivo (%s) unstable; urgency=medium\n\n' "$DEB_VERSION"
        printf '  * Upstream version %s.\n\n' "$VERSION"
        printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Maintainer)" "$(date -R)"
        cat "$SRC/debian/changelog"
    } >"$SRC/debian/changelog.new"
    mv "$SRC/debian/changelog.new" "$SRC/debian/changelog"
fi

log "dpkg-buildpackage -b -us -uc (version $DEB_VERSION)"
(cd "$SRC" && dpkg-buildpackage -b -us -uc)
rm -rf "$SRC"

ls "$OUT"/*.deb >&2
