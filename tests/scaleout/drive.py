"""Drive a multi-worker Odoo with a read replica over HTTP, as the web client.

Run by ``bash setup/scale-out-check.sh``, which starts a hot-standby replica of
the PostgreSQL cluster and Odoo with ``--workers 2 --max-cron-threads 2
--db_replica_host/--db_replica_port``. Checks:

(a) every read-only call of the web client (kanban, list, form, the suite's
    reports and dashboard: every window action of the suite's addons) is
    answered without error *on the replica*: the replica's
    ``pg_stat_activity`` shows an Odoo query started during the call, and
    Odoo's log has no "retrying with a read/write cursor" (what Odoo 18 does
    when something writes during a read-only call);
(b) writes go to the primary and reach the replica by streaming;
(c) scheduled jobs of the suite, triggered once, run once: never two runs of
    a job at the same time, in either cron worker.

Exit status 1 when a check fails. Stdlib and psycopg2 only.
"""

import argparse
import ast
import http.cookiejar
import json
import re
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
from lxml import etree

sys.path.insert(0, str(Path(__file__).parent.parent / "perf"))
from operations import _spec_of  # noqa: E402

SUITE = ("crm_lite", "crm_loyalty", "crm_reports", "crm_reports_loyalty")
RETRY = "retrying with a read/write cursor"
REPLICA_LAG_LIMIT = 120  # seconds


