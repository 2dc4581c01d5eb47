#!/usr/bin/env bash
# ABI guard: libplivo's exported symbols, result codes, versions and SONAME against the
# committed lists in tests/abi/. A symbol or code that disappears or changes breaks every
# program linked against libplivo, so it fails here; an addition fails too, until it is
# written into the list on purpose (review it: once released, it stays forever).
#
#   tests/abi/check.sh        (or: make check-abi)
#
# Checks, on a debug build of the library:
#   - `nm -D --defined-only libplivo.so`: every defined dynamic symbol starts with plivo_,
#     and the set equals tests/abi/symbols.txt;
#   - the functions declared in include/plivo.h equal tests/abi/symbols.txt;
#   - libplivo.a defines every symbol of tests/abi/symbols.txt;
#   - the PlivoCode enum in include/plivo.h equals tests/abi/codes.txt (name value), and
#     plivo_code_name() agrees at run time;
#   - plivo_version(), the header's PLIVO_VERSION{,_MAJOR,_MINOR,_PATCH} and Cargo.toml agree;
#   - `readelf -d` shows SONAME libplivo.so.<major>.
# Prints `N passed, M failed` and exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh" # REPO, need, need_cargo, new_temp_dir, package_version, pass, fail, report
cd "$REPO"
export LC_ALL=C

SYMBOLS_TXT=tests/abi/symbols.txt
CODES_TXT=tests/abi/codes.txt
HEADER=include/plivo.h

new_temp_dir tmp

need_cargo
need cc gcc
need nm binutils
need readelf binutils

indent() { sed 's/^/        /'; }
# none LIST OK_MESSAGE FAIL_MESSAGE: passes when LIST is empty, else fails and shows it.
none() { if [ -z "$1" ]; then pass "$2"; else fail "$3"; indent <<<"$1"; fi; }
# same A LABEL_A B LABEL_B OK_MESSAGE FAIL_MESSAGE: passes when files A and B are equal,
# else fails and shows their diff.
same() {
    if diff -u --label "$2" --label "$4" "$1" "$3" >"$tmp/diff"; then pass "$5"; else
        fail "$6"
        indent <"$tmp/diff"
    fi
}
# The list files: comments (#) and blank lines ignored, sorted.
list() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" | sort; }

build_native
LIB_DIR=$PLIVO_LIB_DIR
SO=$LIB_DIR/libplivo.so
A=$LIB_DIR/libplivo.a

# --- versions -------------------------------------------------------------------------
cargo_version=$(package_version)
IFS=. read -r major minor patch <<<"${cargo_version%%[-+]*}"

# --- exported symbols of the shared library -------------------------------------------
nm -D --defined-only "$SO" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
list "$SYMBOLS_TXT" >"$tmp/expected"

foreign=$(grep -v '^plivo_' "$tmp/exported" || true)
none "$foreign" "every defined dynamic symbol of libplivo.so starts with plivo_ ($(wc -l <"$tmp/exported") symbols)" \
    "libplivo.so exports symbols that do not start with plivo_:"

missing=$(comm -23 "$tmp/expected" "$tmp/exported")
added=$(comm -13 "$tmp/expected" "$tmp/exported" | grep '^plivo_' || true)
none "$missing" "libplivo.so exports every symbol of $SYMBOLS_TXT" \
    "libplivo.so no longer exports (an ABI break for every program linked against it):"
none "$added" "libplivo.so exports no symbol missing from $SYMBOLS_TXT" \
    "libplivo.so exports new symbols; if they are meant to be public, add it to $SYMBOLS_TXT (sorted):"

# --- functions declared in the header -------------------------------------------------
# A declaration line starts with a type (not a comment) and names plivo_xxx( .
grep -E '^[A-Za-z_].*\bplivo_[a-z0-9_]+\(' "$HEADER" | grep -oE '\bplivo_[a-z0-9_]+\(' |
    tr -d '(' | sort -u >"$tmp/declared"
same "$tmp/expected" "$SYMBOLS_TXT" "$tmp/declared" "$HEADER (declared functions)" \
    "$HEADER declares exactly the functions of $SYMBOLS_TXT" \
    "$HEADER and $SYMBOLS_TXT differ (+ declared only in the header, - listed only):"

# --- the static library ----------------------------------------------------------------
# readelf, not nm: the archive's objects carry embedded LLVM bitcode (.llvmbc), and nm
# hands those to an installed LLVM linker plugin, which may be too old to read them and
# then reports "no symbols".
readelf -sW "$A" 2>/dev/null |
    awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" && $8 ~ /^plivo_/ { print $8 }' |
    sort -u >"$tmp/static"
