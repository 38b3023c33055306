#!/usr/bin/env bash
# Print benchmark figures (never part of the test run).
#
#   bash setup/benchmark.sh --scale S [--reuse] [--runs N] [--only OPS]
#       The suite against Odoo's own CRM and against SQL on generated data
#       (scale 1: 200 000 partners, 1 000 000 deals, 1 000 000 crm.lead,
#       300 000 invoices; see tests/perf/). Makes the database crm_perf_S with
#       crm and every addon of the repository but crm_loyalty, and
#       crm_perf_S_plain (the same Odoo apps and partners without the suite,
#       for the import comparison), generates and checks the data, measures,
#       and writes tests/perf/results/scale-S.{json,md}. The loyalty
#       operations run on crm_perf_S_loyalty: a copy of crm_perf_S with
#       crm_loyalty installed and a loyalty set-up generated, measured against
#       crm_perf_S. --reuse keeps the databases of an earlier run with the
#       same scale, brings them up to date (data added by later versions of
#       the generator; crm_loyalty updated to this checkout). OPS:
#       comma-separated operations of tests/perf/bench.py (kanban,
#       list_and_count, forms, ..., reports, loyalty); the others keep their
#       last figures in the results.
#   bash setup/benchmark.sh mailing [PARTNERS]
#       Queueing a mailing to PARTNERS contacts (default 50 000), in full, with
#       the peak memory (tests/benchmark_mailing.py, scratch database crm_bench).
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

usage() {
    sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
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
LOYALTY_DB="${DB}_loyalty"
# Odoo's apps the suite builds on, without the suite: the plain database.
ODOO_APPS="crm,account,contacts,calendar,mass_mailing,phone_validation,base_import"

# generated DB [KEY]: the generator's stamp KEY (perf.generated) is in DB.
generated() {
    db_exists "$1" && [ -n "$(psql -d "$1" -tAc \
        "SELECT value FROM ir_config_parameter WHERE key = '${2:-perf.generated}'" \
        2>/dev/null)" ]
}

# The suite's addons measured on $DB: all but crm_loyalty and what needs it
# (they are measured on $LOYALTY_DB, against $DB).
SUITE=()
for addon in "${ADDONS[@]}"; do
    if [ "$addon" != crm_loyalty ] && ! grep -q '"crm_loyalty"' "$addon/__manifest__.py"; then
        SUITE+=("$addon")
    fi
done
# The operations measured on $DB, and whether the loyalty ones are wanted.
MAIN_ONLY="$ONLY"
WANT_LOYALTY=1
if [ -n "$ONLY" ]; then
    MAIN_ONLY="$(printf ',%s,' "$ONLY" | sed 's/,loyalty,/,/g; s/^,//; s/,$//')"
    case ",$ONLY," in *,loyalty,*) ;; *) WANT_LOYALTY=0 ;; esac
fi

if [ "$REUSE" = 1 ] && generated "$DB" && generated "$PLAIN"; then
    say "Reusing $DB and $PLAIN"
    # What later versions of the generator add, when it is missing.
    bench_py extend --database "$DB" --scale "$SCALE"
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
    odoo_bin -d "$DB" -i "$(join_by , "${SUITE[@]}")" --without-demo=all \
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
if [ -z "$ONLY" ] || [ -n "$MAIN_ONLY" ]; then
    phase_begin "Measuring"
    bench_py run --database "$DB" --plain-database "$PLAIN" --scale "$SCALE" \
        --runs "$RUNS" ${MAIN_ONLY:+--only "$MAIN_ONLY"}
    phase_end
fi
if [ "$WANT_LOYALTY" = 1 ]; then
    if [ "$REUSE" = 1 ] && generated "$LOYALTY_DB" perf.loyalty_generated; then
        phase_begin "Reusing $LOYALTY_DB: crm_loyalty updated to this checkout"
        odoo_bin -d "$LOYALTY_DB" -u crm_loyalty --stop-after-init --http-port=8969 \
            --data-dir="$PERF_DATA" --log-level=warn
        bench_py extend --database "$LOYALTY_DB" --scale "$SCALE"
        phase_end
    else
        phase_begin "Database $LOYALTY_DB: $DB with crm_loyalty and a loyalty set-up"
        drop_db "$LOYALTY_DB"
        createdb -T "$DB" "$LOYALTY_DB"
        rm -rf "$PERF_DATA/filestore/$LOYALTY_DB"
        cp -r "$PERF_DATA/filestore/$DB" "$PERF_DATA/filestore/$LOYALTY_DB"
        odoo_bin -d "$LOYALTY_DB" -i crm_loyalty --without-demo=all --stop-after-init \
            --http-port=8969 --data-dir="$PERF_DATA" --log-level=warn
        bench_py generate --loyalty --database "$LOYALTY_DB" --scale "$SCALE"
        phase_end
    fi
    phase_begin "Measuring crm_loyalty"
    bench_py run --database "$LOYALTY_DB" --anchor-database "$DB" \
        --plain-database "$PLAIN" --scale "$SCALE" --runs "$RUNS" --only loyalty
    phase_end
fi
print_phases
