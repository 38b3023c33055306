# shellcheck shell=bash
# Helpers shared by the scripts in setup/. Source this file, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# Environment variables understood by every script:
#   ODOO_PATH   Odoo 18.0 Community source tree (odoo-bin, odoo/, requirements.txt);
#               default /opt/odoo. It is used in place, never copied into the repo.
#   PYTHON      interpreter used to create the virtualenvs; default python3 (3.11).
#   ODOO_GIT_URL, ODOO_GIT_BRANCH, ODOO_ARCHIVE_URL
#               where Odoo is fetched from when $ODOO_PATH holds none (default: the
#               official repository's 18.0 branch, then the official 18.0 archive).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
PYTHON="${PYTHON:-python3}"
VENV="$REPO_ROOT/.venv"
LINT_VENV="$REPO_ROOT/.venv-lint"

# Every tool the set-up installs is pinned, so that a release somewhere cannot break
# the two README commands: pip, setuptools and wheel of the virtualenvs themselves
# (setup/requirements-tools.txt), and what pip puts in the isolated environments it
# builds old sdists in (setup/pip-constraints.txt: Odoo's pinned cbor2, vobject and
# pyusb need setuptools<70 and its pkg_resources). pip >= 26 reads build constraints
# from PIP_BUILD_CONSTRAINT only, older pips from PIP_CONSTRAINT: set both.
TOOLS_REQUIREMENTS="$REPO_ROOT/setup/requirements-tools.txt"
export PIP_CONSTRAINT="$REPO_ROOT/setup/pip-constraints.txt"
export PIP_BUILD_CONSTRAINT="$PIP_CONSTRAINT"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
# Never read a personal ~/.odoorc: every option the scripts need is on the command line.
export ODOO_RC=/dev/null

# Debian packages: database server, headers for python-ldap/psycopg2 sdists, the
# browser Odoo's tours drive, the PDF renderer of reports, and a C toolchain.
APT_PACKAGES=(
    postgresql libpq-dev libldap2-dev libsasl2-dev chromium wkhtmltopdf
    build-essential python3-dev python3-venv git curl ca-certificates
)

# ---------------------------------------------------------------- output, timing

say() { printf '\n==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf '\nERROR: %s\n' "$*" >&2
    exit 1
}

# phase_begin NAME / phase_end [STATUS]: time the steps of a script; print_phases lists them.
PHASES=()
_PHASE_NAME=""
_PHASE_T0=""
phase_begin() {
    _PHASE_NAME="$1"
    _PHASE_T0="$EPOCHREALTIME"
    say "$1"
}
phase_end() {
    local status="${1:-ok}" dt
    dt="$(awk -v a="$_PHASE_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
    PHASES+=("$(printf '  %-44s %7ss  %s' "$_PHASE_NAME" "$dt" "$status")")
    printf '<== %s: %ss (%s)\n' "$_PHASE_NAME" "$dt" "$status"
}
print_phases() {
    local line
    for line in "${PHASES[@]}"; do
        printf '%s\n' "$line"
    done
}

# as_root CMD...: run a command as root (directly when we are root, else through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root: run as root or install sudo"
    fi
}

# as_postgres CMD...: run a command as the postgres OS user (cluster superuser).
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    else
        sudo -u postgres "$@"
    fi
}

# ---------------------------------------------------------------- Odoo source

# Where the set-up gets Odoo when $ODOO_PATH holds none: a shallow clone of the
# official 18.0 branch, else the official source archive of the 18.0 nightly.
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
ODOO_GIT_BRANCH="${ODOO_GIT_BRANCH:-18.0}"
ODOO_ARCHIVE_URL="${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}"

odoo_source_present() {
    [ -f "$ODOO_PATH/odoo/release.py" ] && [ -f "$ODOO_PATH/odoo-bin" ] &&
        [ -f "$ODOO_PATH/requirements.txt" ]
}

