"""Benchmark: what sending an Email Marketing mailing to a large segment costs.

Prints figures, asserts nothing. In a scratch database where crm_lite is
installed (setup/benchmark.sh makes one and drops it afterwards):

    PYTHONPATH=$ODOO_PATH .venv/bin/python tests/benchmark_mailing.py \
        --database crm_bench --addons-path $ODOO_PATH/odoo/addons,. --partners 50000

It creates the partners (with e-mail addresses), a segment holding them and a
mailing to it (mass_mailing's ``mailing.mailing``), then times

(a) the segment's preview counts (contacts, and who a mailing would reach);
(b) ``action_launch``: what the user's "Send" request waits for;
(c) one run of mass_mailing's queue job (``_process_mass_mailing_queue``):
    recipients evaluated, rendered, and queued as ``mail.mail`` with their
    traces, in mass_mailing's batches of ``mail.batch_size``;

with the number of queries and the peak memory (RSS) of the process. The
queue job commits between batches, as it does in production: run it on a
scratch database.
"""

import argparse
import resource
import time

import odoo
from odoo import SUPERUSER_ID, Command, api, sql_db

CREATE_CHUNK = 5000
NO_CHATTER = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


def peak_rss_mb():
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Step:
    """Times a block: seconds, queries and peak RSS after it."""

    def __init__(self, env, label):
        self.env, self.label = env, label

    def __enter__(self):
        self.queries = sql_db.sql_counter
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            self.env.flush_all()
        self.seconds = time.perf_counter() - self.start
        self.queries = sql_db.sql_counter - self.queries
        print(
            f"{self.label:<40} {self.seconds:>9.2f} {self.queries:>9}"
            f" {peak_rss_mb():>10.0f}",
            flush=True,
        )


def create_partners(env, count, category):
    Partner = env["res.partner"].with_context(**NO_CHATTER)
    for start in range(0, count, CREATE_CHUNK):
        Partner.create(
            [
                {
                    "name": f"Bench Client {i}",
                    "email": f"bench.client.{i}@example.com",
                    "category_id": [Command.set(category.ids)],
                }
                for i in range(start, min(start + CREATE_CHUNK, count))
            ]
        )
        env.flush_all()
        env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--partners", type=int, default=50000)
    parser.add_argument("--batch-size", type=int, default=500, help="mail.batch_size")
    args = parser.parse_args()

    odoo.tools.config.parse_config(
        ["-d", args.database, "--addons-path", args.addons_path, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    print(
        f"{args.partners} partners, batch of {args.batch_size},"
        f" peak RSS at start {peak_rss_mb():.0f} MB"
    )
    print(f"{'step':<40} {'seconds':>9} {'queries':>9} {'peak MB':>10}")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, dict(NO_CHATTER))
        try:
            category = env["res.partner.category"].create({"name": "Benchmark mailing"})
            with Step(env, f"create {args.partners} partners"):
                create_partners(env, args.partners, category)
            segment = env["crm.lite.segment"].create(
                {
                    "name": "Benchmark mailing",
                    "domain": repr([("category_id", "in", category.ids)]),
                }
            )
            action = segment.action_send_mailing()
            mailing = (
                env["mailing.mailing"]
                .with_context(**action["context"])
                .create(
                    {
                        "subject": "News for {{ object.name }}",
                        "body_html": "<p>Dear <t t-out='object.name'/>,</p>"
                        "<p>Our news.</p>",
                        "email_from": "bench@example.com",
                    }
                )
            )
            env["ir.config_parameter"].set_param("mail.batch_size", args.batch_size)
            env.flush_all()
            env.invalidate_all()

            with Step(env, "(a) segment preview counts"):
                counts = (segment.partner_count, segment.mailable_count)
            with Step(env, "(b) action_launch (the request)"):
                mailing.action_launch()
            env.invalidate_all()
            with Step(env, "(c) queue job: render and queue all"):
                env["mailing.mailing"]._process_mass_mailing_queue()
            env.invalidate_all()
            traces = env["mailing.trace"].search_count(
                [("mass_mailing_id", "=", mailing.id)]
            )
            queued = env["mail.mail"].search_count(
                [("mailing_id", "=", mailing.id), ("state", "=", "outgoing")]
            )
            print(
                f"segment {counts[0]} contacts, {counts[1]} to mail; "
                f"traces {traces}, mail.mail queued {queued}, state {mailing.state}"
            )
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
