#!/usr/bin/env bash
# Print benchmark figures (never part of the test run).
# Usage: bash setup/benchmark.sh [deal counts...]   e.g. bash setup/benchmark.sh 1000 10000
set -euo pipefail
source "$(dirname "$0")/common.sh"
prepare_machine
if [ $# -eq 0 ]; then set -- 100 1000 5000; fi
BENCH_DB=crm_bench
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$BENCH_DB'" | grep -q 1; then
    echo "Creating $BENCH_DB with crm_lite (no demo data)..."
    odoo_bin -d "$BENCH_DB" -i crm_lite --without-demo=all --stop-after-init \
        --http-port=8969 --data-dir="$REPO_ROOT/.odoo-data" --log-level=warn
fi
PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/benchmark_kanban.py" \
    --database "$BENCH_DB" --addons-path "$ODOO_PATH/odoo/addons,$REPO_ROOT" \
    --deals "$@"
