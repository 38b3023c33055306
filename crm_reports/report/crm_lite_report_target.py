from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_lite_target import TARGET_BASES
from ..models.report_tools import (
    MONEY_GROUPS,
    create_report_index,
    reconciled_query,
    won_entries_query,
)


class CrmLiteReportTarget(models.Model):
    """Plan vs actual: one row per active target, with what was achieved.

    - ``won``: expected revenue of the deals won in the period (their last
      entry into a won stage, by the salesperson and pipeline of that entry);
    - ``invoiced``: posted customer invoices dated in the period net of credit
      notes (``amount_total_signed``, the invoice's salesperson, the deal's
      pipeline);
    - ``paid``: payments reconciled with the target's invoices in the period
      (by payment date), less those reconciled with its credit notes; the
      count is of the invoices now fully paid that received a payment in the
      period. (Unlike ``account.move._crm_get_paid_amounts`` it does not cap
      payments at the amount invoiced net of open credit notes: a period's
      receipts are read from an index on the payment date, never from every
      invoice of the past.)
    - with a product category, the untaxed lines of products of the category
      (and subcategories): of the won deals' posted invoices, of the invoices
      of the period, or their share of what was paid in the period.
    """

    _name = "crm.lite.report.target"
    _inherit = "crm.lite.report.mixin"
    _description = "Sales Plan vs Actual"
    _auto = False
    _order = "date_from desc, user_id, id"
    _report_ratios = {"achievement": ("actual_amount", "target_amount", 100.0)}
    _depends = {
        "crm.lite.target": [
            "name",
            "active",
            "user_id",
            "pipeline_id",
            "product_categ_id",
            "company_id",
            "basis",
            "date_from",
            "date_to",
            "target_amount",
            "target_count",
        ],
        "crm.lite.stage.history": [
            "deal_id",
            "stage_kind",
            "date",
            "salesperson_id",
            "pipeline_id",
            "company_id",
            "flow_date_left",
        ],
        "crm.lite.deal": ["stage_kind", "amount", "pipeline_id"],
        "account.move": [
            "state",
            "move_type",
            "date",
            "company_id",
            "invoice_user_id",
            "deal_id",
            "amount_total_signed",
        ],
        "account.move.line": ["move_id", "display_type", "balance", "product_id"],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "max_date",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "product.category": ["parent_path"],
    }

    target_id = fields.Many2one("crm.lite.target", readonly=True)
    name = fields.Char("Target Name", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    pipeline_id = fields.Many2one("crm.lite.pipeline", "Team (Pipeline)", readonly=True)
    product_categ_id = fields.Many2one(
        "product.category", "Product Category", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    basis = fields.Selection(TARGET_BASES, readonly=True)
    date_from = fields.Date("From", readonly=True)
    date_to = fields.Date("To", readonly=True)
    target_amount = fields.Monetary(
        currency_field="currency_id", readonly=True, groups=MONEY_GROUPS
    )
    actual_amount = fields.Monetary(
        currency_field="currency_id", readonly=True, groups=MONEY_GROUPS
    )
    gap_amount = fields.Monetary(
        "Left to Achieve",
        currency_field="currency_id",
        readonly=True,
        help="Target minus actual (negative when the target is exceeded).",
        groups=MONEY_GROUPS,
    )
    achievement = fields.Float(
        "Achievement (%)",
        readonly=True,
        aggregator="sum",
        digits=(16, 1),
        help="Actual / target, in percent: 50 means half the target.",
    )
    target_count = fields.Integer(readonly=True, aggregator="sum")
    actual_count = fields.Integer(readonly=True, aggregator="sum")

    def _report_query(self, today, now):
        posted = SQL(
            "m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')"
        )
        # The invoices a target looks at: company, salesperson, team.
        move_scope = SQL(
            """
            m.company_id = t.company_id
            AND (t.user_id IS NULL OR m.invoice_user_id = t.user_id)
            AND (t.pipeline_id IS NULL OR EXISTS (
                 SELECT 1 FROM crm_lite_deal pd
                  WHERE pd.id = m.deal_id AND pd.pipeline_id = t.pipeline_id))
            """
        )
        won_scope = SQL(
            """
            w.company_id = t.company_id
            AND w.date >= t.date_from::timestamp
            AND w.date < (t.date_to + 1)::timestamp
            AND (t.user_id IS NULL OR w.salesperson_id = t.user_id)
            AND (t.pipeline_id IS NULL OR w.pipeline_id = t.pipeline_id)
            """
        )
        # Product lines of the target's category or its subcategories.
        category_lines = SQL(
            """
            JOIN account_move_line l
              ON l.move_id = m.id AND l.display_type = 'product'
            JOIN product_product pp ON pp.id = l.product_id
            JOIN product_template pt ON pt.id = pp.product_tmpl_id
            JOIN product_category pc ON pc.id = pt.categ_id
            JOIN product_category tc ON tc.id = t.product_categ_id
             AND starts_with(pc.parent_path, tc.parent_path)
            """
        )
        reconciled = reconciled_query(SQL("m.id"))
        return SQL(
            """
            SELECT t.id,
                   t.id AS target_id,
                   t.name,
                   t.user_id,
                   t.pipeline_id,
                   t.product_categ_id,
                   t.company_id,
                   t.basis,
                   t.date_from,
                   t.date_to,
                   t.target_amount,
                   COALESCE(actual.amount, 0) AS actual_amount,
                   t.target_amount - COALESCE(actual.amount, 0) AS gap_amount,
                   CASE WHEN t.target_amount > 0
                        THEN 100.0 * COALESCE(actual.amount, 0) / t.target_amount
                        ELSE 0 END AS achievement,
                   COALESCE(t.target_count, 0) AS target_count,
                   COALESCE(actual.count, 0) AS actual_count
              FROM crm_lite_target t
         LEFT JOIN LATERAL (
                SELECT SUM(branch.amount) AS amount, SUM(branch.count) AS count
                  FROM (
                -- Deals won in the period
                SELECT SUM(d.amount) AS amount, COUNT(*) AS count
                  FROM (%(won)s) w
                  JOIN crm_lite_deal d ON d.id = w.deal_id
                 WHERE t.basis = 'won' AND t.product_categ_id IS NULL
                   AND %(won_scope)s
                 UNION ALL
                -- Category lines of the posted invoices of the deals won
                SELECT SUM(-l.balance), COUNT(DISTINCT w.deal_id)
                  FROM (%(won)s) w
                  JOIN account_move m ON m.deal_id = w.deal_id AND %(posted)s
                  %(category_lines)s
                 WHERE t.basis = 'won' AND t.product_categ_id IS NOT NULL
                   AND %(won_scope)s
                 UNION ALL
                -- Invoices of the period, net of credit notes
                SELECT SUM(m.amount_total_signed),
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice')
                  FROM account_move m
                 WHERE t.basis = 'invoiced' AND t.product_categ_id IS NULL
                   AND %(posted)s AND %(move_scope)s
                   AND m.date BETWEEN t.date_from AND t.date_to
                 UNION ALL
                -- Category lines of the invoices of the period
                SELECT SUM(-l.balance), COUNT(DISTINCT m.id)
                  FROM account_move m
                  %(category_lines)s
                 WHERE t.basis = 'invoiced' AND t.product_categ_id IS NOT NULL
                   AND %(posted)s AND %(move_scope)s
                   AND m.date BETWEEN t.date_from AND t.date_to
                 UNION ALL
                -- Paid in the period: payments reconciled with the invoices
                -- in the period (by payment date), less those reconciled
                -- with credit notes (money given back)
                SELECT SUM(CASE WHEN m.move_type = 'out_invoice'
                                THEN r.amount ELSE -r.amount END),
                       COUNT(DISTINCT m.id) FILTER (
                           WHERE m.move_type = 'out_invoice'
                             AND m.payment_state IN ('paid', 'in_payment'))
                  FROM (%(reconciled_in_period)s) r
                  JOIN account_move_line l
                    ON l.id = r.line_id AND l.display_type = 'payment_term'
                  JOIN account_move m ON m.id = l.move_id
                 WHERE t.basis = 'paid' AND t.product_categ_id IS NULL
                   AND %(posted)s AND %(move_scope)s
                 UNION ALL
                -- Category lines' share of what their invoices got paid
                SELECT SUM(-l.balance * r.amount
                           / NULLIF(ABS(m.amount_total_signed), 0)),
                       COUNT(DISTINCT m.id)
                  FROM account_move m
                  %(category_lines)s
                  JOIN LATERAL (
                        SELECT SUM(rec.amount) AS amount
                          FROM (%(reconciled)s) rec
                         WHERE rec.max_date BETWEEN t.date_from AND t.date_to
                       ) r ON r.amount IS NOT NULL
                 WHERE t.basis = 'paid' AND t.product_categ_id IS NOT NULL
                   AND %(posted)s AND %(move_scope)s
                   AND m.date <= t.date_to
                       ) branch (amount, count)
              ) actual ON TRUE
             WHERE t.active
            """,
            won=won_entries_query(),
            won_scope=won_scope,
            posted=posted,
            move_scope=move_scope,
            category_lines=category_lines,
            reconciled=reconciled,
            reconciled_in_period=SQL(
                """
                SELECT p.debit_move_id AS line_id, p.amount
                  FROM account_partial_reconcile p
                 WHERE p.max_date BETWEEN t.date_from AND t.date_to
                 UNION ALL
                SELECT p.credit_move_id, p.amount
                  FROM account_partial_reconcile p
                 WHERE p.max_date BETWEEN t.date_from AND t.date_to
                """
            ),
        )

    def init(self):
        # Invoices of a company by date, with what the targets read, for an
        # index-only scan of the period (or up to the end of it for "paid").
        create_report_index(
            self.env.cr,
            "crm_reports_move_customer_date_idx",
            "account_move",
            ["company_id", "date"],
            include=[
                "move_type",
                "invoice_user_id",
                "deal_id",
                "commercial_partner_id",
                "amount_total_signed",
            ],
            where="state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
        )
        # A salesperson's invoices by date: targets of salespeople read only
        # their own invoices, up to the end of the period for "paid".
        create_report_index(
            self.env.cr,
            "crm_reports_move_customer_user_date_idx",
            "account_move",
            ["company_id", "invoice_user_id", "date"],
            include=["move_type", "deal_id", "amount_total_signed"],
            where="state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
        )
        # Reconciliations by payment date, for "paid" targets.
        create_report_index(
            self.env.cr,
            "crm_reports_partial_reconcile_date_idx",
            "account_partial_reconcile",
            ["max_date"],
            include=["debit_move_id", "credit_move_id", "amount"],
        )
        # Receivable lines of a move, for the reconciliations of "paid".
        create_report_index(
            self.env.cr,
            "crm_reports_move_line_payment_term_idx",
            "account_move_line",
            ["move_id"],
            where="display_type = 'payment_term'",
        )
        return super().init()

    # ------------------------------------------------------------
    # DRILL-DOWN
    # ------------------------------------------------------------

    def action_open_documents(self):
        """The deals won, or the invoices, behind the actual figures; users
        who do not read invoices get the deals of those invoices."""
        deals = self.env["crm.lite.deal"]
        won = self.filtered(lambda r: r.basis == "won" and not r.product_categ_id)
        if won:
            deals = deals.browse(won._won_deal_ids())
        others = self - won
        if not others:
            return self._action_open_deals(deals, self.env._("Deals Won"))
        # sudo: the invoices are only looked up to be shown with the user's
        # own rights (or, without accounting rights, to find their deals).
        moves = self.env["account.move"].sudo().browse(others.sudo()._move_ids())
        if not won and self.env["account.move"].has_access("read"):
            return self._action_open_moves(moves.with_env(self.env))
        deals |= moves.deal_id.with_env(self.env)
        return self._action_open_deals(deals)

    def _won_deal_ids(self):
        """The deals won in the targets' scopes and periods (one query)."""
        if not self:
            return []
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT w.deal_id FROM (%(won)s) w
                  JOIN crm_lite_target t
                    ON w.company_id = t.company_id
                   AND w.date >= t.date_from::timestamp
                   AND w.date < (t.date_to + 1)::timestamp
                   AND (t.user_id IS NULL OR w.salesperson_id = t.user_id)
                   AND (t.pipeline_id IS NULL OR w.pipeline_id = t.pipeline_id)
                 WHERE t.id = ANY(%(targets)s)
                """,
                won=won_entries_query(),
                targets=self.ids,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _move_ids(self):
        """Posted customer invoices and credit notes in the targets' scopes,
        dated in their periods (``invoiced``) or paid in them (``paid``)."""
        ids = set()
        for target in self:
            domain = [
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("company_id", "=", target.company_id.id),
            ]
            if target.user_id:
                domain.append(("invoice_user_id", "=", target.user_id.id))
            if target.pipeline_id:
                domain.append(("deal_id.pipeline_id", "=", target.pipeline_id.id))
            if target.product_categ_id:
                domain.append(
                    (
                        "invoice_line_ids.product_id.categ_id",
                        "child_of",
                        target.product_categ_id.id,
                    )
                )
            if target.basis == "won":
                domain.append(("deal_id", "in", target._won_deal_ids()))
            elif target.basis == "invoiced":
                domain += [
                    ("date", ">=", target.date_from),
                    ("date", "<=", target.date_to),
                ]
            else:
                domain += [
                    ("date", "<=", target.date_to),
                    "|",
                    (
                        "line_ids.matched_credit_ids",
                        "any",
                        [
                            ("max_date", ">=", target.date_from),
                            ("max_date", "<=", target.date_to),
                        ],
                    ),
                    (
                        "line_ids.matched_debit_ids",
                        "any",
                        [
                            ("max_date", ">=", target.date_from),
                            ("max_date", "<=", target.date_to),
                        ],
                    ),
                ]
            ids.update(self.env["account.move"].search(domain).ids)
        return list(ids)
