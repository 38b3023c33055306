from odoo import fields, models
from odoo.tools import SQL

from ..models.report_tools import MONEY_GROUPS, create_report_index

LEAKAGE_KINDS = [
    ("won_not_invoiced", "Won, Not Invoiced"),
    ("invoiced_unpaid", "Invoiced, Unpaid"),
    ("paid_without_deal", "Paid Without Deal"),
]


class CrmLiteReportLeakage(models.Model):
    """Money slipping through the cracks, one row per deal or invoice:

    - ``won_not_invoiced``: (active) won deals invoiced for less than their
      expected revenue; the amount is the part not invoiced (expected
      revenue minus the deal's invoiced amount, net of credit notes);
    - ``invoiced_unpaid``: posted invoices of deals that are not fully paid;
      the amount is the invoice's residual, with the days it is overdue;
    - ``paid_without_deal``: paid customer invoices of CRM customers (who
      have a deal in the invoice's company) that are linked to no deal.
    """

    _name = "crm.lite.report.leakage"
    _inherit = "crm.lite.report.mixin"
    _description = "Revenue Leakage Analysis"
    _auto = False
    _order = "amount desc, id"
    _rec_name = "kind"
    _report_time_dependent = True
    _depends = {
        "crm.lite.deal": [
            "active",
            "stage_kind",
            "amount",
            "amount_invoiced",
            "amount_due",
            "user_id",
            "company_id",
            "pipeline_id",
            "organization_id",
            "partner_id",
            "date_closed",
        ],
        "account.move": [
            "state",
            "move_type",
            "deal_id",
            "amount_residual_signed",
            "amount_total_signed",
            "payment_state",
            "invoice_date_due",
            "invoice_user_id",
            "commercial_partner_id",
            "company_id",
            "date",
        ],
        "res.partner": ["commercial_partner_id"],
    }

    kind = fields.Selection(LEAKAGE_KINDS, readonly=True)
    amount = fields.Monetary(
        groups=MONEY_GROUPS, currency_field="currency_id", readonly=True
    )
    deal_id = fields.Many2one("crm.lite.deal", readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    pipeline_id = fields.Many2one("crm.lite.pipeline", readonly=True)
    date = fields.Date(
        readonly=True,
        help="When the deal was won, the invoice is due, or the invoice's date.",
    )
    days_overdue = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days since the due date of an unpaid invoice (0 when not due yet).",
    )
    leak_count = fields.Integer("Count", readonly=True, aggregator="sum")

    def _report_query(self, today, now):
        return SQL(
            """
            SELECT d.id * 3 AS id,
                   'won_not_invoiced' AS kind,
                   d.amount - d.amount_invoiced AS amount,
                   d.id AS deal_id,
                   NULL::integer AS move_id,
                   COALESCE(d.organization_id, d.partner_id) AS partner_id,
                   d.user_id,
                   d.company_id,
                   d.pipeline_id,
                   d.date_closed::date AS date,
                   NULL::integer AS days_overdue,
                   1 AS leak_count
              FROM crm_lite_deal d
             WHERE d.active AND d.stage_kind = 'won'
               AND d.amount > d.amount_invoiced
             UNION ALL
            SELECT m.id * 3 + 1,
                   'invoiced_unpaid',
                   m.amount_residual_signed,
                   d.id,
                   m.id,
                   m.commercial_partner_id,
                   d.user_id,
                   m.company_id,
                   d.pipeline_id,
                   m.invoice_date_due,
                   GREATEST(%(today)s::date - m.invoice_date_due, 0),
                   1
              FROM account_move m
              JOIN crm_lite_deal d ON d.id = m.deal_id
             WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
               AND m.deal_id IS NOT NULL AND m.amount_residual_signed > 0
               AND d.amount_due > 0
             UNION ALL
            SELECT m.id * 3 + 2,
                   'paid_without_deal',
                   m.amount_total_signed,
                   NULL,
                   m.id,
                   m.commercial_partner_id,
                   m.invoice_user_id,
                   m.company_id,
                   NULL,
                   m.date,
                   NULL,
                   1
              FROM account_move m
             WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
               AND m.deal_id IS NULL
               AND m.payment_state IN ('paid', 'in_payment')
               AND (EXISTS (
                        SELECT 1 FROM crm_lite_deal d
                         WHERE d.organization_id = m.commercial_partner_id
                           AND d.company_id = m.company_id)
                    OR EXISTS (
                        SELECT 1 FROM crm_lite_deal d
                          JOIN res_partner p ON p.id = d.partner_id
                         WHERE p.commercial_partner_id = m.commercial_partner_id
                           AND d.company_id = m.company_id))
            """,
            today=today,
        )

    def init(self):
        cr = self.env.cr
        create_report_index(
            cr,
            "crm_reports_deal_won_uninvoiced_idx",
            "crm_lite_deal",
            ["company_id"],
            include=["amount", "amount_invoiced", "user_id", "pipeline_id"],
            where="active AND stage_kind = 'won' AND amount > amount_invoiced",
        )
        create_report_index(
            cr,
            "crm_reports_move_deal_unpaid_idx",
            "account_move",
            ["deal_id"],
            include=["amount_residual_signed", "invoice_date_due", "company_id"],
            where="state = 'posted' AND move_type = 'out_invoice' "
            "AND deal_id IS NOT NULL AND amount_residual_signed > 0",
        )
        create_report_index(
            cr,
            "crm_reports_move_paid_no_deal_idx",
            "account_move",
            ["commercial_partner_id", "company_id"],
            include=["amount_total_signed", "invoice_user_id", "date"],
            where="state = 'posted' AND move_type = 'out_invoice' "
            "AND deal_id IS NULL AND payment_state IN ('paid', 'in_payment')",
        )
        return super().init()

    def action_open_documents(self):
        moves = self.move_id
        deals = self.deal_id
        if moves and not deals and self.env["account.move"].has_access("read"):
            return self._action_open_moves(moves)
        if deals:
            return self._action_open_deals(deals)
        return self._action_open_moves(moves)
