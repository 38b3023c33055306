from odoo import fields, models
from odoo.tools import SQL

from ..models.report_tools import (
    MONEY_GROUPS,
    create_report_index,
    reconciled_query,
    won_entries_query,
)


class CrmLiteReportCampaign(models.Model):
    """Campaign results per campaign, company and month, each figure in the
    month it happened: costs by cost date, deals by creation, won deals by
    the day they were won, invoiced revenue by invoice date, paid revenue by
    payment date.

    Paid revenue is the rule of ``account.move._crm_get_paid_amounts``
    (grouped by deal) evaluated at the end of each month, month by month:
    added up over the months, every figure is the campaign form's
    (crm_lite), all deals included, archived ones too.
    """

    _name = "crm.lite.report.campaign"
    _inherit = "crm.lite.report.mixin"
    _description = "Campaign Results by Month"
    _auto = False
    _order = "month desc, campaign_id"
    _rec_name = "campaign_id"
    _report_precompute = True
    _report_ratios = {
        "roi": ("profit", "cost", 1.0),
        "cost_per_deal": ("cost", "deal_count", 1.0),
        "cost_per_won": ("cost", "won_count", 1.0),
    }
    _depends = {
        "utm.campaign": ["user_id"],
        "crm.lite.campaign.cost": ["campaign_id", "company_id", "date", "amount"],
        "crm.lite.deal": ["campaign_id", "company_id", "create_date", "stage_kind"],
        "crm.lite.stage.history": [
            "deal_id",
            "stage_kind",
            "date",
            "company_id",
            "flow_date_left",
        ],
        "account.move": [
            "state",
            "move_type",
            "date",
            "deal_id",
            "company_id",
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

    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    user_id = fields.Many2one(
        "res.users", "Responsible", readonly=True, help="Who runs the campaign."
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(readonly=True)
    cost = fields.Monetary(
        currency_field="currency_id", readonly=True, groups=MONEY_GROUPS
    )
    deal_count = fields.Integer("Deals", readonly=True, aggregator="sum")
    won_count = fields.Integer("Won Deals", readonly=True, aggregator="sum")
    revenue_invoiced = fields.Monetary(
        currency_field="currency_id", readonly=True, groups=MONEY_GROUPS
    )
    revenue_paid = fields.Monetary(
        currency_field="currency_id", readonly=True, groups=MONEY_GROUPS
    )
    profit = fields.Monetary(
        "Paid minus Costs",
        currency_field="currency_id",
        readonly=True,
        groups=MONEY_GROUPS,
    )
    roi = fields.Float(
        "ROI",
        readonly=True,
        aggregator="sum",
        digits=(16, 2),
        help="(Paid revenue - costs) / costs: 0.5 means the campaign earned its "
        "costs back plus 50%. Zero when there is no cost.",
    )
    cost_per_deal = fields.Monetary(
        "Cost per Lead",
        currency_field="currency_id",
        readonly=True,
        aggregator="sum",
        groups=MONEY_GROUPS,
    )
    cost_per_won = fields.Monetary(
        "Cost per Won Deal",
        currency_field="currency_id",
        readonly=True,
        aggregator="sum",
        groups=MONEY_GROUPS,
    )

    figures_as_of = fields.Datetime(
        readonly=True,
        aggregator="max",
        help="When these figures were computed: on large databases they are "
        "refreshed every hour (Settings > CRM Reports).",
    )

    def _report_query(self, today, now):
        return SQL(
            """
            WITH campaign_deals AS (
                SELECT d.id, d.campaign_id, d.company_id, d.create_date
                  FROM crm_lite_deal d
                 WHERE d.campaign_id IS NOT NULL
            ), moves AS (
                SELECT m.id, m.deal_id, d.campaign_id, m.company_id, m.move_type,
                       m.amount_total_signed, m.date
                  FROM account_move m
                  JOIN campaign_deals d ON d.id = m.deal_id
                 WHERE m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
            ), reconciled AS (%(reconciled)s
            ), deal_months AS (
                SELECT deal_id, campaign_id, company_id, month,
                       SUM(invoiced) AS invoiced, SUM(reconciled) AS reconciled
                  FROM (
                        SELECT m.deal_id, m.campaign_id, m.company_id,
                               date_trunc('month', m.date)::date AS month,
                               m.amount_total_signed AS invoiced, 0 AS reconciled
                          FROM moves m
                         UNION ALL
                        SELECT m.deal_id, m.campaign_id, m.company_id,
                               date_trunc('month', r.max_date)::date,
                               0,
                               CASE WHEN m.move_type = 'out_invoice'
                                    THEN r.amount ELSE -r.amount END
                          FROM reconciled r
                          JOIN moves m ON m.id = r.move_id
                       ) events
              GROUP BY deal_id, campaign_id, company_id, month
            ), deal_cumulative AS (
                SELECT deal_id, campaign_id, company_id, month, invoiced,
                       LEAST(SUM(reconciled) OVER deal_window,
                             SUM(invoiced) OVER deal_window) AS paid_to_date
                  FROM deal_months
                WINDOW deal_window AS (PARTITION BY deal_id ORDER BY month)
            ), figures AS (
                SELECT campaign_id, company_id, month,
                       0 AS cost, 0 AS deal_count, 0 AS won_count,
                       invoiced AS revenue_invoiced,
                       paid_to_date - COALESCE(LAG(paid_to_date) OVER (
                           PARTITION BY deal_id ORDER BY month), 0) AS revenue_paid
                  FROM deal_cumulative
                 UNION ALL
                SELECT c.campaign_id, c.company_id,
                       date_trunc('month', c.date)::date,
                       c.amount, 0, 0, 0, 0
                  FROM crm_lite_campaign_cost c
                 UNION ALL
                SELECT d.campaign_id, d.company_id,
                       date_trunc('month', d.create_date)::date,
                       0, 1, 0, 0, 0
                  FROM campaign_deals d
                 UNION ALL
                SELECT d.campaign_id, w.company_id,
                       date_trunc('month', w.date)::date,
                       0, 0, 1, 0, 0
                  FROM (%(won)s) w
                  JOIN campaign_deals d ON d.id = w.deal_id
            )
            SELECT (f.campaign_id::bigint * 10000000000
                    + f.company_id::bigint * 100000
                    + EXTRACT(YEAR FROM f.month)::bigint * 12
                    + EXTRACT(MONTH FROM f.month)::bigint) AS id,
                   f.campaign_id,
                   c.user_id,
                   f.company_id,
                   f.month,
                   SUM(f.cost) AS cost,
                   SUM(f.deal_count) AS deal_count,
                   SUM(f.won_count) AS won_count,
                   SUM(f.revenue_invoiced) AS revenue_invoiced,
                   SUM(f.revenue_paid) AS revenue_paid,
                   SUM(f.revenue_paid) - SUM(f.cost) AS profit,
                   COALESCE((SUM(f.revenue_paid) - SUM(f.cost))
                            / NULLIF(SUM(f.cost), 0), 0) AS roi,
                   COALESCE(SUM(f.cost) / NULLIF(SUM(f.deal_count), 0), 0)
                       AS cost_per_deal,
                   COALESCE(SUM(f.cost) / NULLIF(SUM(f.won_count), 0), 0)
                       AS cost_per_won,
                   date_trunc('second', %(now)s::timestamp) AS figures_as_of
              FROM figures f
              JOIN utm_campaign c ON c.id = f.campaign_id
          GROUP BY f.campaign_id, c.user_id, f.company_id, f.month
            """,
            reconciled=reconciled_query(SQL("SELECT id FROM moves")),
            won=won_entries_query(),
            now=now,
        )

    def init(self):
        # A campaign's deals, and the posted invoices of a deal.
        create_report_index(
            self.env.cr,
            "crm_reports_deal_campaign_idx",
            "crm_lite_deal",
            ["campaign_id"],
            include=["company_id", "create_date"],
            where="campaign_id IS NOT NULL",
        )
        create_report_index(
            self.env.cr,
            "crm_reports_move_deal_posted_idx",
            "account_move",
            ["deal_id"],
            include=["company_id", "move_type", "date", "amount_total_signed"],
            where="deal_id IS NOT NULL AND state = 'posted' "
            "AND move_type IN ('out_invoice', 'out_refund')",
        )
        return super().init()

    def action_open_documents(self):
        deals = (
            self.env["crm.lite.deal"]
            .with_context(active_test=False)
            .search(
                [
                    ("campaign_id", "in", self.campaign_id.ids),
                    ("company_id", "in", self.company_id.ids),
                ]
            )
        )
        return self._action_open_deals(deals, self.env._("Campaign Deals"))
