"""Benchmark of the suite at scale: generate the data, check it, measure.

Run through ``bash setup/benchmark.sh --scale S [--reuse]``, which makes the
databases and calls, with Odoo on the path:

    bench.py generate --database DB --scale S [--without-suite]
    bench.py check    --database DB
    bench.py run      --database DB --plain-database PLAIN --scale S

``run`` prints a table (operation, suite, anchor or floor, ratio, queries) and
writes it as JSON and Markdown in ``tests/perf/results/scale-S.{json,md}``.
Figures only: nothing here fails a build.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api

sys.path.insert(0, str(Path(__file__).parent))

from check import check_computed_fields, spot_checks  # noqa: E402
from generate import Generator, Volumes  # noqa: E402
from operations import (  # noqa: E402
    Operations,
    Result,
    import_contacts,
    import_file,
)

RESULTS = Path(__file__).parent / "results"
OPERATIONS = [
    "kanban",
    "list_and_count",
    "forms",
    "stage_moves",
    "creates",
    "campaign_roi",
    "segment_preview",
    "mailing",
    "import",
]


_CONFIGURED = []


def registry(database, args):
    if not _CONFIGURED:
        # Once per process: Odoo's configuration cannot be parsed twice.
        _CONFIGURED.append(True)
        options = ["--addons-path", args.addons_path, "--log-level=warn"]
        if args.data_dir:
            options.append(f"--data-dir={args.data_dir}")
        odoo.tools.config.parse_config(options)
    return odoo.modules.registry.Registry(database)


def cmd_generate(args):
    reg = registry(args.database, args)
    volumes = Volumes(args.scale)
    start = time.perf_counter()
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generator = Generator(env, volumes, with_suite=not args.without_suite)
        if args.without_suite:
            generator.partners()
            generator.finish()
        else:
            generator.run()
    total = time.perf_counter() - start
    print(f"Generated {args.database} at scale {args.scale} in {total:.0f} s:")
    for label, seconds in generator.timings:
        print(f"  {label:<50} {seconds:8.1f} s")
    stamp = {
        "scale": args.scale,
        "volumes": volumes.as_dict(),
        "seconds": round(total, 1),
        "steps": [[label, round(s, 1)] for label, s in generator.timings],
    }
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("perf.generated", json.dumps(stamp))
    return 0


def cmd_check(args):
    reg = registry(args.database, args)
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        print("Checking the generated data through the ORM:")
        problems = check_computed_fields(env)
        problems += spot_checks(env)
        cr.rollback()
    for problem in problems:
        print(f"  INVALID: {problem}")
    print("Data valid for the ORM." if not problems else f"{len(problems)} problem(s).")
    return 1 if problems else 0


def cmd_run(args):
    reg = registry(args.database, args)
    wanted = args.only.split(",") if args.only else OPERATIONS
    started = time.strftime("%Y-%m-%d %H:%M")
    header = (
        f"{'operation':<58} {'suite':>12} {'q':>7} | {'anchor/floor':>12} {'q':>7}"
        f" {'ratio':>6}"
    )
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generated = json.loads(
            env["ir.config_parameter"].get_param("perf.generated", "{}")
        )
        print(header)
        print("-" * len(header))
        ops = Operations(env, args.runs)
        for name in wanted:
            if name != "import":
                getattr(ops, name)()
        cr.rollback()
    if "import" in wanted:
        import_result(args, ops)
    write_results(args, ops.results, generated, started)
    return 0


def import_result(args, ops):
    """The same file imported into the suite's database and the plain one,
    alternately, so that whatever else loads the machine weighs on both."""
    sides = {}
    stack = ExitStack()
    with stack:
        for label, database in (
            ("suite", args.database),
            ("plain", args.plain_database),
        ):
            cr = stack.enter_context(registry(database, args).cursor())
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
            sides[label] = env(user=env.ref("base.user_admin"))
        warm_up = import_file(200, first=10**6)
        for env in sides.values():
            import_contacts(env, *warm_up)
        data = import_file(args.import_count)
        runs = {label: [] for label in sides}
        for _run in range(max(1, args.runs // 2)):
            for label, env in sides.items():
                runs[label].append(import_contacts(env, *data))
        timings = {
            label: (
                statistics.median(t for t, _q in measured),
                int(statistics.median(q for _t, q in measured)),
            )
            for label, measured in runs.items()
        }
        for env in sides.values():
            env.cr.rollback()
    rate = args.import_count / timings["suite"][0]
    plain_rate = args.import_count / timings["plain"][0]
    result = Result(
        "import_contacts",
        f"importing {args.import_count} contacts (base_import)",
        timings["suite"],
        timings["plain"],
        "Odoo without the suite",
        ">= 90% of plain Odoo's rate",
        note=f"{rate:.0f} vs {plain_rate:.0f} contacts/s ({rate / plain_rate:.0%})",
    )
    ops.add(result, lambda r: rate >= 0.9 * plain_rate)


def write_results(args, results, generated, started):
    RESULTS.mkdir(exist_ok=True)
    name = f"scale-{args.scale:g}"
    path = RESULTS / f"{name}.json"
    if args.only and path.exists():
        # Some operations measured again: the others keep their last figures.
        fresh = {r.key: r.as_dict() for r in results}
        previous = json.loads(path.read_text())["results"]
        results = [fresh.pop(r["key"], r) for r in previous] + list(fresh.values())
    else:
        results = [r.as_dict() for r in results]
    other = {}
    for path in RESULTS.glob("scale-*.json"):
        if path.stem != name:
            data = json.loads(path.read_text())
            other[data["scale"]] = {r["key"]: r for r in data["results"]}
    payload = {
        "scale": args.scale,
        "started": started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "runs": args.runs,
            # Other work on the machine while measuring (1, 5, 15 minutes).
            "load_average": [round(x, 1) for x in os.getloadavg()],
        },
        "data": generated,
        "results": results,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(payload, other))
    print(f"\nResults: {RESULTS / name}.json and .md")


def markdown(payload, other):
    scales = sorted(s for s in other if s != payload["scale"])
    lines = [
        f"# Benchmark at scale {payload['scale']:g}",
        "",
        f"Run {payload['started']}, median of {payload['machine']['runs']} runs,"
        f" {payload['machine']['cpus']} CPUs, Python {payload['machine']['python']},"
        f" load average {payload['machine'].get('load_average', '?')} at the end.",
        "",
    ]
    data = payload.get("data") or {}
    if data.get("volumes"):
        volumes = ", ".join(
            f"{v:,} {k.replace('_', ' ')}" for k, v in data["volumes"].items()
        )
        lines += [f"Data: {volumes}; generated in {data.get('seconds', 0):.0f} s.", ""]
    extra = "".join(f" queries at {s:g} |" for s in scales)
    lines += [
        "| operation | suite ms | queries | anchor | anchor ms | anchor queries"
        f" | ratio | target | met |{extra} note |",
        "|---|---:|---:|---|---:|---:|---:|---|---|" + "---:|" * len(scales) + "---|",
    ]
    for r in payload["results"]:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        cols = [
            r["operation"],
            f"{r['suite_ms']:.1f}",
            str(r["suite_queries"]),
            r["anchor"] or "",
            f"{r['anchor_ms']:.1f}" if r["anchor_ms"] is not None else "",
            str(r["anchor_queries"]) if r["anchor_queries"] is not None else "",
            f"{r['ratio']:.2f}" if r["ratio"] is not None else "",
            r["target"] or "",
            met,
        ]
        cols += [
            str(other[s].get(r["key"], {}).get("suite_queries", "")) for s in scales
        ]
        cols.append(r["note"] or "")
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("generate", "check", "run"):
        p = sub.add_parser(name)
        p.add_argument("--database", required=True)
        p.add_argument("--addons-path", required=True)
        p.add_argument("--data-dir")
        p.add_argument("--scale", type=float, default=1.0)
        if name == "generate":
            p.add_argument("--without-suite", action="store_true")
        if name == "run":
            p.add_argument("--plain-database", required=True)
            p.add_argument("--runs", type=int, default=5)
            p.add_argument("--only", help="comma-separated: " + ", ".join(OPERATIONS))
            p.add_argument("--import-count", type=int, default=10000)
    args = parser.parse_args()
    return {"generate": cmd_generate, "check": cmd_check, "run": cmd_run}[args.command](
        args
    )


if __name__ == "__main__":
    sys.exit(main())
