#!/usr/bin/env bash
# Set everything up, run the linters, then run the Odoo tests of every addon of the
# repository on a fresh database without demo data, and close on a line
# "N passed, M failed" (", K skipped" when tests were skipped, which fails the run).
#
# Usage: bash setup/test.sh [--no-lint] [TEST_TAGS...] [-- TEST_TAGS starting with -]
#   TEST_TAGS   Odoo --test-tags specs replacing the default (all repo addons), e.g.
#               /crm_lite:TestDealStages  or  /crm_lite:TestDealStages.test_won
#   --no-lint   skip setup/lint.sh (quicker while iterating on one test)
# Environment: CRM_TEST_DB (default crm_test), CRM_TEST_PORT (default 8169; the next
# free port is taken when it is busy), ODOO_PATH (default /opt/odoo).
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

RUN_LINT=1
TAGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --no-lint) RUN_LINT=0 ;;
    --)
        shift
        TAGS+=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) TAGS+=("$1") ;;
    esac
    shift
done

DB="${CRM_TEST_DB:-crm_test}"
LOG_DIR="$REPO_ROOT/.test-logs"
LOG="$LOG_DIR/odoo-tests-$(date +%Y%m%d-%H%M%S).log"
T_START="$EPOCHREALTIME"
LINT_STATUS="skipped (--no-lint)"
LINT_RC=0

phase_begin "Set-up (Debian packages, PostgreSQL, .venv)"
setup_all
phase_end ok

discover_addons
echo "Addons: ${ADDONS[*]}"

