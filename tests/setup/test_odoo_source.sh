#!/usr/bin/env bash
# The set-up gets Odoo itself when $ODOO_PATH holds none: from a git repository
# (ODOO_GIT_URL, here a local one standing in for github.com/odoo/odoo), else from a
# source archive (ODOO_ARCHIVE_URL, here a local file), and stops with a clear message
# when neither can be reached. Never touches a non-empty directory that is not Odoo.
# Run by setup/test.sh; exits non-zero on the first failed check.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d -t crm-odoo-source-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
ok() { printf '  ok    %s\n' "$1"; }
ko() {
    printf '  FAIL  %s\n' "$1"
    FAILS=$((FAILS + 1))
}

# A minimal stand-in for the Odoo 18.0 source tree.
make_tree() { # make_tree DIR SERIES
    mkdir -p "$1/odoo/addons/base" "$1/addons"
    printf 'version_info = (%s, 0, FINAL, 0, "")\n' "$2" >"$1/odoo/release.py"
    printf '#!/usr/bin/env python3\n' >"$1/odoo-bin"
    printf 'lxml==4.9.3\n' >"$1/requirements.txt"
    printf "{}\n" >"$1/addons/README.md"
}
make_tree "$WORK/upstream" 18
git -C "$WORK/upstream" init -q -b 18.0
git -C "$WORK/upstream" -c user.name=t -c user.email=t@example.com add -A
git -C "$WORK/upstream" -c user.name=t -c user.email=t@example.com commit -qm "Odoo 18.0"
mkdir -p "$WORK/archive/odoo-18.0.post20250506"
make_tree "$WORK/archive/odoo-18.0.post20250506" 18
tar -czf "$WORK/odoo_18.0.latest.tar.gz" -C "$WORK/archive" odoo-18.0.post20250506
make_tree "$WORK/upstream17" 17
git -C "$WORK/upstream17" init -q -b 18.0
git -C "$WORK/upstream17" -c user.name=t -c user.email=t@example.com add -A
git -C "$WORK/upstream17" -c user.name=t -c user.email=t@example.com commit -qm "Odoo 17.0"

# setup_odoo DIR [VAR=VALUE...]: ensure_odoo_source in a subshell, output in $WORK/out.
setup_odoo() {
    local dir="$1"
    shift
    (
        export ODOO_PATH="$dir" "$@"
        # shellcheck source=setup/common.sh
        source "$REPO_ROOT/setup/common.sh"
        ensure_odoo_source
        printf 'ADDONS_PATH=%s\n' "$ODOO_ADDONS_PATH"
    ) >"$WORK/out" 2>&1
}

echo "Odoo source: fetched when missing"
if setup_odoo "$WORK/opt/odoo" ODOO_GIT_URL="file://$WORK/upstream" &&
    [ -f "$WORK/opt/odoo/odoo/release.py" ] && [ -f "$WORK/opt/odoo/odoo-bin" ]; then
    ok "a missing ODOO_PATH is cloned from ODOO_GIT_URL"
else
    ko "a missing ODOO_PATH is cloned from ODOO_GIT_URL: $(cat "$WORK/out")"
fi
if [ "$(git -C "$WORK/opt/odoo" rev-list --count HEAD 2>/dev/null)" = 1 ]; then
    ok "the clone is shallow"
else
    ko "the clone is shallow"
fi
if grep -q "ADDONS_PATH=$WORK/opt/odoo/addons,$WORK/opt/odoo/odoo/addons" "$WORK/out"; then
    ok "the addons path of a git checkout includes its addons/ folder"
else
    ko "the addons path of a git checkout includes its addons/ folder: $(cat "$WORK/out")"
fi
if setup_odoo "$WORK/opt/odoo" ODOO_GIT_URL="file://$WORK/nowhere" &&
    ! grep -q "fetching" "$WORK/out"; then
    ok "an existing Odoo is used as it is, nothing fetched"
else
    ko "an existing Odoo is used as it is: $(cat "$WORK/out")"
fi
if setup_odoo "$WORK/opt2/odoo" ODOO_GIT_URL="file://$WORK/nowhere" \
    ODOO_ARCHIVE_URL="file://$WORK/odoo_18.0.latest.tar.gz" &&
    [ -f "$WORK/opt2/odoo/odoo/release.py" ]; then
    ok "when git cannot be reached, the source archive is used"
else
    ko "when git cannot be reached, the source archive is used: $(cat "$WORK/out")"
fi
if ! setup_odoo "$WORK/opt3/odoo" ODOO_GIT_URL="file://$WORK/nowhere" \
    ODOO_ARCHIVE_URL="file://$WORK/nowhere.tar.gz" &&
    grep -q "Odoo 18.0 source (community) not found at $WORK/opt3/odoo" "$WORK/out" &&
    grep -q "could not be" "$WORK/out" && [ ! -e "$WORK/opt3/odoo" ] &&
    [ -z "$(find "$WORK/opt3" -name '.odoo-source.*')" ]; then
    ok "unreachable sources stop with a clear message and leave nothing behind"
else
    ko "unreachable sources stop with a clear message: $(cat "$WORK/out")"
fi
mkdir -p "$WORK/opt4/odoo" && echo keep >"$WORK/opt4/odoo/notes.txt"
if ! setup_odoo "$WORK/opt4/odoo" ODOO_GIT_URL="file://$WORK/upstream" &&
    [ "$(cat "$WORK/opt4/odoo/notes.txt")" = keep ] && [ ! -e "$WORK/opt4/odoo/odoo-bin" ]; then
    ok "a non-empty directory that is not Odoo is left untouched"
else
    ko "a non-empty directory that is not Odoo is left untouched: $(cat "$WORK/out")"
fi
if ! setup_odoo "$WORK/opt5/odoo" ODOO_GIT_URL="file://$WORK/upstream17" &&
    grep -q "holds Odoo '17.0', this repository needs Odoo 18.0" "$WORK/out"; then
    ok "another Odoo series is refused"
else
    ko "another Odoo series is refused: $(cat "$WORK/out")"
fi

if [ "$FAILS" -gt 0 ]; then
    echo "test_odoo_source: $FAILS check(s) failed"
    exit 1
fi
echo "test_odoo_source: all checks passed"
