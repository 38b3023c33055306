"""crm_loyalty at scale (the ``loyalty`` operations of ``bench.py``).

Measured on a generated database with crm_loyalty installed and its loyalty
data generated (``generate_loyalty.py``), against the same data without
crm_loyalty (the anchor database, ``--anchor-database``) where the
operation exists there, or against a hand-written SQL query (the floor):

- the points liability report as its menu opens it (its list);
- a customer with a long history on the partner form: its balance and tier,
  and the whole form against the same form without crm_loyalty's fields;
- "Update discounts" on a draft invoice of 10 lines with the programs
  active, then posting it, then registering the payment that credits its
  points (the company books the points liability);
- a credit note of a paid invoice that earned points;
- posting 100 invoices of a company without any program;
- the monthly expiry job over every card (one run).

Odoo's ``loyalty.history`` has no index on its card nor on its document, and
crm_loyalty adds none: the operations that read a card's or an invoice's
history are measured a second time with those two indexes created for the
run (``[history indexed]``), to show what they would change.

Everything is rolled back. Queries are counted on each side.
"""

import time

from operations import Result, measure, rolled_back, view_spec

from odoo import Command, fields
from odoo.tools import SQL

PROGRAM = "Perf points"
INVOICE_LINES = 10
BULK_INVOICES = 100
# Indexes Odoo and crm_loyalty do not create, tried in a second pass.
HISTORY_INDEXES = {
    "perf_loyalty_history_card_idx": SQL(
        "CREATE INDEX perf_loyalty_history_card_idx ON loyalty_history (card_id)"
    ),
    "perf_loyalty_history_invoice_idx": SQL(
        "CREATE INDEX perf_loyalty_history_invoice_idx ON loyalty_history (order_id)"
        " WHERE order_model = 'account.move'"
    ),
}


def measure_loyalty(ops, anchor_env=None):
    env = ops.env
    if "account.move.coupon.points" not in env:
        ops.log("loyalty: crm_loyalty is not installed in this database, skipped")
        return
    program = env["loyalty.program"].search([("name", "=", PROGRAM)], limit=1)
    if not program:
        ops.log("loyalty: no generated loyalty data (bench.py generate --loyalty)")
        return
    Loyalty(ops, program, anchor_env).run()


