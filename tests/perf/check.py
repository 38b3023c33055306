"""Proof that the generated data is valid for the ORM.

1. Stored computed fields: on random samples of every generated model, the
   values written in bulk are compared with what the ORM computes for them
   (every stored computed field is marked to compute, recomputed, flushed and
   read again).
2. Spot-checks through the ORM, rolled back: a stage move, a payment registered
   on an unpaid invoice (residual, payment state, the deal's figures), a new
   invoice numbered after the generated ones, a phone changed on a partner, an
   opportunity of Odoo's CRM won.
"""

import math

from odoo import Command, fields
from odoo.tools import SQL

# Stored computed fields not recomputed by the check, and why.
NOT_CHECKED = {
    # Predictive lead scoring: a statistic over all leads at the time of the
    # computation, not a function of the record.
    "crm.lead": {"automated_probability", "probability", "prorated_revenue"},
    # A default computed from the move type for new moves (the misc journal for
    # entries), not a figure of a posted move.
    "account.move": {"journal_id"},
}
# Journal items: accounting keeps their amounts in sync with the move when it
# is written (its "dynamic lines"), their computes are defaults of new lines;
# the figures derived from other records are checked: residuals and
# reconciliation from the partial reconciliations, and the related fields.
# Their amounts are checked with SQL below: balanced moves, debit - credit.
MOVE_LINE_CHECKED = {"amount_residual", "amount_residual_currency", "reconciled"}
SAMPLE_MODELS = {
    "res.partner": "res_partner",
    "crm.lite.deal": "crm_lite_deal",
    "crm.lead": "crm_lead",
    "account.move": "account_move",
    "account.move.line": "account_move_line",
    "mail.activity": "mail_activity",
    "calendar.event": "calendar_event",
}


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a or 0.0, b or 0.0, abs_tol=0.005)
    return (a or False) == (b or False)


def _values(records, fnames):
    records.invalidate_recordset()
    result = {}
    for record in records:
        row = {}
        for fname in fnames:
            value = record[fname]
            if hasattr(value, "ids"):
                value = tuple(sorted(value.ids))
            row[fname] = value
        result[record.id] = row
    return result


def check_computed_fields(env, sample=100, log=print):
    """Recompute the stored computed fields of samples; return the differences."""
    problems = []
    for model, table in SAMPLE_MODELS.items():
        if model not in env:
            continue
        Model = env[model].with_context(active_test=False)
        fields_ = [
            field
            for field in Model._fields.values()
            if field.store
            and field.compute
            and field.column_type
            and field.name not in NOT_CHECKED.get(model, ())
            and (
                model != "account.move.line"
                or field.related
                or field.name in MOVE_LINE_CHECKED
            )
        ]
        env.cr.execute(
            SQL(
                "SELECT id FROM %s ORDER BY random() LIMIT %s",
                SQL.identifier(table),
                sample,
            )
        )
        records = Model.browse([row[0] for row in env.cr.fetchall()])
        fnames = [field.name for field in fields_]
        before = _values(records, fnames)
        for field in fields_:
            env.add_to_compute(field, records)
        env.flush_all()
        after = _values(records, fnames)
        wrong = {}
        for record_id, row in before.items():
            for fname, value in row.items():
                if not _same(value, after[record_id][fname]):
                    wrong.setdefault(fname, []).append(
                        (record_id, value, after[record_id][fname])
                    )
        for fname, cases in sorted(wrong.items()):
            problems.append(
                f"{model}.{fname}: {len(cases)}/{len(records)} differ,"
                f" e.g. id {cases[0][0]}: stored {cases[0][1]!r},"
                f" computed {cases[0][2]!r}"
            )
        log(
            f"  {model}: {len(fields_)} stored computed fields on {len(records)}"
            f" records, {sum(len(c) for c in wrong.values())} differences"
        )
    env.cr.rollback()
    env.invalidate_all()
    problems += _check_journal_items(env)
    return problems