class Client:
    """A browser session: cookies and JSON-RPC."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.login = login
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar)
        )
        result = self.rpc(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        self.uid = result["uid"]
        self.context = result["user_context"]

    def rpc(self, path, params):
        data = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        ).encode()
        request = urllib.request.Request(
            self.url + path, data, {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=120) as response:
            payload = json.loads(response.read())
        if payload.get("error"):
            error = payload["error"].get("data", {})
            raise RuntimeError(f"{error.get('name')}: {error.get('message')}")
        return payload["result"]

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", self.context)
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class Checker:
    def __init__(self, args):
        self.args = args
        self.replica = psycopg2.connect(args.replica_dsn)
        self.replica.autocommit = True
        self.primary = psycopg2.connect(args.primary_dsn)
        self.primary.autocommit = True
        self.failures = []
        self.reads = 0

    def fail(self, message):
        self.failures.append(message)
        print(f"  FAIL {message}")

    def _clock(self, conn):
        with conn.cursor() as cr:
            cr.execute("SELECT clock_timestamp()")
            return cr.fetchone()[0]

    def _odoo_queries_since(self, conn, since):
        with conn.cursor() as cr:
            cr.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s"
                " AND application_name LIKE 'odoo-%%' AND query_start >= %s",
                (self.args.db, since),
            )
            return cr.fetchone()[0]

    def read(self, client, label, model, method, *args, **kwargs):
        """A read-only call: must succeed and be served by the replica."""
        since = self._clock(self.replica)
        try:
            result = client.call(model, method, *args, **kwargs)
        except RuntimeError as exc:
            self.fail(f"[{client.login}] {label}: {exc}")
            return None
        self.reads += 1
        if not self._odoo_queries_since(self.replica, since):
            self.fail(f"[{client.login}] {label}: not served by the replica")
        return result

    # ------------------------------------------------------------
    # (a) READS
    # ------------------------------------------------------------

    def readable_models(self, client):
        with self.primary.cursor() as cr:
            cr.execute(
                """
                SELECT DISTINCT m.model FROM ir_model_access a
                  JOIN ir_model m ON m.id = a.model_id
                 WHERE a.active AND a.perm_read
                   AND (a.group_id IS NULL OR a.group_id IN (
                        SELECT gid FROM res_groups_users_rel WHERE uid = %s))
                """,
                (client.uid,),
            )
            return {row[0] for row in cr.fetchall()}

    def suite_actions(self):
        with self.primary.cursor() as cr:
            cr.execute(
                """
                SELECT a.id, d.module || '.' || d.name
                  FROM ir_act_window a
                  JOIN ir_model_data d ON d.model = 'ir.actions.act_window'
                   AND d.res_id = a.id
                 WHERE d.module IN %s
              ORDER BY a.id
                """,
                (SUITE,),
            )
            return cr.fetchall()

    def open_action(self, client, action_id, xmlid):
        action = client.rpc("/web/action/load", {"action_id": action_id})
        model = action["res_model"]
        modes = action["view_mode"].split(",")
        views = [[view_id, kind] for view_id, kind in action.get("views", [])]
        context = dict(client.context, **_eval_context(action.get("context")))
        domain = _eval_domain(action.get("domain"), client.uid)
        result = self.read(
            client,
            f"{xmlid}: get_views",
            model,
            "get_views",
            views,
            {"action_id": action_id, "load_filters": True, "toolbar": True},
            context=context,
        )
        if not result:
            return
        fields_info = result["models"]
        first = modes[0]
        arch = etree.fromstring(result["views"][first]["arch"])
        spec = _spec_of(arch, model, fields_info)
        groupby = arch.get("default_group_by") if first == "kanban" else None
        if first in ("graph", "pivot"):
            row = arch.find(".//field[@type='row']")
            groupby = row.get("name") if row is not None else None
            if groupby is None and first == "graph":
                node = arch.find(".//field")
                groupby = node.get("name") if node is not None else None
        if groupby:
            groups = self.read(
                client,
                f"{xmlid}: {first} web_read_group by {groupby}",
                model,
                "web_read_group",
                domain,
                ["__count"],
                [groupby],
                lazy=True,
                context=context,
            )
            if groups and groups["groups"] and first == "kanban":
                self.read(
                    client,
                    f"{xmlid}: kanban cards of a column",
                    model,
                    "web_search_read",
                    groups["groups"][0]["__domain"],
                    spec,
                    limit=80,
                    count_limit=10001,
                    context=context,
                )
                progress = arch.find(".//progressbar")
                if progress is not None:
                    self.read(
                        client,
                        f"{xmlid}: kanban progress bar",
                        model,
                        "read_progress_bar",
                        domain,
                        groupby,
                        {
                            "field": progress.get("field"),
                            "colors": json.loads(progress.get("colors")),
                        },
                        context=context,
                    )
        else:
            records = self.read(
                client,
                f"{xmlid}: {first} web_search_read",
                model,
                "web_search_read",
                domain,
                spec,
                limit=80,
                count_limit=10001,
                context=context,
            )
            if records and records["records"] and "form" in modes:
                form = self.read(
                    client,
                    f"{xmlid}: get_views form",
                    model,
                    "get_views",
                    [[False, "form"]],
                    {},
                    context=context,
                )
                if form:
                    form_arch = etree.fromstring(form["views"]["form"]["arch"])
                    self.read(
                        client,
                        f"{xmlid}: form web_read",
                        model,
                        "web_read",
                        [records["records"][0]["id"]],
                        _spec_of(form_arch, model, form["models"]),
                        context=context,
                    )

    def check_reads(self, clients):
        print("(a) read-only calls, served by the replica:")
        actions = self.suite_actions()
        for client in clients:
            readable = self.readable_models(client)
            opened = 0
            for action_id, xmlid in actions:
                with self.primary.cursor() as cr:
                    cr.execute(
                        "SELECT res_model FROM ir_act_window WHERE id = %s",
                        (action_id,),
                    )
                    model = cr.fetchone()[0]
                if model not in readable:
                    continue
                try:
                    self.open_action(client, action_id, xmlid)
                except RuntimeError as exc:
                    self.fail(f"[{client.login}] {xmlid}: {exc}")
                opened += 1
            # The partner form, with the suite's smart buttons.
            partners = self.read(
                client,
                "contacts: web_search_read",
                "res.partner",
                "web_search_read",
                [["is_company", "=", True]],
                {"display_name": {}},
                limit=1,
            )
            if partners and partners["records"]:
                form = self.read(
                    client,
                    "contacts: get_views form",
                    "res.partner",
                    "get_views",
                    [[False, "form"]],
                    {},
                )
                if form:
                    arch = etree.fromstring(form["views"]["form"]["arch"])
                    self.read(
                        client,
                        "contacts: partner form web_read",
                        "res.partner",
                        "web_read",
                        [partners["records"][0]["id"]],
                        _spec_of(arch, "res.partner", form["models"]),
                    )
            # The CRM dashboard (crm_reports): a client action, its figures
            # come from one call.
            if self._model_exists("crm.reports.dashboard"):
                self.read(
                    client,
                    "crm_reports dashboard: get_dashboard_data",
                    "crm.reports.dashboard",
                    "get_dashboard_data",
                )
                opened += 1
            print(f"  {client.login}: {opened} actions of the suite opened")

    def _model_exists(self, model):
        with self.primary.cursor() as cr:
            cr.execute("SELECT 1 FROM ir_model WHERE model = %s", (model,))
            return bool(cr.fetchone())

    # ------------------------------------------------------------
    # (b) WRITES
    # ------------------------------------------------------------

    def check_writes(self, client):
        print("(b) writes on the primary, streamed to the replica:")
        deals = client.call(
            "crm.lite.deal", "search_read", [], ["id", "color"], limit=1, order="id"
        )
        deal = deals[0]
        color = (deal["color"] + 1) % 11
        since = self._clock(self.primary)
        client.call("crm.lite.deal", "write", [deal["id"]], {"color": color})
        if not self._odoo_queries_since(self.primary, since):
            self.fail("write: no query on the primary")
        with self.primary.cursor() as cr:
            cr.execute("SELECT color FROM crm_lite_deal WHERE id = %s", (deal["id"],))
            if cr.fetchone()[0] != color:
                self.fail("write: not on the primary")
        # A replica replays the primary's log in order: behind a bulk load on
        # another database of the cluster it may lag by more than seconds.
        started = time.monotonic()
        lag = None
        while time.monotonic() - started < REPLICA_LAG_LIMIT:
            with self.replica.cursor() as cr:
                cr.execute(
                    "SELECT color FROM crm_lite_deal WHERE id = %s", (deal["id"],)
                )
                if cr.fetchone()[0] == color:
                    lag = time.monotonic() - started
                    break
            time.sleep(0.2)
        if lag is None:
            self.fail(f"write: not on the replica after {REPLICA_LAG_LIMIT} s")
        else:
            print(
                f"  deal {deal['id']}: written on the primary, read on the replica"
                f" {lag:.1f} s later"
            )
        with self.replica.cursor() as cr:
            cr.execute("SELECT pg_is_in_recovery()")
            if not cr.fetchone()[0]:
                self.fail("the replica is not a standby")

    # ------------------------------------------------------------
    # (c) SCHEDULED JOBS
    # ------------------------------------------------------------

    def check_crons(self, client, log_path, timeout):
        print("(c) scheduled jobs of the suite run once:")
        with self.primary.cursor() as cr:
            cr.execute(
                """
                SELECT c.id, s.name->>'en_US'
                  FROM ir_cron c
                  JOIN ir_act_server s ON s.id = c.ir_actions_server_id
                  JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
                 WHERE c.active
                   AND (d.module IN %s OR (d.module, d.name) = %s)
                """,
                (SUITE, ("mass_mailing", "ir_cron_mass_mailing_queue")),
            )
            crons = dict(cr.fetchall())
        start = self._clock(self.primary)
        due = (datetime.utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
        client.call("ir.cron", "write", list(crons), {"nextcall": due})
        deadline = time.monotonic() + timeout
        pending = set(crons)
        while pending and time.monotonic() < deadline:
            time.sleep(3)
            with self.primary.cursor() as cr:
                cr.execute(
                    "SELECT id FROM ir_cron WHERE id IN %s AND lastcall >= %s",
                    (tuple(pending), start),
                )
                pending -= {row[0] for row in cr.fetchall()}
        for cron_id in pending:
            self.fail(f"job {crons[cron_id]!r} did not run within {timeout} s")
        runs = _job_runs(Path(log_path).read_text())
        for cron_id, name in sorted(crons.items()):
            spans = sorted(runs.get(cron_id, []))
            overlapping = any(
                b_start < a_end
                for (_a, a_end, _p), (b_start, _b, _q) in zip(spans, spans[1:])
            )
            if overlapping:
                self.fail(f"job {name!r} ran twice at the same time: {spans}")
            pids = sorted({pid for _s, _e, pid in spans})
            print(f"  {name}: {len(spans)} run(s), by cron worker(s) {pids}")


def _job_runs(log):
    """{cron id: [(start, end, pid)]} from Odoo's 'Job ... starting/done' lines."""
    line = re.compile(
        r"^(\S+ \S+),\d+ (\d+) INFO \S+ odoo\.addons\.base\.models\.ir_cron: "
        r"Job '.*' \((\d+)\) (starting|done in)"
    )
    started, runs = {}, defaultdict(list)
    for text in log.splitlines():
        match = line.match(text)
        if not match:
            continue
        stamp, pid, cron_id, what = match.groups()
        key = (int(cron_id), pid)
        if what == "starting":
            started[key] = stamp
        elif key in started:
            runs[int(cron_id)].append((started.pop(key), stamp, pid))
    return runs


