#!/usr/bin/env bash
# Set everything up and start the CRM suite with demo data on http://127.0.0.1:8069
# (database crm_demo, login admin, password admin), in the foreground: Ctrl+C stops it.
#
# Usage: bash setup/run.sh [--reset] [-- EXTRA_ODOO_OPTIONS...]
#   --reset   drop the demo database (and its filestore) and create it again
#   -- ...    further options for odoo-bin, e.g. -- --dev=xml,reload
#
# First start: creates crm_demo with every addon of the repository installed, demo data
# included. Later starts: installs addons added since, and updates (-u) the addons whose
# files changed since the last start; otherwise starts at once.
# Environment: CRM_DEMO_DB (default crm_demo), CRM_HTTP_PORT (default 8069),
# ODOO_PATH (default /opt/odoo).
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

RESET=0
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
    --reset) RESET=1 ;;
    --)
        shift
        EXTRA=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done

DB="${CRM_DEMO_DB:-crm_demo}"
PORT="${CRM_HTTP_PORT:-8069}"
DATA_DIR="$REPO_ROOT/.odoo-data"
STAMP_DIR="$DATA_DIR/stamps"

phase_begin "Set-up (Debian packages, PostgreSQL, .venv)"
setup_all
phase_end ok

discover_addons
echo "Addons: ${ADDONS[*]}"
mkdir -p "$DATA_DIR" "$STAMP_DIR"
port_free "$PORT" || die "port $PORT is in use on 127.0.0.1 (another Odoo running?).
       Stop it, or choose another port: CRM_HTTP_PORT=8070 bash setup/run.sh"

# addon_hash ADDON: digest of the addon's files (what decides whether it needs -u).
addon_hash() {
    (cd "$REPO_ROOT" && find "$1" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
# installed_addons: repo addons installed in $DB, one per line.
installed_addons() {
    psql -d "$DB" -tAc "SELECT name FROM ir_module_module
        WHERE state = 'installed' AND name IN ('$(join_by "','" "${ADDONS[@]}")')" 2>/dev/null || true
}

if [ "$RESET" = 1 ]; then
    phase_begin "Reset: dropping database $DB"
    drop_db "$DB"
    rm -rf "$DATA_DIR/filestore/$DB" "$STAMP_DIR/$DB".*
    phase_end ok
fi

if db_exists "$DB" && [ -z "$(psql -d "$DB" -tAc "SELECT to_regclass('ir_module_module')")" ]; then
    warn "database $DB exists but holds no Odoo database: recreating it"
    dropdb "$DB"
fi

TO_INSTALL=()
TO_UPDATE=()
if db_exists "$DB"; then
    mapfile -t INSTALLED < <(installed_addons)
    for addon in "${ADDONS[@]}"; do
        if ! printf '%s\n' "${INSTALLED[@]}" | grep -qx "$addon"; then
            TO_INSTALL+=("$addon")
        elif [ "$(cat "$STAMP_DIR/$DB.$addon" 2>/dev/null)" != "$(addon_hash "$addon")" ]; then
            TO_UPDATE+=("$addon")
        fi
    done
else
    TO_INSTALL=("${ADDONS[@]}")
fi

if [ "${#TO_INSTALL[@]}" -gt 0 ] || [ "${#TO_UPDATE[@]}" -gt 0 ]; then
    ARGS=()
    [ "${#TO_INSTALL[@]}" -eq 0 ] || ARGS+=(-i "$(join_by , "${TO_INSTALL[@]}")")
    [ "${#TO_UPDATE[@]}" -eq 0 ] || ARGS+=(-u "$(join_by , "${TO_UPDATE[@]}")")
    phase_begin "Database $DB: ${ARGS[*]} (with demo data)"
    LOG="$DATA_DIR/install-$DB.log"
    echo "Full log: ${LOG#"$REPO_ROOT"/}"
    set +e
    odoo_bin -d "$DB" "${ARGS[@]}" --stop-after-init --data-dir="$DATA_DIR" \
        --http-interface=127.0.0.1 --http-port="$PORT" --max-cron-threads=0 \
        --log-level=info 2>&1 | tee "$LOG" |
        odoo_log_filter ': Loading module [a-z0-9_]+ |: loading [0-9]+ modules|: Modules loaded\.'
    rc="${PIPESTATUS[0]}"
    set -e
    [ "$rc" = 0 ] || die "installing/updating the addons failed (see above); full log: ${LOG#"$REPO_ROOT"/}"
    if grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$LOG"; then
        die "errors while installing/updating the addons (see above); full log: ${LOG#"$REPO_ROOT"/}"
    fi
    mapfile -t INSTALLED < <(installed_addons)
    for addon in "${ADDONS[@]}"; do
        printf '%s\n' "${INSTALLED[@]}" | grep -qx "$addon" ||
            die "$addon is not installed in $DB after the install; log: ${LOG#"$REPO_ROOT"/}"
    done
    for addon in "${TO_INSTALL[@]}" "${TO_UPDATE[@]}"; do
        addon_hash "$addon" >"$STAMP_DIR/$DB.$addon"
    done
    phase_end ok
else
    echo "Database $DB is up to date with the addons' code"
fi

cat <<EOF

==============================================================
  CRM suite is starting: http://127.0.0.1:$PORT
  Database: $DB    Login: admin    Password: admin
  Stop with Ctrl+C.  Fresh demo data: bash setup/run.sh --reset
==============================================================

EOF
exec "${ODOO_CMD[@]}" -d "$DB" --db-filter="^${DB}\$" --data-dir="$DATA_DIR" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=info "${EXTRA[@]}"
