#!/usr/bin/env bash
# Print benchmark figures (never part of the test run).
#
#   bash setup/benchmark.sh --scale S [--reuse] [--runs N] [--only OPS]
#       The suite against Odoo's own CRM and against SQL on generated data
#       (scale 1: 200 000 partners, 1 000 000 deals, 1 000 000 crm.lead,
#       300 000 invoices; see tests/perf/). Makes the database crm_perf_S with
#       crm and every addon of the repository, and crm_perf_S_plain (the same
#       Odoo apps and partners without the suite, for the import comparison),
#       generates and checks the data, measures, and writes
#       tests/perf/results/scale-S.{json,md}. --reuse keeps the databases of an
#       earlier run with the same scale. OPS: comma-separated operations of
#       tests/perf/bench.py (kanban, list_and_count, forms, ...).
#   bash setup/benchmark.sh mailing [PARTNERS]
#       Queueing a mailing to PARTNERS contacts (default 50 000), in full, with
#       the peak memory (tests/benchmark_mailing.py, scratch database crm_bench).
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

SCALE=""
REUSE=0
RUNS=5
ONLY=""
MODE=scale
while [ $# -gt 0 ]; do
    case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --runs) RUNS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    mailing) MODE=mailing; shift; PARTNERS="${1:-50000}"; [ $# -gt 0 ] && shift ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
done
[ "$MODE" = mailing ] || [ -n "$SCALE" ] || usage

prepare_machine
discover_addons
PERF_DATA="$REPO_ROOT/.perf-data"
mkdir -p "$PERF_DATA"
ADDONS_PATH="$ODOO_ADDONS_PATH,$REPO_ROOT"

bench_py() {
    PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/perf/bench.py" "$@" \
        --addons-path "$ADDONS_PATH" --data-dir "$PERF_DATA"
}

if [ "$MODE" = mailing ]; then
    BENCH_DB=crm_bench
    say "Creating $BENCH_DB with crm_lite (no demo data)"
    drop_db "$BENCH_DB"
    odoo_bin -d "$BENCH_DB" -i crm_lite --without-demo=all --stop-after-init \
        --http-port=8969 --data-dir="$PERF_DATA" --log-level=warn
    say "Queueing a mailing"
    PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/benchmark_mailing.py" \
        --database "$BENCH_DB" --addons-path "$ADDONS_PATH" --partners "$PARTNERS"
    drop_db "$BENCH_DB"
    exit 0
fi

TAG="${SCALE//./_}"
DB="crm_perf_$TAG"
PLAIN="${DB}_plain"
# Odoo's apps the suite builds on, without the suite: the plain database.
ODOO_APPS="crm,account,contacts,calendar,mass_mailing,phone_validation,base_import"

generated() {
    db_exists "$1" && [ -n "$(psql -d "$1" -tAc \
        "SELECT value FROM ir_config_parameter WHERE key = 'perf.generated'" 2>/dev/null)" ]
}

if [ "$REUSE" = 1 ] && generated "$DB" && generated "$PLAIN"; then
    say "Reusing $DB and $PLAIN"
else
    phase_begin "Databases $DB and $PLAIN"
    drop_db "$DB"
    drop_db "$PLAIN"
    drop_db "${DB}_base"
    odoo_bin -d "${DB}_base" -i "$ODOO_APPS" --without-demo=all --stop-after-init \
        --http-port=8969 --data-dir="$PERF_DATA" --log-level=warn
    for target in "$PLAIN" "$DB"; do
        createdb -T "${DB}_base" "$target"
        rm -rf "$PERF_DATA/filestore/$target"
        cp -r "$PERF_DATA/filestore/${DB}_base" "$PERF_DATA/filestore/$target"
    done
    drop_db "${DB}_base"
    rm -rf "$PERF_DATA/filestore/${DB}_base"
    odoo_bin -d "$DB" -i "$(join_by , "${ADDONS[@]}")" --without-demo=all \
        --stop-after-init --http-port=8969 --data-dir="$PERF_DATA" --log-level=warn
    phase_end
    phase_begin "Generating the data (scale $SCALE)"
    bench_py generate --database "$PLAIN" --scale "$SCALE" --without-suite
    bench_py generate --database "$DB" --scale "$SCALE"
    phase_end
    phase_begin "Checking the data through the ORM"
    bench_py check --database "$DB"
    phase_end
fi
phase_begin "Measuring"
bench_py run --database "$DB" --plain-database "$PLAIN" --scale "$SCALE" --runs "$RUNS" \
    ${ONLY:+--only "$ONLY"}
phase_end
print_phases