def _eval_context(text):
    return _literal(text, {}) if isinstance(text, str) else (text or {})


def _eval_domain(text, uid):
    if not isinstance(text, str):
        return text or []
    return _literal(re.sub(r"\buid\b", str(uid), text), [])


def _literal(text, default):
    """An action's context or domain: Python literals; anything else (dates
    computed in the browser) is left out, like the default filters."""
    try:
        return ast.literal_eval(text) if text else default
    except (ValueError, SyntaxError):
        return default


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--primary-dsn", required=True)
    parser.add_argument("--replica-dsn", required=True)
    parser.add_argument("--log", required=True, help="Odoo's log file")
    parser.add_argument("--user", action="append", required=True, help="login:password")
    parser.add_argument("--cron-timeout", type=int, default=240)
    args = parser.parse_args()
    checker = Checker(args)
    clients = [Client(args.url, args.db, *user.split(":", 1)) for user in args.user]
    log_start = len(Path(args.log).read_text().splitlines())
    checker.check_reads(clients)
    retries = [
        line
        for line in Path(args.log).read_text().splitlines()[log_start:]
        if RETRY in line
    ]
    for line in retries:
        checker.fail(f"a read-only call wrote: {line}")
    print(f"  {checker.reads} read-only calls, {len(retries)} retried on the primary")
    checker.check_writes(clients[0])
    checker.check_crons(clients[0], args.log, args.cron_timeout)
    errors = [
        line
        for line in Path(args.log).read_text().splitlines()[log_start:]
        if " ERROR " in line or " CRITICAL " in line
    ]
    for line in errors:
        checker.fail(f"log: {line}")
    if checker.failures:
        print(f"\nScale-out check FAILED: {len(checker.failures)} problem(s).")
        return 1
    print("\nScale-out check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
