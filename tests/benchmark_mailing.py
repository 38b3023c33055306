"""Benchmark: what sending a mailing to a large segment costs.

Prints figures, asserts nothing. In a database where crm_lite is installed:

    PYTHONPATH=$ODOO_PATH .venv/bin/python tests/benchmark_mailing.py \
        --database crm_bench --addons-path $ODOO_PATH/odoo/addons,. --partners 50000

It creates the partners (with e-mail addresses), a segment holding them and a
mailing, then times

(a) ``action_send``: what the user's request waits for;
(b) the snapshot of the segment into recipients (first step of the job);
(c) one batch of queued e-mails (``mail.mail``), of ``--batch-size``;

with the number of queries and the peak memory (RSS) of the process. All of
it happens in one transaction that is rolled back at the end, so the database
is left as it was.
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
    parser.add_argument("--batch-size", type=int, default=500)
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
            mailing = env["crm.lite.mailing"].create(
                {
                    "name": "Benchmark mailing",
                    "subject": "News for {{first_name}}",
                    "body_html": "<p>Dear {{name}},</p><p>Our news.</p>"
                    '<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
                    "segment_id": segment.id,
                    "email_from": "bench@example.com",
                }
            )
            env["ir.config_parameter"].set_param(
                "crm_lite.mailing_batch_size", args.batch_size
            )
            env.flush_all()
            env.invalidate_all()

            with Step(env, "(a) action_send (the request)"):
                mailing.action_send()
            with Step(env, "(b) snapshot of the recipients"):
                mailing._snapshot_recipients()
            env.invalidate_all()
            with Step(env, f"(c) one batch of {args.batch_size} queued mails"):
                handled = mailing._send_batch(args.batch_size)
            env.invalidate_all()
            queued = env["mail.mail"].search_count(
                [
                    ("id", "in", handled.mapped("mail_mail_id_int")),
                    ("state", "=", "outgoing"),
                ]
            )
            print(
                f"recipients {mailing.recipient_count}, sent {mailing.sent_count}, "
                f"pending {mailing.pending_count}, skipped {mailing.skipped_count}, "
                f"mail.mail queued {queued}, state {mailing.state}"
            )
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
