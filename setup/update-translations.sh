#!/usr/bin/env bash
# Refresh each addon's i18n/<addon>.pot from a fresh database and merge it into
# its ru.po, uk.po and lt.po: existing translations are kept, new strings are
# added untranslated (fill them in, then run `bash setup/lint.sh`).
# Usage: bash setup/update-translations.sh [addon...]   (default: every addon)
# Environment: CRM_I18N_DB (default crm_i18n_export), CRM_I18N_PORT (default 8769),
# to run next to another export.
# shellcheck source=setup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
setup_all
discover_addons
[ $# -gt 0 ] && ADDONS=("$@")
DB="${CRM_I18N_DB:-crm_i18n_export}"
PORT="${CRM_I18N_PORT:-8769}"
DATA_DIR="$(mktemp -d)"
trap 'drop_db "$DB"; rm -rf "$DATA_DIR"' EXIT
drop_db "$DB"
say "Installing ${ADDONS[*]} in $DB, demo data included (its names are translated too)"
odoo_bin -d "$DB" -i "$(join_by , "${ADDONS[@]}")" --stop-after-init \
    --data-dir="$DATA_DIR" --http-port="$PORT" --log-level=warn
for addon in "${ADDONS[@]}"; do
    mkdir -p "$addon/i18n"
    say "Exporting $addon/i18n/$addon.pot"
    odoo_bin -d "$DB" --i18n-export="$addon/i18n/$addon.pot" --modules="$addon" \
        --data-dir="$DATA_DIR" --http-port="$PORT" --log-level=warn --stop-after-init
    "$VENV/bin/python" - "$addon" <<'PY'
import sys
from pathlib import Path

import polib

addon = sys.argv[1]
i18n = Path(addon) / "i18n"
pot = polib.pofile(str(i18n / f"{addon}.pot"))
for lang in ("ru", "uk", "lt"):
    path = i18n / f"{lang}.po"
    po = polib.pofile(str(path)) if path.exists() else polib.POFile()
    if not path.exists():
        po.metadata = dict(pot.metadata, Language=lang)
    po.merge(pot)
    # polib keeps vanished strings as obsolete entries: drop them.
    for entry in po.obsolete_entries():
        po.remove(entry)
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
    po.save(str(path))
    missing = [e.msgid for e in po if not e.msgstr]
    print(f"{path}: {len(po)} entries, {len(missing)} untranslated")
    for msgid in missing:
        print(f"    {msgid!r}")
PY
done
