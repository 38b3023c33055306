#!/usr/bin/env bash
# Build each addon of the repository as a wheel "odoo-addon-<name>" with whool (the
# PEP 517 backend OCA uses), offline, from .venv-lint.
#
# Usage: bash setup/build-wheels.sh [--check]
#   (default)  write the wheels to dist/
#   --check    build into a temporary directory, check each wheel holds its addon,
#              then throw the wheels away (the packaging check of setup/lint.sh)
#
# Each addon needs <addon>/pyproject.toml declaring whool as its build backend.
# The wheels are built from a copy of the addon's files that git does not ignore
# (committed or not), so the version is the manifest's, without git post-version.
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

CHECK=0
case "${1:-}" in
"") ;;
--check) CHECK=1 ;;
-h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*) die "unknown argument $1 (see --help)" ;;
esac

ensure_lint_venv
discover_addons

WORK="$(mktemp -d -t crm-wheels.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
if [ "$CHECK" = 1 ]; then
    OUT="$WORK/dist"
else
    OUT="$REPO_ROOT/dist"
fi
mkdir -p "$OUT"

# addon_files ADDON: the addon's files that git does not ignore (all files if not in git).
addon_files() {
    if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$REPO_ROOT" ls-files --cached --others --exclude-standard -- "$1" |
            while IFS= read -r f; do
                if [ -f "$f" ]; then printf '%s\n' "$f"; fi
            done
    else
        find "$1" -type f ! -path '*/__pycache__/*' ! -name '*.pyc'
    fi
}

FAILED=()
for addon in "${ADDONS[@]}"; do
    if ! grep -qs 'whool.buildapi' "$addon/pyproject.toml"; then
        echo "$addon: no pyproject.toml with whool as build backend. Create $addon/pyproject.toml:"
        printf '    [build-system]\n    requires = ["whool"]\n    build-backend = "whool.buildapi"\n'
        FAILED+=("$addon")
        continue
    fi
    src="$WORK/src/$addon"
    mkdir -p "$src"
    addon_files "$addon" | while IFS= read -r f; do
        mkdir -p "$WORK/src/$(dirname "$f")"
        cp -p "$f" "$WORK/src/$f"
    done
    rm -f "$OUT"/odoo_addon_"$addon"-*.whl
    # Built offline with whool from .venv-lint (no isolated build environment), so
    # build constraints do not apply: pip >= 26 refuses PIP_BUILD_CONSTRAINT together
    # with --no-build-isolation.
    if (cd "$src" && env -u PIP_BUILD_CONSTRAINT WHOOL_POST_VERSION_STRATEGY_OVERRIDE=none \
        "$LINT_VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps . -w "$OUT"); then
        wheel="$(find "$OUT" -maxdepth 1 -name "odoo_addon_$addon-*.whl" | head -n 1)"
        if [ -n "$wheel" ] && "$LINT_VENV/bin/python" -m zipfile -l "$wheel" |
            grep "odoo/addons/$addon/__manifest__.py" >/dev/null; then
            echo "$addon: $(basename "$wheel")"
        else
            echo "$addon: the wheel does not hold odoo/addons/$addon/__manifest__.py"
            FAILED+=("$addon")
        fi
    else
        echo "$addon: wheel build failed"
        FAILED+=("$addon")
    fi
done

if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "Wheel build FAILED for: $(join_by ', ' "${FAILED[@]}")"
    exit 1
fi
[ "$CHECK" = 1 ] || echo "Wheels in ${OUT#"$REPO_ROOT"/}/"
