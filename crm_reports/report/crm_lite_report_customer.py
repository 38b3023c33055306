from odoo import fields, models
from odoo.tools import SQL

from ..models.report_tools import (
    ABC_CLASSES,
    MONEY_GROUPS,
    RFM_SEGMENTS,
    create_report_index,
    reconciled_query,
)

# Cumulative revenue shares (percent) closing the A and B classes.
ABC_A_SHARE = 80
ABC_B_SHARE = 95


class CrmLiteReportCustomer(models.Model):
    """Customers (commercial partners with posted customer invoices) per
    company, with what they paid lately and their ABC class and RFM scores.

    - ``revenue``: paid over the company's last ``crm_reports_window_months``
      months, by payment date: ``paid(today) - paid(day before the window)``,
      paid being the rule of ``account.move._crm_get_paid_amounts`` grouped by
      customer;
    - ``abc_class``: customers ranked by revenue; A while the customers ranked
      above make less than 80 % of the company's revenue, B below 95 %, C for
      the rest and for customers without revenue; equal revenues share a class;
    - ``recency_days``: days since the last paid invoice (empty: none paid);
      ``frequency``: invoices fully paid in the window;
    - ``r_score``, ``f_score``, ``m_score`` (1-5): quintile of the customer's
      recency, frequency and revenue among the company's customers, 5 the best
      (``1 + floor(5 * (rank - 1) / customers)``, ranked from the worst; equal
      values share the lower score; never paid is the worst recency);
    - ``rfm_segment`` from R and F: champions (R, F >= 4), loyal (R, F >= 3),
      potential (R >= 3, F <= 2), at risk (R <= 2, F >= 3), hibernating (R = 2,
      F <= 2), lost (R = 1, F <= 2).

    Extension point: ``_customer_extra_columns`` and ``_customer_extra_joins``
    add columns (e.g. loyalty figures) to the report's rows.
    """

    _name = "crm.lite.report.customer"
    _inherit = "crm.lite.report.mixin"
    _description = "Customer Value Analysis (ABC / RFM)"
    _auto = False
    _order = "revenue desc, partner_id"
    _rec_name = "partner_id"
    _report_time_dependent = True
    _report_precompute = True
    _depends = {
        "res.company": ["crm_reports_window_months"],
        "res.partner": ["user_id"],
        "account.move": [
            "state",
            "move_type",
            "date",
            "commercial_partner_id",
            "company_id",
            "invoice_user_id",
            "amount_total_signed",
        ],
        "account.move.line": ["move_id", "display_type"],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "max_date",
        ],
    }

    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        readonly=True,
        help="The customer's salesperson, else the salesperson of its latest invoice.",
    )
    revenue = fields.Monetary(
        groups=MONEY_GROUPS,
        currency_field="currency_id",
        readonly=True,
        help="Paid by the customer over the company's revenue window.",
    )
    revenue_share = fields.Float(
        "Revenue Share (%)",
        readonly=True,
        aggregator="sum",
        digits=(16, 2),
    )
    abc_class = fields.Selection(ABC_CLASSES, "ABC Class", readonly=True)
    last_paid_date = fields.Date("Last Paid Invoice", readonly=True)
    recency_days = fields.Integer(
        "Recency (Days)",
        readonly=True,
        aggregator="avg",
        help="Days since the last paid invoice.",
    )
    frequency = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="Invoices fully paid in the revenue window.",
    )
    r_score = fields.Integer(readonly=True, aggregator="avg")
    f_score = fields.Integer(readonly=True, aggregator="avg")
    m_score = fields.Integer(readonly=True, aggregator="avg")
    rfm_code = fields.Char("RFM", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, "RFM Segment", readonly=True)
    customer_count = fields.Integer("Customers", readonly=True, aggregator="sum")
    figures_as_of = fields.Datetime(
        readonly=True,
        aggregator="max",
        help="When these figures were computed: on large databases they are "
        "refreshed every hour (Settings > CRM Reports).",
    )

    # ------------------------------------------------------------
    # EXTENSION POINTS
    # ------------------------------------------------------------

    def _customer_extra_columns(self, today):
        """Extra columns of the report's rows, as an SQL list of
        ``expression AS column`` (each preceded by a comma); the fields must
        be declared on the model. Available aliases: ``customer``
        (``partner_id``, ``company_id``, ``revenue``...) and ``partner``
        (``res_partner``), plus those of ``_customer_extra_joins``.

        :param today: ``date`` or SQL expression of the report's day
        """
        return SQL()

    def _customer_extra_joins(self, today):
        """Extra ``LEFT JOIN``\\ s of the report's final ``SELECT`` (see
        ``_customer_extra_columns``). Besides the tables, they may read two
        row sets of the report's query, so as not to read accounting twice:
        ``moves`` (the posted customer invoices and credit notes dated up to
        ``today``: ``id``, ``partner_id`` the commercial partner,
        ``company_id``, ``move_type``, ``total`` the ``amount_total_signed``,
        ``date``) and ``reconciled`` (the partial reconciliations of their
        receivable lines, of any date: ``move_id``, ``amount``, ``max_date``).
        """
        return SQL()

    # ------------------------------------------------------------
    # QUERY
    # ------------------------------------------------------------

    def _report_query(self, today, now):
        return SQL(
            """
            WITH windows AS (
                SELECT c.id AS company_id,
                       (%(today)s::date - make_interval(
                           months => COALESCE(c.crm_reports_window_months, 12)
                       ))::date AS start
                  FROM res_company c
            ), moves AS (
                SELECT m.id, m.commercial_partner_id AS partner_id, m.company_id,
                       m.move_type, m.amount_total_signed AS total, m.date,
                       m.invoice_user_id, w.start
                  FROM account_move m
                  JOIN windows w ON w.company_id = m.company_id
                 WHERE m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.commercial_partner_id IS NOT NULL
                   AND m.date <= %(today)s
            ), reconciled AS (%(reconciled)s
            ), move_figures AS (
                SELECT m.id, m.partner_id, m.company_id, m.move_type, m.total,
                       m.date, m.start, m.invoice_user_id,
                       COALESCE(SUM(r.amount), 0) AS reconciled_now,
                       COALESCE(SUM(r.amount) FILTER (WHERE r.max_date < m.start), 0)
                           AS reconciled_before,
                       MAX(r.max_date) AS last_date
                  FROM moves m
             LEFT JOIN reconciled r
                    ON r.move_id = m.id AND r.max_date <= %(today)s
              GROUP BY m.id, m.partner_id, m.company_id, m.move_type, m.total,
                       m.date, m.start, m.invoice_user_id
            ), customer_figures AS (
                SELECT partner_id, company_id,
                       SUM(total) AS invoiced_now,
                       COALESCE(SUM(total) FILTER (WHERE date < start), 0)
                           AS invoiced_before,
                       SUM(CASE WHEN move_type = 'out_invoice' THEN reconciled_now
                                ELSE -reconciled_now END) AS reconciled_now,
                       SUM(CASE WHEN move_type = 'out_invoice' THEN reconciled_before
                                ELSE -reconciled_before END) AS reconciled_before,
                       MAX(last_date) FILTER (
                           WHERE move_type = 'out_invoice' AND reconciled_now >= total
                       ) AS last_paid_date,
                       COUNT(*) FILTER (
                           WHERE move_type = 'out_invoice' AND reconciled_now >= total
                             AND NOT reconciled_before >= total
                       ) AS frequency,
                       (ARRAY_AGG(invoice_user_id ORDER BY date DESC, id DESC)
                           FILTER (WHERE invoice_user_id IS NOT NULL))[1]
                           AS last_user_id
                  FROM move_figures
              GROUP BY partner_id, company_id
            ), customers AS (
                SELECT partner_id, company_id, last_user_id, last_paid_date,
                       frequency,
                       LEAST(reconciled_now, invoiced_now)
                       - LEAST(reconciled_before, invoiced_before) AS revenue,
                       %(today)s::date - last_paid_date AS recency_days
                  FROM customer_figures
            ), ranked AS (
                SELECT customers.*,
                       GREATEST(revenue, 0) AS positive_revenue,
                       SUM(GREATEST(revenue, 0)) OVER company AS total_revenue,
                       SUM(GREATEST(revenue, 0)) OVER (
                           PARTITION BY company_id ORDER BY GREATEST(revenue, 0) DESC)
                       - SUM(GREATEST(revenue, 0)) OVER (
                           PARTITION BY company_id, GREATEST(revenue, 0))
                           AS revenue_above,
                       COUNT(*) OVER company AS customer_total,
                       RANK() OVER (PARTITION BY company_id
                                    ORDER BY recency_days DESC NULLS FIRST) AS r_rank,
                       RANK() OVER (PARTITION BY company_id ORDER BY frequency)
                           AS f_rank,
                       RANK() OVER (PARTITION BY company_id ORDER BY revenue)
                           AS m_rank
                  FROM customers
                WINDOW company AS (PARTITION BY company_id)
            ), scored AS (
                SELECT ranked.*,
                       1 + FLOOR(5.0 * (r_rank - 1) / customer_total)::integer
                           AS r_score,
                       1 + FLOOR(5.0 * (f_rank - 1) / customer_total)::integer
                           AS f_score,
                       1 + FLOOR(5.0 * (m_rank - 1) / customer_total)::integer
                           AS m_score
                  FROM ranked
            )
            SELECT customer.partner_id::bigint * 100000 + customer.company_id AS id,
                   customer.partner_id,
                   customer.company_id,
                   COALESCE(partner.user_id, customer.last_user_id) AS user_id,
                   customer.revenue,
                   COALESCE(100.0 * customer.revenue
                            / NULLIF(customer.total_revenue, 0), 0) AS revenue_share,
                   CASE WHEN customer.revenue <= 0 THEN 'C'
                        WHEN 100 * customer.revenue_above
                             < %(a_share)s * customer.total_revenue THEN 'A'
                        WHEN 100 * customer.revenue_above
                             < %(b_share)s * customer.total_revenue THEN 'B'
                        ELSE 'C' END AS abc_class,
                   customer.last_paid_date,
                   customer.recency_days,
                   customer.frequency,
                   customer.r_score,
                   customer.f_score,
                   customer.m_score,
                   customer.r_score::text || customer.f_score::text
                   || customer.m_score::text AS rfm_code,
                   CASE WHEN customer.r_score >= 4 AND customer.f_score >= 4
                            THEN 'champions'
                        WHEN customer.r_score >= 3 AND customer.f_score >= 3
                            THEN 'loyal'
                        WHEN customer.r_score >= 3 THEN 'potential'
                        WHEN customer.f_score >= 3 THEN 'at_risk'
                        WHEN customer.r_score = 2 THEN 'hibernating'
                        ELSE 'lost' END AS rfm_segment,
                   1 AS customer_count,
                   date_trunc('second', %(now)s::timestamp)
                       AS figures_as_of%(extra_columns)s
              FROM scored customer
              JOIN res_partner partner ON partner.id = customer.partner_id
              %(extra_joins)s
            """,
            today=today,
            now=now,
            reconciled=reconciled_query(SQL("SELECT id FROM moves")),
            a_share=ABC_A_SHARE,
            b_share=ABC_B_SHARE,
            extra_columns=self._customer_extra_columns(today),
            extra_joins=self._customer_extra_joins(today),
        )

    def init(self):
        # All posted customer moves per customer: index-only.
        create_report_index(
            self.env.cr,
            "crm_reports_move_customer_partner_idx",
            "account_move",
            ["commercial_partner_id", "company_id"],
            include=["move_type", "date", "invoice_user_id", "amount_total_signed"],
            where="state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
        )
        return super().init()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_documents(self):
        """The customers' posted invoices, or their deals for users who do
        not read invoices."""
        partners = self.partner_id
        if self.env["account.move"].has_access("read"):
            moves = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ]
            )
            return self._action_open_moves(moves)
        deals = self.env["crm.lite.deal"].search(
            [
                ("company_id", "in", self.company_id.ids),
                "|",
                ("organization_id", "in", partners.ids),
                ("partner_id", "child_of", partners.ids),
            ]
        )
        return self._action_open_deals(deals)

    def action_create_segment(self):
        """Turn the selected customers into a crm_lite segment."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create Segment"),
            "res_model": "crm.reports.segment.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_ids": self.ids,
                "default_source": "customers" if self else "abc",
            },
        }
