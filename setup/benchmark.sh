#!/usr/bin/env bash
# Print benchmark figures (never part of the test run).
# Usage: bash setup/benchmark.sh [kanban [DEAL_COUNTS...] | mailing [PARTNERS]]
#   bash setup/benchmark.sh                  both, with their default sizes
#   bash setup/benchmark.sh kanban 1000 10000
#   bash setup/benchmark.sh mailing 50000
# Works on a fresh database crm_bench (crm_lite, no demo data); every benchmark
# rolls its own data back.
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
prepare_machine
WHAT="${1:-all}"
[ $# -gt 0 ] && shift
BENCH_DB=crm_bench
DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$DATA_DIR"' EXIT
say "Creating $BENCH_DB with crm_lite (no demo data)"
drop_db "$BENCH_DB"
odoo_bin -d "$BENCH_DB" -i crm_lite --without-demo=all --stop-after-init \
    --http-port=8969 --data-dir="$DATA_DIR" --log-level=warn
run_bench() {
    PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/$1" \
        --database "$BENCH_DB" --addons-path "$ODOO_ADDONS_PATH,$REPO_ROOT" "${@:2}"
}
if [ "$WHAT" = all ] || [ "$WHAT" = kanban ]; then
    say "Pipeline kanban load"
    if [ "$WHAT" = kanban ] && [ $# -gt 0 ]; then
        run_bench benchmark_kanban.py --deals "$@"
    else
        run_bench benchmark_kanban.py --deals 100 1000 5000
    fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = mailing ]; then
    say "Queueing a mailing"
    run_bench benchmark_mailing.py --partners "${1:-50000}"
fi
drop_db "$BENCH_DB"