static_missing=$(comm -23 "$tmp/expected" "$tmp/static")
none "$static_missing" "libplivo.a defines every symbol of $SYMBOLS_TXT" \
    "libplivo.a does not define:"

# --- result codes in the header -------------------------------------------------------
sed -n '/^typedef enum PlivoCode {/,/^} PlivoCode;/p' "$HEADER" |
    sed -n 's/^[[:space:]]*\(PLIVO_[A-Z0-9_]*\)[[:space:]]*=[[:space:]]*\([0-9-]*\),\{0,1\}[[:space:]]*$/\1 \2/p' |
    sort >"$tmp/header_codes"
list "$CODES_TXT" | awk '{ print $1, $2 }' | sort >"$tmp/codes"
if [ ! -s "$tmp/header_codes" ]; then
    fail "no 'typedef enum PlivoCode { ... } PlivoCode;' with NAME = VALUE lines found in $HEADER"
else
    changed=$(comm -23 "$tmp/codes" "$tmp/header_codes")
    # New: a name the list does not have (a renumbered code is reported above).
    new_codes=$(awk 'NR == FNR { known[$1] = 1; next } !($1 in known)' "$tmp/codes" "$tmp/header_codes")
    none "$changed" "$HEADER has every result code of $CODES_TXT with its value" \
        "result codes missing or renumbered in $HEADER (expected, from $CODES_TXT):"
    none "$new_codes" "$HEADER has no result code missing from $CODES_TXT" \
        "$HEADER has new result codes; add them to $CODES_TXT (values are forever):"
fi

# --- run time: plivo_version() and plivo_code_name() ----------------------------------
cat >"$tmp/abi_probe.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "plivo.h"
int main(void) {
    printf("%s\n", plivo_version());
    for (int code = 0; code < 256; code++)
        if (strcmp(plivo_code_name(code), "PLIVO_ERR_UNKNOWN") != 0) printf("%s %d\n", plivo_code_name(code), code);
    return 0;
}
EOF
ln -s "$SO" "$tmp/libplivo.so.$major"
if cc -std=c99 -Wall -Wextra -Werror -I include "$tmp/abi_probe.c" -L "$LIB_DIR" -lplivo \
    -Wl,-rpath,"$tmp" -o "$tmp/abi_probe" 2>"$tmp/cc.err" &&
    "$tmp/abi_probe" >"$tmp/probe.out" 2>"$tmp/probe.err"; then
    pass "compiled and ran a C program against libplivo.so (SONAME link in a temporary directory)"
    runtime_version=$(head -n 1 "$tmp/probe.out")
    tail -n +2 "$tmp/probe.out" | sort >"$tmp/runtime_codes"
    same "$tmp/codes" "$CODES_TXT" "$tmp/runtime_codes" "plivo_code_name() at run time" \
        "plivo_code_name() names exactly the codes of $CODES_TXT" \
        "plivo_code_name() disagrees with $CODES_TXT:"
else
    fail "could not compile or run the C probe:"
    sed 's/^/        /' "$tmp/cc.err" "$tmp/probe.err" 2>/dev/null || true
    runtime_version="(probe failed)"
fi

macro() { sed -n "s/^#define $1 \"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" "$HEADER"; }
h_version=$(macro PLIVO_VERSION)
h_major=$(macro PLIVO_VERSION_MAJOR)
h_minor=$(macro PLIVO_VERSION_MINOR)
h_patch=$(macro PLIVO_VERSION_PATCH)
if [ -n "$cargo_version" ] && [ "$runtime_version" = "$cargo_version" ] &&
    [ "$h_version" = "$cargo_version" ] &&
    [ "$h_major" = "$major" ] && [ "$h_minor" = "$minor" ] && [ "$h_patch" = "$patch" ]; then
    pass "versions agree: Cargo.toml, plivo_version() and PLIVO_VERSION are $cargo_version (MAJOR $h_major, MINOR $h_minor, PATCH $h_patch)"
else
    fail "versions disagree: Cargo.toml '$cargo_version', plivo_version() '$runtime_version'," \
        "PLIVO_VERSION '$h_version', PLIVO_VERSION_MAJOR/_MINOR/_PATCH '$h_major'/'$h_minor'/'$h_patch'"
fi

# --- SONAME -----------------------------------------------------------------------------
soname=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = "libplivo.so.$major" ]; then
    pass "SONAME is $soname"
else
    fail "SONAME is '${soname:-none}', expected libplivo.so.$major"
fi

report
