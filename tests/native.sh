# Sourced by the test and demo scripts: builds the library and the bundled server
# (debug profile) and gives the in-tree shared library its SONAME link, so programs
# linked with -L target/debug -lplivo find libplivo.so.0 at run time.
#
#   . tests/native.sh && build_native      # sets REPO, PLIVO_LIB_DIR, PLIVO_SERVER_BIN

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# need COMMAND DEBIAN_PACKAGE: install the package with apt-get when the command is
# missing (as root, or through sudo), running `apt-get update` only if the first try
# fails.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)" >&2
    local sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
}

# need_cargo: Rust cannot come from apt (Debian's is too old); say where to get it.
need_cargo() {
    command -v cargo >/dev/null 2>&1 ||
        { echo "Rust (cargo >= 1.85) is required: https://rustup.rs" >&2; exit 1; }
}

build_native() {
    (cd "$REPO" && cargo build --quiet -p plivo -p plivo-server)
    PLIVO_LIB_DIR="$REPO/target/debug"
    PLIVO_SERVER_BIN="$PLIVO_LIB_DIR/plivo-server"
    ln -sf libplivo.so "$PLIVO_LIB_DIR/libplivo.so.0"
    export REPO PLIVO_LIB_DIR PLIVO_SERVER_BIN
}

# start_server VAR_PREFIX [server args...]: starts plivo-server on an ephemeral
# loopback port; sets ${VAR_PREFIX}_URL (base URL) and ${VAR_PREFIX}_PID. The caller
# stops it with `kill "$X_PID"` (add it to an EXIT trap).
start_server() {
    local prefix=$1 fifo url pid
    shift
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    "$PLIVO_SERVER_BIN" "$@" >"$fifo" &
    pid=$!
    read -r url <"$fifo"
    rm -f "$fifo"
    printf -v "${prefix}_URL" '%s' "$url"
    printf -v "${prefix}_PID" '%s' "$pid"
}
