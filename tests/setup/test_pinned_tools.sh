#!/usr/bin/env bash
# Every tool and package the set-up installs is pinned, and a fresh virtualenv made
# with the pinned tools builds the old sdists Odoo 18 pins (cbor2 5.4.2 failed on a
# fresh machine with pip 26 and an unpinned setuptools: "No module named
# 'pkg_resources'"). Needs PyPI, like the set-up itself. Run by setup/test.sh.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=setup/common.sh
source "$REPO_ROOT/setup/common.sh"
WORK="$(mktemp -d -t crm-pinned-tools-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
ok() { printf '  ok    %s\n' "$1"; }
ko() {
    printf '  FAIL  %s\n' "$1"
    FAILS=$((FAILS + 1))
}

echo "Pinned tools"
for file in requirements.txt setup/requirements-lint.txt setup/requirements-tools.txt \
    setup/pip-constraints.txt; do
    # Requirement lines without comments; each must name one exact version.
    loose="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$REPO_ROOT/$file" | grep -v '^$' |
        grep -vE '^[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+-]+(;.*)?$' || true)"
    if [ -z "$loose" ]; then
        ok "$file pins every package with =="
    else
        ko "$file has unpinned lines: $(echo "$loose" | tr '\n' ' ')"
    fi
done
for tool in pip setuptools wheel; do
    if grep -qE "^$tool==" "$REPO_ROOT/setup/requirements-tools.txt"; then
        ok "$tool is pinned for the virtualenvs"
    else
        ko "$tool is pinned for the virtualenvs"
    fi
done
if [ "$PIP_BUILD_CONSTRAINT" = "$PIP_CONSTRAINT" ] && grep -q '^setuptools==' "$PIP_CONSTRAINT"; then
    ok "build environments get the pinned setuptools (PIP_CONSTRAINT and PIP_BUILD_CONSTRAINT)"
else
    ko "build environments get the pinned setuptools"
fi

echo "A fresh virtualenv with the pinned tools"
"$PYTHON" -m venv "$WORK/venv"
pip_quiet "$WORK/venv" install -r "$TOOLS_REQUIREMENTS"
want_pip="$(sed -n 's/^pip==//p' "$TOOLS_REQUIREMENTS")"
have_pip="$("$WORK/venv/bin/python" -m pip --version | cut -d' ' -f2)"
if [ "$have_pip" = "$want_pip" ]; then
    ok "pip $have_pip, as pinned"
else
    ko "pip $have_pip instead of the pinned $want_pip"
fi
cbor2="$(grep -E '^cbor2==' "$REPO_ROOT/requirements.txt")"
if pip_quiet "$WORK/venv" install --no-cache-dir --no-binary cbor2 "$cbor2" >"$WORK/pip.log" 2>&1 &&
    "$WORK/venv/bin/python" -c "import cbor2"; then
    ok "$cbor2 builds from its sdist in an isolated build environment"
else
    ko "$cbor2 builds from its sdist: $(tail -n 5 "$WORK/pip.log")"
fi

if [ "$FAILS" -gt 0 ]; then
    echo "test_pinned_tools: $FAILS check(s) failed"
    exit 1
fi
echo "test_pinned_tools: all checks passed"
