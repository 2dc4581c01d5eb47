#!/bin/sh
# Installs libplivo and plivo-stream from a release build into $DESTDIR$PREFIX, and
# generates plivo.pc and the CMake package from the templates beside this script.
# `make install` runs it with the Makefile's variables, and so does the Debian build
# (packaging/debian/rules, through `make install DESTDIR=debian/tmp PREFIX=/usr
# LIBDIR=/usr/lib/<multiarch>`): one program for both.
#
# Not cargo-c: it would give the SONAME and a .pc, but no CMake package (the project's
# plivoConfig.cmake with its static target and version rules), it installs no second
# binary (plivo-stream), and it is one more tool to build from source (Debian 12's
# cargo-c needs Debian's Rust, older than the 1.85 this crate requires).
#
#   VERSION=0.1.0 PREFIX=/usr/local RELEASE_DIR=target/release packaging/install.sh
#
# Environment (the Makefile sets all of them; defaults as in the Makefile):
#   VERSION (required), PREFIX, LIBDIR, INCLUDEDIR, PKGCONFIGDIR, CMAKEDIR, BINDIR,
#   MANDIR, DESTDIR, INSTALL, RELEASE_DIR (libplivo.so, libplivo.a, plivo-stream,
#   plivo-native-static-libs.txt, written by packaging/build.sh), HEADER, MANPAGE.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
: "${VERSION:?VERSION is required}"
PREFIX=${PREFIX:-/usr/local}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
PKGCONFIGDIR=${PKGCONFIGDIR:-$LIBDIR/pkgconfig}
CMAKEDIR=${CMAKEDIR:-$LIBDIR/cmake/plivo}
BINDIR=${BINDIR:-$PREFIX/bin}
MANDIR=${MANDIR:-$PREFIX/share/man}
DESTDIR=${DESTDIR:-}
INSTALL=${INSTALL:-install}
RELEASE_DIR=${RELEASE_DIR:-target/release}
HEADER=${HEADER:-include/plivo.h}
MANPAGE=${MANPAGE:-cli/plivo-stream.1}

MAJOR=${VERSION%%.*}
SONAME=libplivo.so.$MAJOR
REALNAME=libplivo.so.$VERSION
SHARED_LIB=$RELEASE_DIR/libplivo.so
STATIC_LIB=$RELEASE_DIR/libplivo.a
CLI=$RELEASE_DIR/plivo-stream

NATIVE_LIBS_FILE=$RELEASE_DIR/plivo-native-static-libs.txt
for f in "$SHARED_LIB" "$STATIC_LIB" "$CLI" "$HEADER" "$MANPAGE" "$NATIVE_LIBS_FILE"; do
    [ -f "$f" ] || { echo "install: $f is missing: run make" >&2; exit 1; }
done

# The system libraries libplivo.a needs, as rustc printed them at build time.
libs=$(cat "$NATIVE_LIBS_FILE")
cmake_libs=
for l in $libs; do
    case $l in -l*) cmake_libs="$cmake_libs;${l#-l}" ;; *) cmake_libs="$cmake_libs;$l" ;; esac
done
cmake_libs=${cmake_libs#;}

# The pointer size of the library, for the CMake version file (ELF class byte).
case $(od -An -tu1 -j4 -N1 "$SHARED_LIB" | tr -d ' ') in
    1) ptr=4 ;;
    2) ptr=8 ;;
    *) echo "install: $SHARED_LIB is not an ELF file" >&2; exit 1 ;;
esac

# Paths as written into plivo.pc: relative to ${prefix} when they lie under it.
under_prefix() {
    case $1 in "$PREFIX"/*) printf '${prefix}/%s' "${1#"$PREFIX"/}" ;; *) printf '%s' "$1" ;; esac
}
pc_libdir=$(under_prefix "$LIBDIR")
pc_includedir=$(under_prefix "$INCLUDEDIR")
# Paths as written into the CMake package: relative to its own directory.
rel_lib=$(realpath -m -s --relative-to="$CMAKEDIR" "$LIBDIR")
rel_inc=$(realpath -m -s --relative-to="$CMAKEDIR" "$INCLUDEDIR")

subst() {
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@PC_LIBDIR@|$pc_libdir|g" \
        -e "s|@PC_INCLUDEDIR@|$pc_includedir|g" -e "s|@VERSION@|$VERSION|g" \
        -e "s|@MAJOR@|$MAJOR|g" -e "s|@NATIVE_STATIC_LIBS@|$libs|g" \
        -e "s|@CMAKE_NATIVE_STATIC_LIBS@|$cmake_libs|g" -e "s|@SIZEOF_VOID_P@|$ptr|g" \
        -e "s|@CMAKE_REL_LIBDIR@|$rel_lib|g" -e "s|@CMAKE_REL_INCLUDEDIR@|$rel_inc|g" "$1"
}
run() { echo "$*"; "$@"; }
gen() { echo "generate $2 from $1"; subst "$1" >"$2"; chmod 644 "$2"; }

run "$INSTALL" -d -m 755 "$DESTDIR$LIBDIR" "$DESTDIR$INCLUDEDIR" \
    "$DESTDIR$PKGCONFIGDIR" "$DESTDIR$CMAKEDIR" "$DESTDIR$BINDIR" "$DESTDIR$MANDIR/man1"
run "$INSTALL" -m 755 "$SHARED_LIB" "$DESTDIR$LIBDIR/$REALNAME"
run ln -sfn "$REALNAME" "$DESTDIR$LIBDIR/$SONAME"
run ln -sfn "$SONAME" "$DESTDIR$LIBDIR/libplivo.so"
run "$INSTALL" -m 644 "$STATIC_LIB" "$DESTDIR$LIBDIR/libplivo.a"
run "$INSTALL" -m 644 "$HEADER" "$DESTDIR$INCLUDEDIR/plivo.h"
gen "$here/plivo.pc.in" "$DESTDIR$PKGCONFIGDIR/plivo.pc"
gen "$here/plivoConfig.cmake.in" "$DESTDIR$CMAKEDIR/plivoConfig.cmake"
gen "$here/plivoConfigVersion.cmake.in" "$DESTDIR$CMAKEDIR/plivoConfigVersion.cmake"
run "$INSTALL" -m 755 "$CLI" "$DESTDIR$BINDIR/plivo-stream"
run "$INSTALL" -m 644 "$MANPAGE" "$DESTDIR$MANDIR/man1/plivo-stream.1"
echo "installed libplivo $VERSION and plivo-stream into $DESTDIR$PREFIX"