# ---------------------------------------------------------------- set-up tests
# tests/setup/test_*.sh check the set-up itself (pinned tools, fetching Odoo); on a
# full run only, like the uninstall check.
SETUP_TESTS_STATUS="skipped (not a full run)"
SETUP_FAILED=()
if [ "${#TAGS[@]}" -eq 0 ]; then
    phase_begin "Set-up tests (tests/setup)"
    mkdir -p "$LOG_DIR"
    SETUP_RUN=0
    for t in "$REPO_ROOT"/tests/setup/test_*.sh; do
        [ -f "$t" ] || continue
        SETUP_RUN=$((SETUP_RUN + 1))
        if ! bash "$t" 2>&1 | tee "$LOG_DIR/$(basename "$t" .sh).log"; then
            SETUP_FAILED+=("$(basename "$t")")
        fi
    done
    SETUP_TESTS_STATUS="$((SETUP_RUN - ${#SETUP_FAILED[@]})) of $SETUP_RUN passed"
    phase_end "$([ "${#SETUP_FAILED[@]}" = 0 ] && echo ok || echo FAILED)"
fi

if [ "$RUN_LINT" = 1 ]; then
    phase_begin "Linters (setup/lint.sh)"
    mkdir -p "$LOG_DIR"
    set +e
    bash "$REPO_ROOT/setup/lint.sh" 2>&1 | tee "$LOG_DIR/lint.log"
    LINT_RC="${PIPESTATUS[0]}"
    set -e
    if [ "$LINT_RC" = 0 ]; then
        LINT_STATUS="passed"
        phase_end ok
    else
        LINT_STATUS="$(grep -m1 '^Lint FAILED' "$LOG_DIR/lint.log" | sed 's/^Lint //' || true)"
        LINT_STATUS="${LINT_STATUS:-FAILED}"
        phase_end FAILED
    fi
fi

# ---------------------------------------------------------------- Odoo tests
phase_begin "Odoo tests on fresh database $DB"
PORT="${CRM_TEST_PORT:-8169}"
for _ in $(seq 1 30); do
    port_free "$PORT" && break
    PORT=$((PORT + 1))
done
port_free "$PORT" || die "no free HTTP port found from ${CRM_TEST_PORT:-8169} on"

FULL_RUN=0
if [ "${#TAGS[@]}" -eq 0 ]; then
    TAGS=("${ADDONS[@]/#//}") # /crm_lite /crm_loyalty ...
    FULL_RUN=1
fi
ADDON_LIST="$(join_by , "${ADDONS[@]}")"
TAG_LIST="$(join_by , "${TAGS[@]}")"

drop_db "$DB"
mkdir -p "$LOG_DIR"
# Keep the logs of the last 10 runs.
find "$LOG_DIR" -maxdepth 1 -name 'odoo-tests-*.log' | sort | head -n -9 | xargs -r rm -f
DATA_DIR="$(mktemp -d -t crm-test-data.XXXXXX)"
trap 'rm -rf "$DATA_DIR"' EXIT

echo "Installing $ADDON_LIST without demo data, running --test-tags $TAG_LIST"
echo "HTTP port $PORT, full log: ${LOG#"$REPO_ROOT"/}"
set +e
odoo_bin -d "$DB" -i "$ADDON_LIST" --without-demo=all \
    --test-enable --test-tags "$TAG_LIST" --stop-after-init \
    --data-dir="$DATA_DIR" --http-interface=127.0.0.1 --http-port="$PORT" \
    --max-cron-threads=0 --log-level=info 2>&1 |
    tee "$LOG" |
    odoo_log_filter ' odoo\.tests\.(result|stats): |: Starting [A-Za-z0-9_]+\.[A-Za-z0-9_]+ \.\.\.|: skipped | post-tests in | Modules loaded\.'
ODOO_RC_CODE="${PIPESTATUS[0]}"
set -e
phase_end "exit code $ODOO_RC_CODE"

# ---------------------------------------------------------------- uninstall
# Only on a full run: uninstalling every addon must leave nothing behind.
UNINSTALL_RC=0
if [ "$FULL_RUN" = 1 ] && [ "$ODOO_RC_CODE" = 0 ]; then
    phase_begin "Uninstall check"
    set +e
    PYTHONPATH="$ODOO_PATH" "$VENV/bin/python" "$REPO_ROOT/tests/check_uninstall.py" \
        --database "$DB" --addons-path "$ODOO_ADDONS_PATH,$REPO_ROOT" "${ADDONS[@]}"
    UNINSTALL_RC=$?
    set -e
    phase_end "$([ "$UNINSTALL_RC" = 0 ] && echo ok || echo FAILED)"
fi
drop_db "$DB" || true

# ---------------------------------------------------------------- demo data
# Only on a full run: the demo database of setup/run.sh must install cleanly.
DEMO_RC=0
DEMO_ERRORS=0
if [ "$FULL_RUN" = 1 ] && [ "$ODOO_RC_CODE" = 0 ]; then
    phase_begin "Demo data install check"
    DEMO_DB="${DB}_demo"
    DEMO_LOG="$LOG_DIR/odoo-demo-install.log"
    drop_db "$DEMO_DB"
    set +e
    odoo_bin -d "$DEMO_DB" -i "$ADDON_LIST" --stop-after-init \
        --data-dir="$DATA_DIR" --http-interface=127.0.0.1 --http-port="$PORT" \
        --max-cron-threads=0 --log-level=info >"$DEMO_LOG" 2>&1
    DEMO_RC=$?
    set -e
    DEMO_ERRORS="$(grep -cE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$DEMO_LOG" || true)"
    drop_db "$DEMO_DB" || true
    if [ "$DEMO_RC" = 0 ] && [ "$DEMO_ERRORS" = 0 ]; then
        phase_end ok
    else
        grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$DEMO_LOG" | cut -c1-300 | head -n 10
        phase_end FAILED
    fi
fi