# fetch_odoo_source: put Odoo 18.0 Community at $ODOO_PATH, from $ODOO_GIT_URL (shallow
# clone of $ODOO_GIT_BRANCH) or else $ODOO_ARCHIVE_URL (a .tar.gz of the source);
# false when neither can be reached. Never writes into a non-empty $ODOO_PATH.
fetch_odoo_source() {
    local parent tmp
    if [ -e "$ODOO_PATH" ] && [ -n "$(ls -A "$ODOO_PATH" 2>/dev/null)" ]; then
        echo "$ODOO_PATH exists and is not empty, but holds no Odoo: not touching it" >&2
        return 1
    fi
    parent="$(dirname "$ODOO_PATH")"
    if ! mkdir -p "$parent" 2>/dev/null || [ ! -w "$parent" ]; then
        as_root mkdir -p "$parent"
        as_root chown "$(id -u):$(id -g)" "$parent"
    fi
    tmp="$(mktemp -d "$parent/.odoo-source.XXXXXX")"
    echo "Getting Odoo $ODOO_GIT_BRANCH: git clone --depth 1 $ODOO_GIT_URL"
    if ! git clone -q --depth 1 --single-branch --branch "$ODOO_GIT_BRANCH" \
        "$ODOO_GIT_URL" "$tmp/src" >"$tmp/fetch.log" 2>&1; then
        sed 's/^/    /' "$tmp/fetch.log"
        rm -rf "$tmp/src"
        mkdir -p "$tmp/src"
        echo "Getting Odoo from the source archive $ODOO_ARCHIVE_URL"
        if ! curl -fsSL --retry 2 "$ODOO_ARCHIVE_URL" -o "$tmp/odoo.tar.gz" >"$tmp/fetch.log" 2>&1 ||
            ! tar -xzf "$tmp/odoo.tar.gz" -C "$tmp/src" --strip-components=1 >>"$tmp/fetch.log" 2>&1; then
            sed 's/^/    /' "$tmp/fetch.log"
            rm -rf "$tmp"
            return 1
        fi
    fi
    if [ ! -f "$tmp/src/odoo/release.py" ] || [ ! -f "$tmp/src/odoo-bin" ]; then
        echo "what was downloaded holds no odoo/release.py and odoo-bin" >&2
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$ODOO_PATH"
    mv "$tmp/src" "$ODOO_PATH"
    rm -rf "$tmp"
    echo "Odoo source ready at $ODOO_PATH"
}

# ensure_odoo_source: Odoo 18.0 at $ODOO_PATH, fetched when missing; stops with a clear
# message when it cannot be had.
ensure_odoo_source() {
    if ! odoo_source_present; then
        echo "No Odoo source at $ODOO_PATH: fetching Odoo 18.0 Community"
        if ! fetch_odoo_source; then
            die "Odoo 18.0 source (community) not found at $ODOO_PATH, and it could not be
       fetched from $ODOO_GIT_URL (branch $ODOO_GIT_BRANCH) nor from $ODOO_ARCHIVE_URL.
       Place it at /opt/odoo (or point \$ODOO_PATH to it) with odoo-bin, odoo/ and
       requirements.txt, e.g. the 18.0 branch of the odoo/odoo repository or the
       odoo_18.0 community source tarball; or set ODOO_GIT_URL / ODOO_ARCHIVE_URL to a
       copy this machine can reach. It is used in place, not installed."
        fi
    fi
    check_odoo_source
    set_odoo_cmd
}

check_odoo_source() {
    if ! odoo_source_present; then
        die "Odoo 18.0 source (community) not found at $ODOO_PATH.
       Place it at /opt/odoo (or point \$ODOO_PATH to it) with odoo-bin, odoo/ and
       requirements.txt, e.g. the 18.0 branch of the odoo/odoo repository or the
       odoo_18.0 community source tarball. It is used in place, not installed."
    fi
    local series
    series="$(sed -n 's/^version_info = (\([0-9]*\), *\([0-9]*\),.*/\1.\2/p' "$ODOO_PATH/odoo/release.py")"
    if [ "$series" != "18.0" ]; then
        die "$ODOO_PATH holds Odoo '$series', this repository needs Odoo 18.0"
    fi
}

# ---------------------------------------------------------------- Debian packages

ensure_apt_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "Debian packages present: ${APT_PACKAGES[*]}"
        return 0
    fi
    echo "Installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------- PostgreSQL

ensure_postgres() {
    if ! pg_isready -q; then
        echo "Starting PostgreSQL"
        as_root service postgresql start >/dev/null
        for _ in $(seq 1 30); do
            pg_isready -q && break
            sleep 1
        done
        pg_isready -q || die "PostgreSQL did not start (check: service postgresql status)"
    fi
    local me
    me="$(id -un)"
    [ "$me" != "postgres" ] || die "run as another user than postgres: Odoo refuses it"
    if ! as_postgres psql -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1; then
        echo "Creating PostgreSQL superuser role '$me'"
        as_postgres createuser -s "$me"
    fi
    echo "PostgreSQL ready, role '$me'"
}

# drop_db NAME: drop a database if it exists, without the NOTICE when it does not.
drop_db() {
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$1"
}