class Loyalty:
    def __init__(self, ops, program, anchor_env):
        self.ops = ops
        self.env = ops.env
        self.program = program
        self.admin_env = ops.env_as(ops.admin)
        self.anchor = None
        if anchor_env is not None:
            admin = anchor_env.ref("base.user_admin")
            self.anchor = anchor_env(
                user=admin,
                context=dict(
                    self.admin_env.context,
                    allowed_company_ids=[anchor_env.ref("base.main_company").id],
                ),
            )
        self.customer = self._long_history_customer()

    def _long_history_customer(self):
        """The paying customer whose card has the longest history."""
        self.env.cr.execute(
            SQL(
                """
                SELECT c.partner_id, COUNT(*) FROM loyalty_history h
                  JOIN loyalty_card c ON c.id = h.card_id
                 WHERE c.program_id = %s
              GROUP BY c.partner_id ORDER BY COUNT(*) DESC, c.partner_id LIMIT 1
                """,
                self.program.id,
            )
        )
        partner_id, rows = self.env.cr.fetchone()
        self.history_rows = rows
        return self.admin_env["res.partner"].browse(partner_id)

    def run(self):
        self.suffix = ""
        self.anchors = {}
        self.savepoint = "perf_loyalty"
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SAVEPOINT perf_loyalty")
        anchor_cr = self.anchor.cr if self.anchor is not None else None
        if anchor_cr:
            anchor_cr.execute("SAVEPOINT perf_loyalty")
        try:
            self.liability_report()
            self.partner_form()
            self.invoice_flow()
            self.credit_note()
            self.bulk_posting()
            self.expiry_job()
            if self._history_indexed():
                return
            # Again, with the history indexed (the anchors are not measured
            # again: nothing changes there).
            self._restore()
            for query in HISTORY_INDEXES.values():
                cr.execute(query)
            cr.execute("ANALYZE loyalty_history")
            cr.execute("SAVEPOINT perf_loyalty_indexed")
            self.savepoint = "perf_loyalty_indexed"
            self.suffix = " [history indexed]"
            self.partner_form(full_form=False)
            self.invoice_flow()
            self.credit_note()
            self.expiry_job()
        finally:
            self.env.flush_all()  # pending writes go with the rest
            cr.execute("ROLLBACK TO SAVEPOINT perf_loyalty")
            self.env.invalidate_all(flush=False)
            self.env.registry.clear_cache()
            if anchor_cr:
                self.anchor.flush_all()
                anchor_cr.execute("ROLLBACK TO SAVEPOINT perf_loyalty")
                self.anchor.invalidate_all(flush=False)

    def _history_indexed(self):
        self.env.cr.execute(
            """
            SELECT 1 FROM pg_index i
              JOIN pg_attribute a
                ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = 'loyalty_history'::regclass
               AND a.attname = 'card_id'
            """
        )
        return bool(self.env.cr.fetchone())

    def _restore(self):
        """Back to the data as generated (this pass's writes undone)."""
        self.env.flush_all()
        self.env.cr.execute(f"ROLLBACK TO SAVEPOINT {self.savepoint}")
        self.env.invalidate_all(flush=False)
        self.env.registry.clear_cache()

    def _anchor(self, key, make):
        """The anchor's figures of ``key``: ``make()`` measures them (and
        prepares what it needs) the first time."""
        if self.anchor is None:
            return None
        if key not in self.anchors:
            self.anchors[key] = make()
        return self.anchors[key]

    def measure(self, env, func, write=False, runs=None):
        return measure(env, func, runs or self.ops.runs, write=write)

    # ------------------------------------------------------------
    # REPORT AND PARTNER FORM
    # ------------------------------------------------------------

    def liability_report(self):
        env = self.admin_env
        model = "crm.loyalty.liability.report"
        spec, _arch = view_spec(
            env, model, "crm_loyalty.crm_loyalty_liability_report_view_list", "list"
        )
        last = []

        def read():
            last.append(
                env[model].web_search_read([], spec, limit=80, count_limit=10001)
            )

        suite = self.measure(env, read)
        orm = {
            row["program_id"]["id"]: (
                row["card_count"],
                row["points"],
                row["liability"],
                row["booked"],
            )
            for row in last[-1]["records"]
        }
        query = SQL(
            """
            WITH point_value AS (
                SELECT DISTINCT ON (program_id) program_id, discount AS value
                  FROM loyalty_reward
                 WHERE active AND reward_type = 'discount'
                   AND discount_mode = 'per_point'
              ORDER BY program_id, required_points, id
            ), cards AS (
                SELECT program_id, COUNT(*) AS cards, SUM(points) AS points
                  FROM loyalty_card
                 WHERE active AND program_id IN (SELECT program_id FROM point_value)
              GROUP BY program_id
            ), booked AS (
                SELECT l.loyalty_program_id AS program_id, -SUM(l.balance) AS booked
                  FROM account_move_line l
                  JOIN res_company c ON c.id = l.company_id
                 WHERE l.loyalty_program_id IS NOT NULL AND l.parent_state = 'posted'
                   AND l.account_id = c.loyalty_liability_account_id
              GROUP BY l.loyalty_program_id
            )
            SELECT p.id, COALESCE(c.cards, 0), COALESCE(c.points, 0),
                   ROUND(CAST(COALESCE(c.points, 0) * v.value AS numeric), 2),
                   COALESCE(b.booked, 0)
              FROM loyalty_program p
              JOIN point_value v ON v.program_id = p.id
         LEFT JOIN cards c ON c.program_id = p.id
         LEFT JOIN booked b ON b.program_id = p.id
             WHERE p.program_type NOT IN ('gift_card', 'ewallet')
               AND (p.company_id IS NULL OR p.company_id IN %s)
            """,
            (self.ops.company.id,),
        )
        floor = self._floor(query)
        self.env.cr.execute(query)
        diff = _differences(orm, {row[0]: row[1:] for row in self.env.cr.fetchall()})
        self._add(
            "loyalty_liability_report",
            "points liability report (list, web_search_read)",
            suite,
            floor,
            "SQL floor",
            note=f"{len(orm)} program(s)"
            + _diff_note(diff, "liability report", self.ops),
            target="< 1 s",
            check=lambda r: not diff and r.suite_s < 1.0,
        )

    def partner_form(self, full_form=True):
        env = self.admin_env
        partner = self.customer
        fnames = {
            "loyalty_points": {},
            "loyalty_tier_program_id": {"fields": {"display_name": {}}},
        }
        last = []
        suite = self.measure(env, lambda: last.append(partner.web_read(fnames)))
        orm = last[-1][0]
        query = self._balance_and_tier_query(partner)
        floor = self._floor(query)
        self.env.cr.execute(query)
        points, tier = self.env.cr.fetchone()
        orm_tier = (orm["loyalty_tier_program_id"] or {}).get("id")
        diff = []
        if (
            abs((points or 0) - orm["loyalty_points"]) > 0.01
            or (tier or None) != orm_tier
        ):
            diff.append(
                f"orm {orm['loyalty_points']} / {orm_tier}, floor {points} / {tier}"
            )
        self._add(
            "loyalty_partner_balance",
            "partner form: loyalty_points and tier (long history)",
            suite,
            floor,
            "SQL floor",
            note=f"{self.history_rows} history rows; the ORM also works out the next"
            " expiry (first-in first-out over the history), the floor does not"
            + _diff_note(diff, "partner balance", self.ops),
        )
        if not full_form:
            return
        spec, _arch = view_spec(env, "res.partner", "base.view_partner_form", "form")
        loyalty_fields = {
            name
            for name, field in env["res.partner"]._fields.items()
            if field._modules and "crm_loyalty" in field._modules
        }
        without = {k: v for k, v in spec.items() if k not in loyalty_fields}
        self._add(
            "loyalty_partner_form",
            "partner form open (web_read), long loyalty history",
            self.measure(env, lambda: partner.web_read(spec)),
            self.measure(env, lambda: partner.web_read(without)),
            "same form without crm_loyalty's fields",
            note=f"{len(spec) - len(without)} fields of crm_loyalty",
        )

    def _balance_and_tier_query(self, partner):
        """Balance of the customer's cards in active points programs, and the
        highest tier its paid spend over each tier's period reaches (the
        paid rule: reconciliations by payment date, capped by the invoiced)."""
        today = fields.Date.context_today(partner)
        return SQL(
            """
            WITH tiers AS (
                SELECT id, min_paid_amount,
                       (%(today)s::date
                        - make_interval(months => paid_period_months))::date AS start,
                       paid_period_months
                  FROM loyalty_program
                 WHERE active AND invoice_ok AND program_type = 'promotion'
                   AND min_paid_amount > 0
                   AND (company_id IS NULL OR company_id = %(company)s)
                   AND (date_from IS NULL OR date_from <= %(today)s)
                   AND (date_to IS NULL OR date_to >= %(today)s)
            ), moves AS (
                SELECT id, move_type, amount_total_signed AS total, date
                  FROM account_move
                 WHERE commercial_partner_id = %(partner)s
                   AND company_id = %(company)s AND state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                   AND date <= %(today)s
            ), reconciled AS (
                SELECT p.max_date,
                       CASE WHEN m.move_type = 'out_invoice'
                            THEN p.amount ELSE -p.amount END AS amount
                  FROM moves m
                  JOIN account_move_line l
                    ON l.move_id = m.id AND l.display_type = 'payment_term'
                  JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                 WHERE p.max_date <= %(today)s
                 UNION ALL
                SELECT p.max_date,
                       CASE WHEN m.move_type = 'out_invoice'
                            THEN p.amount ELSE -p.amount END
                  FROM moves m
                  JOIN account_move_line l
                    ON l.move_id = m.id AND l.display_type = 'payment_term'
                  JOIN account_partial_reconcile p ON p.credit_move_id = l.id
                 WHERE p.max_date <= %(today)s
            ), spend AS (
                SELECT t.id, t.min_paid_amount,
                       LEAST((SELECT COALESCE(SUM(amount), 0) FROM reconciled),
                             (SELECT COALESCE(SUM(total), 0) FROM moves))
                       - CASE WHEN t.paid_period_months = 0 THEN 0 ELSE
                         LEAST((SELECT COALESCE(SUM(amount), 0) FROM reconciled
                                 WHERE max_date <= t.start),
                               (SELECT COALESCE(SUM(total), 0) FROM moves
                                 WHERE date <= t.start)) END AS paid
                  FROM tiers t
            )
            SELECT (SELECT SUM(c.points) FROM loyalty_card c
                      JOIN loyalty_program p ON p.id = c.program_id
                      JOIN res_partner rp ON rp.id = c.partner_id
                     WHERE rp.commercial_partner_id = %(partner)s AND c.active
                       AND p.active AND p.program_type = 'loyalty'
                       AND (c.company_id IS NULL OR c.company_id = %(company)s)),
                   (SELECT id FROM spend WHERE paid >= min_paid_amount
                  ORDER BY min_paid_amount DESC LIMIT 1)
            """,
            today=today,
            company=self.ops.company.id,
            partner=partner.commercial_partner_id.id,
        )

    # ------------------------------------------------------------
    # INVOICES
    # ------------------------------------------------------------

    def _products(self, env):
        return env["product.product"].create(
            [
                {"name": f"Perf loyalty product {i}", "list_price": 40.0 + 35 * i}
                for i in range(INVOICE_LINES)
            ]
        )

    def _draft_invoice(self, env, partner, products, lines=INVOICE_LINES):
        return env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.context_today(env.user),
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "quantity": 1 + i % 3})
                    for i, product in enumerate(products[:lines])
                ],
            }
        )

    def _anchor_flow(self):
        """In the anchor database: the same invoice, posted, then paid, each
        step measured (rolled back) before it is done."""
        anchor = self.anchor
        partner = anchor["res.partner"].search(
            [("name", "=", self.customer.name)], limit=1
        )
        if not partner:
            return {}
        invoice = self._draft_invoice(anchor, partner, self._products(anchor))
        anchor.flush_all()
        figures = {"post": self.measure(anchor, invoice.action_post, write=True)}
        invoice.action_post()
        anchor.flush_all()
        figures["pay"] = self.measure(anchor, _pay(invoice), write=True)
        return figures

    def invoice_flow(self):
        env = self.admin_env
        invoice = self._draft_invoice(env, self.customer, self._products(env))
        env.flush_all()
        self._add(
            "loyalty_update_discounts",
            f"Update discounts, invoice of {INVOICE_LINES} lines (programs active)",
            self.measure(env, invoice.action_loyalty_update, write=True),
            None,
            None,
            note=self._programs_note(),
        )
        invoice.action_loyalty_update()
        env.flush_all()
        rewards = invoice.invoice_line_ids.filtered("reward_id")
        anchor = self._anchor("flow", self._anchor_flow) or {}
        self._add(
            "loyalty_post_invoice",
            f"posting an invoice of {INVOICE_LINES} lines (programs active)",
            self.measure(env, invoice.action_post, write=True),
            anchor.get("post"),
            "without crm_loyalty",
            note=f"{len(rewards)} reward line(s): "
            + ", ".join(rewards.mapped("name"))[:120],
        )
        invoice.action_post()
        env.flush_all()
        earned = []
        self._add(
            "loyalty_register_payment",
            "registering the payment that credits the points",
            self.measure(env, _pay(invoice, earned), write=True),
            anchor.get("pay"),
            "without crm_loyalty",
            note=f"{earned[-1]:.0f} points credited, liability booked"
            if earned
            else "",
        )

    def _programs_note(self):
        programs = self.env["loyalty.program"].search(
            [("invoice_ok", "=", True), ("active", "=", True)]
        )
        return (
            f"{len(programs)} programs on invoices; customer with"
            f" {self.history_rows} history rows"
        )

    def credit_note(self):
        env = self.admin_env
        self.env.cr.execute(
            SQL(
                """
                SELECT e.move_id FROM account_move_coupon_points e
                  JOIN account_move m ON m.id = e.move_id
                 WHERE m.commercial_partner_id = %s
                   AND m.payment_state IN ('paid', 'in_payment')
              ORDER BY m.date DESC LIMIT 1
                """,
                self.customer.id,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return
        invoice = env["account.move"].browse(row[0])

        def anchor_refund():
            same = self.anchor["account.move"].search(
                [("name", "=", invoice.name), ("move_type", "=", "out_invoice")],
                limit=1,
            )
            return (
                self.measure(self.anchor, _refund(same), write=True) if same else None
            )

        points = invoice.loyalty_points_earned
        left = []
        self._add(
            "loyalty_credit_note",
            "credit note of a paid invoice that earned points (reversal)",
            self.measure(env, _refund(invoice, left), write=True),
            self._anchor("refund", anchor_refund),
            "without crm_loyalty",
            note=f"{points:.0f} points earned, {points - left[-1]:.0f} taken back"
            if left
            else "",
        )

    def bulk_posting(self):
        env = self.admin_env
        customers = env["res.partner"].search(
            [("is_company", "=", True), ("customer_rank", ">", 0)],
            limit=BULK_INVOICES,
            order="id",
        )
        runs = max(1, self.ops.runs // 2)

        def anchor_posting():
            partners = self.anchor["res.partner"].search(
                [("name", "in", customers.mapped("name"))]
            )
            if len(partners) != len(customers):
                return None
            products = self._products(self.anchor)
            invoices = self.anchor["account.move"].concat(
                *(self._draft_invoice(self.anchor, p, products, 3) for p in partners)
            )
            self.anchor.flush_all()
            return self.measure(self.anchor, invoices.action_post, True, runs)

        anchor = self._anchor("bulk", anchor_posting)
        # A company without programs: none active on invoices.
        env["loyalty.program"].search([("invoice_ok", "=", True)]).write(
            {"active": False}
        )
        products = self._products(env)
        invoices = env["account.move"].concat(
            *(self._draft_invoice(env, c, products, 3) for c in customers)
        )
        env.flush_all()
        suite = self.measure(env, invoices.action_post, write=True, runs=runs)
        extra = ""
        if anchor:
            per_invoice = (suite[0] - anchor[0]) * 1000 / len(invoices)
            extra = (
                f"; crm_loyalty adds {per_invoice:.0f} ms and"
                f" {(suite[1] - anchor[1]) / len(invoices):.0f} queries per invoice"
            )
        self._add(
            "loyalty_post_100_without_programs",
            f"posting {len(invoices)} invoices of a company without programs",
            suite,
            anchor,
            "without crm_loyalty",
            note=f"3 lines each{extra}",
        )

    def expiry_job(self):
        env = self.env  # the scheduled job runs as the superuser
        # Programs back as they were (bulk_posting archived them).
        self._restore()
        Card = env["loyalty.card"]
        cards = Card.search_count(
            [("program_id.points_validity_months", ">", 0), ("points", ">", 0)]
        )
        history = env["loyalty.history"].search_count([])
        with rolled_back(env):
            count = env.cr.sql_log_count
            start = time.perf_counter()
            Card._cron_expire_points()
            env.flush_all()
            elapsed = time.perf_counter() - start
            queries = env.cr.sql_log_count - count
            expired = env["loyalty.history"].search_count([]) - history
        self._add(
            "loyalty_expiry_job",
            f"monthly expiry job over {cards} cards with points",
            (elapsed, queries),
            None,
            None,
            note=f"{expired} cards had points expiring; one run",
        )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _floor(self, query):
        def run():
            self.env.cr.execute(query)
            self.env.cr.fetchall()

        return self.measure(self.env, run)

    def _add(self, key, label, suite, anchor, kind, note="", target=None, check=None):
        if self.suffix:
            key += "_history_indexed"
            label += self.suffix
        if anchor is None:
            kind = None
        self.ops.add(Result(key, label, suite, anchor, kind, target, note=note), check)


def _pay(invoice, earned=None):
    """Register the payment of ``invoice`` (Odoo's wizard, in full)."""

    def run():
        invoice.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        invoice.env.flush_all()
        if earned is not None:
            earned.append(invoice.loyalty_points_earned)

    return run


def _refund(invoice, earned=None):
    """A full credit note of ``invoice`` (Odoo's reversal wizard), posted."""

    def run():
        wizard = (
            invoice.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Returned", "journal_id": invoice.journal_id.id})
        )
        action = wizard.refund_moves()
        invoice.env["account.move"].browse(action["res_id"]).action_post()
        invoice.env.flush_all()
        if earned is not None:
            earned.append(invoice.loyalty_points_earned)

    return run


def _differences(orm, floor):
    found = []
    for key in sorted(set(orm) | set(floor), key=str):
        a, b = orm.get(key), floor.get(key)
        if (
            a is None
            or b is None
            or any(
                abs(float(x or 0) - float(y or 0)) > 0.01
                for x, y in zip(a, b, strict=True)
            )
        ):
            found.append(f"{key}: orm {a} / floor {b}")
    return found[:3]


def _diff_note(diff, what, ops):
    if not diff:
        return ""
    ops.log(f"MISMATCH {what}: " + "; ".join(diff))
    return "; NUMBERS DIFFER from the floor: " + "; ".join(diff)
