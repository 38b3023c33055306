#!/usr/bin/env bash
# Run the OCA-style linters on the repository's addons (and the Python of tests/ and
# setup/); exit non-zero when any of them reports an error. Uses .venv-lint only,
# so it needs neither PostgreSQL nor the Odoo source.
#
# Usage: bash setup/lint.sh [--fix]
#   --fix   first let ruff (lint fixes + formatting) and oca-checks-odoo-module rewrite
#           what they can fix by themselves, then check as usual
#
# Checks: ruff check, ruff format --check (.ruff.toml); pylint with the pylint-odoo
# plugin (.pylintrc: blocking checks only); oca-checks-odoo-module on each addon;
# oca-checks-po on each addon's i18n/*.po and *.pot; whool wheel build of each addon.
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

FIX=0
case "${1:-}" in
"") ;;
--fix) FIX=1 ;;
-h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*) die "unknown argument $1 (see --help)" ;;
esac

ensure_lint_venv
discover_addons
BIN="$LINT_VENV/bin"

# Python paths for ruff: the addons plus tests/ and setup/ when they hold Python.
PY_PATHS=("${ADDONS[@]}")
for d in tests setup; do
    if [ -d "$d" ] && [ -n "$(find "$d" -name '*.py' -print -quit)" ]; then
        PY_PATHS+=("$d")
    fi
done
PO_FILES=()
for addon in "${ADDONS[@]}"; do
    for f in "$addon"/i18n/*.po "$addon"/i18n/*.pot; do
        if [ -f "$f" ]; then PO_FILES+=("$f"); fi
    done
done

if [ "$FIX" = 1 ]; then
    say "Fixing what the tools can fix"
    "$BIN/ruff" check --fix --config .ruff.toml "${PY_PATHS[@]}" || true
    "$BIN/ruff" format --config .ruff.toml "${PY_PATHS[@]}" || true
    "$BIN/oca-checks-odoo-module" --no-verbose --fix "${ADDONS[@]}" || true
fi

FAILED=()
check() { # check NAME CMD...
    local name="$1"
    shift
    phase_begin "lint: $name"
    if "$@"; then
        phase_end ok
    else
        phase_end FAILED
        FAILED+=("$name")
    fi
}

check "ruff check" "$BIN/ruff" check --no-fix --config .ruff.toml "${PY_PATHS[@]}"
check "ruff format --check" "$BIN/ruff" format --check --config .ruff.toml "${PY_PATHS[@]}"
check "pylint-odoo" "$BIN/pylint" --rcfile=.pylintrc "${ADDONS[@]}"
check "oca-checks-odoo-module" "$BIN/oca-checks-odoo-module" "${ADDONS[@]}"
if [ "${#PO_FILES[@]}" -gt 0 ]; then
    # Same as the OCA template: translations are not required to be msgcat-pretty.
    check "oca-checks-po" "$BIN/oca-checks-po" --disable=po-pretty-format "${PO_FILES[@]}"
else
    echo "(no i18n/*.po or *.pot file: oca-checks-po not run)"
fi
check "packaging (whool wheels)" bash "$REPO_ROOT/setup/build-wheels.sh" --check

say "Lint summary"
print_phases
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "Lint FAILED: $(join_by ', ' "${FAILED[@]}")"
    echo "Hint: bash setup/lint.sh --fix rewrites what can be fixed automatically."
    exit 1
fi
echo "Lint passed"
