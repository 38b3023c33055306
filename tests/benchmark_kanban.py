"""Benchmark: what a pipeline kanban load costs as the number of deals grows.

Prints figures, asserts nothing. Run it through ``bash setup/benchmark.sh``,
which prepares the database and the Odoo path, or directly:

    PYTHONPATH=$ODOO_PATH .venv/bin/python tests/benchmark_kanban.py \
        --database crm_bench --addons-path $ODOO_PATH/odoo/addons,. --deals 1000 5000

Deals are created in a transaction that is rolled back at the end, so the
database is left as it was.
"""

import argparse
import time

import odoo
from odoo import SUPERUSER_ID, api, sql_db

KANBAN_SPEC = {
    "name": {},
    "amount": {},
    "currency_id": {"fields": {}},
    "partner_id": {"fields": {"display_name": {}}},
    "organization_id": {"fields": {"display_name": {}}},
    "tag_ids": {"fields": {"display_name": {}, "color": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "priority": {},
    "activity_ids": {"fields": {}},
    "activity_state": {},
    "is_rotting": {},
    "stage_kind": {},
    "color": {},
}


def create_deals(env, pipeline, count):
    stages = pipeline.stage_ids.filtered(lambda s: s.kind == "open")
    partners = env["res.partner"].create(
        [
            {"name": f"Bench client {i}", "email": f"bench{i}@example.com"}
            for i in range(50)
        ]
    )
    tags = env["crm.lite.tag"].create([{"name": f"bench-{i}"} for i in range(5)])
    vals = [
        {
            "name": f"Bench deal {i}",
            "pipeline_id": pipeline.id,
            "stage_id": stages[i % len(stages)].id,
            "partner_id": partners[i % len(partners)].id,
            "amount": 100 + i,
            "tag_ids": [(6, 0, tags[: i % 3].ids)],
        }
        for i in range(count)
    ]
    start = time.perf_counter()
    env["crm.lite.deal"].with_context(tracking_disable=True).create(vals)
    env.flush_all()
    return time.perf_counter() - start


def kanban_load(env, pipeline):
    Deal = env["crm.lite.deal"].with_context(default_pipeline_id=pipeline.id)
    env.invalidate_all()
    queries = sql_db.sql_counter
    start = time.perf_counter()
    groups = Deal.web_read_group(
        [("pipeline_id", "=", pipeline.id)],
        ["stage_id", "amount"],
        ["stage_id"],
        lazy=True,
    )
    for group in groups["groups"]:
        Deal.web_search_read(group["__domain"], KANBAN_SPEC, limit=80)
    return (
        time.perf_counter() - start,
        sql_db.sql_counter - queries,
        len(groups["groups"]),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--deals", type=int, nargs="+", default=[100, 1000, 5000])
    args = parser.parse_args()

    odoo.tools.config.parse_config(
        ["-d", args.database, "--addons-path", args.addons_path, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    print(f"{'deals':>8} {'create s':>9} {'kanban s':>9} {'queries':>8} {'columns':>8}")
    for count in args.deals:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            pipeline = env["crm.lite.pipeline"].create(
                {
                    "name": "Benchmark",
                    "stage_ids": [
                        (0, 0, {"name": name, "sequence": seq})
                        for seq, name in enumerate(["A", "B", "C", "D"])
                    ],
                }
            )
            created = create_deals(env, pipeline, count)
            kanban_load(env, pipeline)  # warm the caches once
            seconds, queries, columns = kanban_load(env, pipeline)
            print(
                f"{count:>8} {created:>9.2f} {seconds:>9.3f} {queries:>8} {columns:>8}"
            )
            cr.rollback()


if __name__ == "__main__":
    main()
