#!/usr/bin/env bash
# Scale-out check (not part of the test run): the suite on Odoo's multi-worker
# server with a PostgreSQL streaming read replica.
#
#   bash setup/scale-out-check.sh
#
# 1. A demo database crm_scaleout with every addon of the repository.
# 2. A second PostgreSQL 15 cluster "crm_replica" on port 5433, a hot standby
#    of the main cluster made with pg_basebackup -R (streaming replication).
# 3. Odoo with --workers 2 --max-cron-threads 2 and --db_replica_host/port
#    pointing at the replica.
# 4. tests/scaleout/drive.py drives it over HTTP as the web client does (every
#    window action of the suite, kanban, list, form, reports, dashboard, the
#    partner form) as the administrator and as a salesperson, and checks that
#    (a) every read-only call succeeds on the replica without being retried on
#    the primary, (b) writes go to the primary and stream to the replica,
#    (c) the suite's scheduled jobs, triggered once, run once.
# The replica cluster and the server are removed at the end.
# Environment: CRM_SCALEOUT_PORT (default 8090; the next one is the gevent port).
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
prepare_machine
discover_addons

DB=crm_scaleout
PORT="${CRM_SCALEOUT_PORT:-8090}"
PG_VERSION=15
CLUSTER=crm_replica
REPLICA_PORT=5433
PRIMARY_PORT="$(pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" { print $3 }')"
[ -n "$PRIMARY_PORT" ] || die "no PostgreSQL $PG_VERSION cluster 'main' (pg_lsclusters)"
SOCKET=/var/run/postgresql
REPLICA_DATA="/var/lib/postgresql/$PG_VERSION/$CLUSTER"
DATA_DIR="$(mktemp -d)"
LOG="$DATA_DIR/odoo.log"
ODOO_PID=""

cleanup() {
    if [ -n "$ODOO_PID" ]; then
        # The server, its workers and its websocket process: one process group.
        kill -- "-$ODOO_PID" 2>/dev/null || true
        wait "$ODOO_PID" 2>/dev/null || true
    fi
    as_root pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" 2>/dev/null || true
    drop_db "$DB" || true
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

port_free "$PORT" && port_free "$((PORT + 1))" ||
    die "port $PORT or $((PORT + 1)) is in use: CRM_SCALEOUT_PORT=... bash $0"

phase_begin "Demo database $DB"
drop_db "$DB"
odoo_bin -d "$DB" -i "$(join_by , "${ADDONS[@]}")" --stop-after-init \
    --data-dir="$DATA_DIR" --http-port="$PORT" --max-cron-threads=0 --log-level=warn
phase_end

phase_begin "Streaming replica on port $REPLICA_PORT"
as_root pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" 2>/dev/null || true
as_root pg_createcluster "$PG_VERSION" "$CLUSTER" -p "$REPLICA_PORT" >/dev/null
as_root rm -rf "$REPLICA_DATA"
as_postgres pg_basebackup -h "$SOCKET" -p "$PRIMARY_PORT" -D "$REPLICA_DATA" -R \
    -X stream -c fast
# A base backup starts with crash recovery, which fsyncs every file of the
# copy one by one unless told to sync the file system at once; and a busy
# primary leaves much WAL to replay: give it time.
echo "recovery_init_sync_method = syncfs" |
    as_root tee -a "/etc/postgresql/$PG_VERSION/$CLUSTER/postgresql.conf" >/dev/null
as_root pg_ctlcluster "$PG_VERSION" "$CLUSTER" start -- -t 600
for _ in $(seq 1 30); do
    [ "$(psql -h "$SOCKET" -p "$REPLICA_PORT" -d "$DB" -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && break
    sleep 1
done
[ "$(psql -h "$SOCKET" -p "$REPLICA_PORT" -d "$DB" -tAc 'SELECT pg_is_in_recovery()')" = t ] ||
    die "the replica did not start as a hot standby"
psql -h "$SOCKET" -p "$PRIMARY_PORT" -d postgres -tAc \
    "SELECT 'primary streams to: ' || application_name || ' (' || state || ')' FROM pg_stat_replication"
phase_end

phase_begin "Odoo --workers 2 --max-cron-threads 2, reads on the replica"
setsid "${ODOO_CMD[@]}" -d "$DB" --db-filter="^$DB\$" --workers=2 --max-cron-threads=2 \
    --db_replica_host="$SOCKET" --db_replica_port="$REPLICA_PORT" \
    --http-interface=127.0.0.1 --http-port="$PORT" --gevent-port="$((PORT + 1))" \
    --data-dir="$DATA_DIR" --logfile="$LOG" --log-level=info &
ODOO_PID=$!
for _ in $(seq 1 90); do
    curl -fs "http://127.0.0.1:$PORT/web/health" >/dev/null 2>&1 && break
    sleep 1
done
curl -fs "http://127.0.0.1:$PORT/web/health" >/dev/null || die "Odoo did not start (log: $LOG)"
# The websocket (gevent) process serves the live updates of every open tab.
for _ in $(seq 1 30); do
    curl -fs "http://127.0.0.1:$((PORT + 1))/websocket/health" >/dev/null 2>&1 && break
    sleep 1
done
curl -fs "http://127.0.0.1:$((PORT + 1))/websocket/health" >/dev/null ||
    die "Odoo's websocket worker did not start (log: $LOG)"
phase_end

phase_begin "Driving it over HTTP"
status=0
PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/scaleout/drive.py" \
    --url "http://127.0.0.1:$PORT" --db "$DB" --log "$LOG" \
    --primary-dsn "host=$SOCKET port=$PRIMARY_PORT dbname=$DB" \
    --replica-dsn "host=$SOCKET port=$REPLICA_PORT dbname=$DB" \
    --user admin:admin --user demo:demo || status=$?
phase_end "$([ "$status" = 0 ] && echo ok || echo FAILED)"
print_phases
exit "$status"