db_exists() {
    [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]
}

# ---------------------------------------------------------------- virtualenvs

# ensure_venv DIR REQUIREMENTS_FILE: create DIR and pip-install the file into it, only
# when the requirements (or the constraints, or the interpreter) changed since the last
# successful install; the hash is kept in DIR/.requirements-stamp.
ensure_venv() {
    local dir="$1" req="$2" stamp want pyver
    stamp="$dir/.requirements-stamp"
    pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [ -e "$dir" ] && ! [ -x "$dir/bin/python" ] ||
        { [ -x "$dir/bin/python" ] &&
            [ "$("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$pyver" ]; }; then
        echo "$(basename "$dir") is broken or made with another Python than $pyver: recreating it"
        rm -rf "$dir"
    fi
    want="$(cat "$req" "$PIP_CONSTRAINT" "$TOOLS_REQUIREMENTS" | sha256sum | cut -d' ' -f1) python-$pyver"
    if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "$(basename "$dir") up to date ($(basename "$req"))"
        return 0
    fi
    if [ ! -x "$dir/bin/python" ]; then
        echo "Creating $(basename "$dir") with $("$PYTHON" --version)"
        "$PYTHON" -m venv "$dir" || {
            rm -rf "$dir"
            die "could not create $dir (Debian: apt-get install python3-venv)"
        }
    fi
    echo "Installing $(basename "$req") into $(basename "$dir")"
    rm -f "$stamp"
    pip_quiet "$dir" install -r "$TOOLS_REQUIREMENTS"
    pip_quiet "$dir" install -r "$req"
    printf '%s\n' "$want" >"$stamp"
}

# pip_quiet VENV ARGS...: pip -q, without the warnings about find-links or index
# locations of the machine's pip configuration that do not exist.
pip_quiet() {
    local dir="$1"
    shift
    "$dir/bin/python" -m pip -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

ensure_main_venv() { ensure_venv "$VENV" "$REPO_ROOT/requirements.txt"; }
ensure_lint_venv() { ensure_venv "$LINT_VENV" "$REPO_ROOT/setup/requirements-lint.txt"; }

# Everything the Odoo scripts need, in order.
setup_all() {
    ensure_apt_packages
    ensure_odoo_source
    ensure_postgres
    ensure_main_venv
}
prepare_machine() { setup_all; } # name used by setup/benchmark.sh

# ---------------------------------------------------------------- addons

# ADDONS: names of the repository's addons (top-level directories with __manifest__.py).
discover_addons() {
    ADDONS=()
    local manifest
    for manifest in "$REPO_ROOT"/*/__manifest__.py; do
        [ -f "$manifest" ] || continue
        ADDONS+=("$(basename "$(dirname "$manifest")")")
    done
    [ "${#ADDONS[@]}" -gt 0 ] || die "no addon (directory with __manifest__.py) in $REPO_ROOT"
}

# join_by SEP ITEM...: print the items joined by SEP.
join_by() {
    local sep="$1"
    shift
    local out="" item
    for item in "$@"; do
        out="${out:+$out$sep}$item"
    done
    printf '%s' "$out"
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() {
    "$VENV/bin/python" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# odoo_log_filter [REGEX]: read an Odoo log on stdin and print only its WARNING, ERROR
# and CRITICAL records (with their tracebacks) and the INFO records matching REGEX.
odoo_log_filter() {
    LOG_WANT="${1:-^$}" awk '
        /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:,]+ [0-9]+ / {
            show = ($4 != "INFO") || ($0 ~ ENVIRON["LOG_WANT"])
        }
        show { print; fflush() }
    '
}

# ODOO_CMD: the command line that starts Odoo from its source tree with the core
# addons and this repository's addons; append -d, --data-dir and the rest.
# A git checkout of odoo/odoo keeps most core addons in addons/, the source tarball
# keeps them all in odoo/addons: use whichever exist. Set again once Odoo is fetched.
set_odoo_cmd() {
    ODOO_ADDONS_PATH="$ODOO_PATH/odoo/addons"
    if [ -d "$ODOO_PATH/addons" ]; then
        ODOO_ADDONS_PATH="$ODOO_PATH/addons,$ODOO_ADDONS_PATH"
    fi
    ODOO_CMD=("$VENV/bin/python" "$ODOO_PATH/odoo-bin" "--addons-path=$ODOO_ADDONS_PATH,$REPO_ROOT")
}
set_odoo_cmd
odoo_bin() { "${ODOO_CMD[@]}" "$@"; }