def _check_journal_items(env):
    """Every move balanced, every line's balance its debit minus its credit,
    every residual within the line's balance (company currency only)."""
    checks = {
        "unbalanced moves": """
            SELECT COUNT(*) FROM (
                SELECT move_id FROM account_move_line
              GROUP BY move_id HAVING ROUND(SUM(balance), 2) <> 0
                    OR ROUND(SUM(debit) - SUM(credit), 2) <> 0) AS m""",
        "lines whose balance is not debit - credit": """
            SELECT COUNT(*) FROM account_move_line
             WHERE ROUND(debit - credit - balance, 2) <> 0
                OR ROUND(amount_currency - balance, 2) <> 0""",
        "moves whose total is not the sum of their receivable lines": """
            SELECT COUNT(*) FROM account_move m
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND ROUND(m.amount_total_signed - (
                   SELECT SUM(balance) FROM account_move_line l
                    WHERE l.move_id = m.id AND l.display_type = 'payment_term'), 2) <> 0
               """,
        "invoices whose residual is not their receivable's": """
            SELECT COUNT(*) FROM account_move m
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND ROUND(m.amount_residual_signed - (
                   SELECT SUM(amount_residual) FROM account_move_line l
                    WHERE l.move_id = m.id AND l.display_type = 'payment_term'), 2) <> 0
               """,
    }
    problems = []
    for label, query in checks.items():
        env.cr.execute(query)
        count = env.cr.fetchone()[0]
        if count:
            problems.append(f"{count} {label}")
    print(f"  journal items: {len(checks)} SQL checks, {len(problems)} failing")
    return problems


def spot_checks(env, log=print):
    """Work with generated records through the ORM; everything is rolled back."""
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    cr = env.cr
    cr.execute("SAVEPOINT perf_spot_checks")
    try:
        admin = env(user=env.ref("base.user_admin"))
        Deal = admin["crm.lite.deal"]
        # A stage move on a generated deal keeps its history.
        deal = Deal.search([("stage_kind", "=", "open")], limit=1, order="id desc")
        history = len(deal.stage_history_ids)
        target = deal.pipeline_id.stage_ids.filtered(
            lambda s: s.kind == "open" and s != deal.stage_id
        )[:1]
        deal.write({"stage_id": target.id})
        env.flush_all()
        expect(
            len(deal.stage_history_ids) == history + 1,
            "a stage move did not add a history row",
        )
        # A payment registered on an unpaid generated invoice.
        invoice = admin["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "=", "not_paid"),
                ("deal_id", "!=", False),
            ],
            limit=1,
        )
        expect(
            invoice.amount_residual == invoice.amount_total,
            f"unpaid invoice {invoice.name}: residual {invoice.amount_residual}"
            f" != total {invoice.amount_total}",
        )
        admin["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": fields.Date.today()})._create_payments()
        env.flush_all()
        invoice.invalidate_recordset()
        expect(
            invoice.payment_state in ("paid", "in_payment")
            and invoice.amount_residual == 0,
            f"invoice {invoice.name} not paid after a payment: {invoice.payment_state}",
        )
        expect(
            invoice.deal_id.payment_state in ("paid", "partial")
            and invoice.deal_id.amount_due < invoice.deal_id.amount_invoiced,
            f"deal of {invoice.name} does not see the payment",
        )
        # A new invoice is numbered after the generated ones.
        last = admin["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
            order="date desc, sequence_number desc",
            limit=1,
        )
        new = admin["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": last.partner_id.id,
                "invoice_date": last.invoice_date,
                "invoice_line_ids": [
                    Command.create({"name": "Check", "quantity": 1, "price_unit": 10})
                ],
            }
        )
        new.action_post()
        expect(
            new.sequence_prefix == last.sequence_prefix
            and new.sequence_number == last.sequence_number + 1,
            f"new invoice {new.name} does not follow {last.name}",
        )
        # A phone changed on a generated contact: its duplicate key follows.
        partner = deal.partner_id
        partner.write({"phone": "+370 612 34567"})
        env.flush_all()
        if "crm_phone_key" in partner._fields:
            expect(
                partner.crm_phone_key == "+37061234567",
                f"phone key {partner.crm_phone_key!r} after a phone change",
            )
        # An opportunity of Odoo's CRM won.
        lead = admin["crm.lead"].search([("type", "=", "opportunity")], limit=1)
        lead.action_set_won()
        env.flush_all()
        expect(lead.probability == 100, "crm.lead not won")
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT perf_spot_checks")
        env.invalidate_all(flush=False)
    log(f"  spot-checks through the ORM: {len(failures)} failure(s)")
    return failures