# ---------------------------------------------------------------- results
# Result line written by odoo/service/server.py from odoo/tests/result.py:
#   ... odoo.tests.result: 0 failed, 0 error(s) of 57 tests when loading database 'crm_test'
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ '
RESULT_LINE="$(grep -E "${TS}[A-Z]+ .* odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$LOG" | tail -n 1 || true)"
if [ -n "$RESULT_LINE" ]; then
    read -r FAILURES ERRORS RUN < <(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$RESULT_LINE")
    RESULT_FOUND=1
else
    FAILURES=0 ERRORS=0 RUN=0 RESULT_FOUND=0
fi
# OdooTestResult.addSkip logs "skipped <test> : <reason>"; the browser tests raise
# SkipTest("websocket-client module is not installed" / "Chrome executable not found" /
# "Failed to detect chrome devtools port..." / "Error during Chrome ...") when they
# cannot run, and would otherwise pass silently.
SKIPPED="$(grep -cE "${TS}[A-Z]+ \S+ \S+: skipped " "$LOG" || true)"
BROWSER_MISSING="$(grep -cE "websocket-client module is not installed|Chrome executable not found|Failed to detect chrome devtools port|Error during Chrome|Cannot connect to chrome dev tools" "$LOG" || true)"
LOG_ERRORS="$(grep -cE "${TS}(ERROR|CRITICAL) " "$LOG" || true)"
LOG_WARNINGS="$(grep -cE "${TS}WARNING " "$LOG" || true)"

FAILED=$((FAILURES + ERRORS))
# testsRun counts skipped tests too: they did not pass.
PASSED=$((RUN - FAILED - SKIPPED))
[ "$PASSED" -ge 0 ] || PASSED=0

PROBLEMS=()
[ "${#SETUP_FAILED[@]}" = 0 ] || PROBLEMS+=("set-up tests failed: ${SETUP_FAILED[*]}")
[ "$LINT_RC" = 0 ] || PROBLEMS+=("linters reported errors (see above or .test-logs/lint.log)")
[ "$ODOO_RC_CODE" = 0 ] || PROBLEMS+=("odoo-bin exited with code $ODOO_RC_CODE")
if [ "$RESULT_FOUND" = 0 ]; then
    PROBLEMS+=("Odoo wrote no test result line: it stopped before the tests ended (see the log)")
    FAILED=$((FAILED + 1))
fi
[ "$RUN" -gt 0 ] || PROBLEMS+=("no test ran")
[ "$FAILED" = 0 ] || PROBLEMS+=("$FAILED test(s) failed or raised errors")
[ "$SKIPPED" = 0 ] || PROBLEMS+=("$SKIPPED test(s) skipped: every test must run")
[ "$BROWSER_MISSING" = 0 ] || PROBLEMS+=("browser tests could not run: Chromium or websocket-client missing")
[ "$LOG_ERRORS" = 0 ] || PROBLEMS+=("$LOG_ERRORS ERROR/CRITICAL line(s) in the Odoo log")
[ "$UNINSTALL_RC" = 0 ] || PROBLEMS+=("uninstalling the addons failed or left data behind")
[ "$DEMO_RC" = 0 ] && [ "$DEMO_ERRORS" = 0 ] ||
    PROBLEMS+=("installing the demo data failed (see .test-logs/odoo-demo-install.log)")

say "Summary"
print_phases
printf '  %-44s %7ss\n' "total" "$(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
echo
echo "Set-up tests: $SETUP_TESTS_STATUS"
echo "Linters: $LINT_STATUS"
if [ -n "$RESULT_LINE" ]; then
    echo "Odoo: $(sed -E 's/.*odoo\.tests\.result: //; s/ +$//' <<<"$RESULT_LINE")"
else
    echo "Odoo: no result line in the log"
fi
echo "Odoo tests: $RUN run, $FAILURES failed, $ERRORS error(s), $SKIPPED skipped"
echo "Log: ${LOG#"$REPO_ROOT"/} ($LOG_ERRORS ERROR/CRITICAL, $LOG_WARNINGS WARNING lines)"
if [ "$SKIPPED" -gt 0 ]; then
    echo "Skipped tests:"
    grep -E "${TS}[A-Z]+ \S+ \S+: skipped " "$LOG" | sed -E 's/.*: skipped /  /' | head -n 20
fi
if [ "$LOG_ERRORS" -gt 0 ]; then
    echo "ERROR/CRITICAL lines (first 20):"
    grep -E "${TS}(ERROR|CRITICAL) " "$LOG" | cut -c1-300 | sed 's/^/  /' | head -n 20
fi
if [ "$LOG_WARNINGS" -gt 0 ]; then
    echo "WARNING lines (first 10; they do not fail the run):"
    grep -E "${TS}WARNING " "$LOG" | cut -c1-300 | sed 's/^/  /' | head -n 10
fi
echo
if [ "${#PROBLEMS[@]}" -gt 0 ]; then
    for p in "${PROBLEMS[@]}"; do
        echo "FAILED: $p"
    done
    STATUS=1
else
    echo "OK: all checks passed"
    STATUS=0
fi
if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
    echo "$PASSED passed, $FAILED failed"
fi
exit "$STATUS"
