"""Uninstall the suite's addons from a database and check nothing is left.

Run by ``setup/test.sh`` on the test database after the tests: an addon that
cannot be uninstalled cleanly (an ondelete guard that fires at uninstall, a
view left pointing at a removed field...) fails the build.

    PYTHONPATH=$ODOO_PATH .venv/bin/python tests/check_uninstall.py \
        --database crm_test --addons-path $ODOO_PATH/odoo/addons,. crm_lite
"""

import argparse
import sys
import tempfile

import odoo
from odoo import SUPERUSER_ID, api


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("addons", nargs="+")
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        [
            "-d",
            args.database,
            "--addons-path",
            args.addons_path,
            "--data-dir",
            tempfile.mkdtemp(),
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        modules = env["ir.module.module"].search(
            [("name", "in", args.addons), ("state", "=", "installed")]
        )
        models = {
            addon: env["ir.model.data"]
            .search([("module", "=", addon), ("model", "=", "ir.model")])
            .mapped("complete_name")
            for addon in args.addons
        }
        modules.button_immediate_uninstall()

    problems = []
    with odoo.modules.registry.Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for module in env["ir.module.module"].search([("name", "in", args.addons)]):
            if module.state != "uninstalled":
                problems.append(f"{module.name} is {module.state}")
            left = env["ir.model.data"].search_count([("module", "=", module.name)])
            if left:
                problems.append(f"{module.name} left {left} external ids")
        # Views, materialized views and tables of the suite's own reports
        # (created in SQL by the addons, dropped by their uninstall hooks).
        cr.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'v', 'm')"
            " AND relname LIKE 'crm\\_lite\\_report\\_%'"
        )
        problems += [f"relation {name} left behind" for (name,) in cr.fetchall()]
        for addon, xmlids in models.items():
            print(f"{addon}: {len(xmlids)} models removed")
    for problem in problems:
        print(f"FAILED: {problem}")
    print("uninstall: ok" if not problems else "uninstall: FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