def check_loyalty(env, sample=50, log=print):
    """The generated loyalty data as crm_loyalty reads it (rolled back):

    - every card holds what its history issued minus what it used;
    - the points left on sample cards, by earning, add up to their balance,
      and nothing on them is past its validity as of this month's expiry run;
    - sample paid invoices agree with their customer's card: evaluated again
      (as when a payment arrives), they change nothing;
    - a customer's balance on the partner form is its card's.
    """
    if "account.move.coupon.points" not in env:
        return []
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    cr = env.cr
    cr.execute(
        """
        SELECT COUNT(*) FROM loyalty_card c
     LEFT JOIN (SELECT card_id,
                       SUM(COALESCE(issued, 0) - COALESCE(used, 0)) AS points
                  FROM loyalty_history GROUP BY card_id) h ON h.card_id = c.id
         WHERE ABS(COALESCE(c.points, 0) - COALESCE(h.points, 0)) > 0.005
        """
    )
    wrong = cr.fetchone()[0]
    expect(not wrong, f"{wrong} cards whose points are not their history's")
    cr.execute("SAVEPOINT perf_loyalty_checks")
    try:
        admin = env(user=env.ref("base.user_admin"))
        cr.execute(
            SQL(
                """
                SELECT c.id FROM loyalty_card c
                  JOIN loyalty_program p ON p.id = c.program_id
                 WHERE p.program_type = 'loyalty' AND c.points > 0
              ORDER BY random() LIMIT %s
                """,
                sample,
            )
        )
        cards = admin["loyalty.card"].browse([row[0] for row in cr.fetchall()])
        lots = cards._loyalty_points_lots()
        last_run = fields.Date.today().replace(day=1)
        expired = cards._loyalty_expired_points(last_run)
        for card in cards:
            left = sum(points for _d, _e, points in lots.get(card.id, []))
            expect(
                abs(left - card.points) < 0.01,
                f"card {card.code}: lots hold {left}, the card {card.points}",
            )
        expect(
            not expired,
            f"{len(expired)} sample cards hold points past their validity"
            f" on {last_run}",
        )
        cr.execute(
            SQL(
                """
                SELECT e.move_id FROM account_move_coupon_points e
              ORDER BY random() LIMIT %s
                """,
                sample,
            )
        )
        invoices = admin["account.move"].browse([row[0] for row in cr.fetchall()])
        history = admin["loyalty.history"].sudo().search_count([])
        invoices._loyalty_sync_points("paid")
        env.flush_all()
        expect(
            admin["loyalty.history"].sudo().search_count([]) == history,
            "paid invoices evaluated again changed their customers' cards",
        )
        for invoice in invoices[:10]:
            card = invoice.coupon_point_ids.coupon_id
            expect(
                invoice.loyalty_points_earned
                == sum(invoice.coupon_point_ids.mapped("points")),
                f"invoice {invoice.name}: earned {invoice.loyalty_points_earned}",
            )
            partner = invoice.commercial_partner_id
            expect(
                abs(partner.loyalty_points - card.points) < 0.01,
                f"{partner.name}: balance {partner.loyalty_points}, card {card.points}",
            )
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT perf_loyalty_checks")
        env.invalidate_all(flush=False)
    log(f"  loyalty data as crm_loyalty reads it: {len(failures)} failure(s)")
    return failures
