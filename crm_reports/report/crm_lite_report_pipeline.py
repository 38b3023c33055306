from odoo import fields, models
from odoo.tools import SQL

from ..models.report_tools import MONEY_GROUPS, create_report_index


class CrmLiteReportPipeline(models.Model):
    """The open pipeline now: one row per open (active) deal."""

    _name = "crm.lite.report.pipeline"
    _inherit = "crm.lite.report.mixin"
    _description = "Open Pipeline Analysis"
    _auto = False
    _order = "pipeline_id, stage_id, id"
    _rec_name = "deal_id"
    _depends = {
        "crm.lite.deal": [
            "active",
            "stage_kind",
            "pipeline_id",
            "stage_id",
            "user_id",
            "company_id",
            "campaign_id",
            "organization_id",
            "partner_id",
            "date_deadline",
            "amount",
            "weighted_amount",
            "is_rotting",
            "priority",
        ],
    }

    deal_id = fields.Many2one("crm.lite.deal", readonly=True)
    pipeline_id = fields.Many2one("crm.lite.pipeline", readonly=True)
    stage_id = fields.Many2one("crm.lite.stage", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    date_deadline = fields.Date("Expected Closing", readonly=True)
    date_created = fields.Date("Created On", readonly=True)
    priority = fields.Selection(
        [("0", "Normal"), ("1", "Good"), ("2", "Very Good"), ("3", "Excellent")],
        readonly=True,
    )
    deal_count = fields.Integer("Deals", readonly=True, aggregator="sum")
    amount = fields.Monetary(
        "Expected Revenue",
        currency_field="currency_id",
        readonly=True,
        groups=MONEY_GROUPS,
    )
    weighted_amount = fields.Monetary(
        "Weighted Revenue",
        currency_field="currency_id",
        readonly=True,
        groups=MONEY_GROUPS,
    )
    rotting_count = fields.Integer("Rotting Deals", readonly=True, aggregator="sum")

    def _report_query(self, today, now):
        return SQL(
            """
            SELECT d.id,
                   d.id AS deal_id,
                   d.pipeline_id,
                   d.stage_id,
                   d.user_id,
                   d.company_id,
                   d.campaign_id,
                   COALESCE(d.organization_id, d.partner_id) AS partner_id,
                   d.date_deadline,
                   d.create_date::date AS date_created,
                   d.priority,
                   1 AS deal_count,
                   d.amount,
                   d.weighted_amount,
                   CASE WHEN d.is_rotting THEN 1 ELSE 0 END AS rotting_count
              FROM crm_lite_deal d
             WHERE d.active AND d.stage_kind = 'open'
            """
        )

    def init(self):
        # The default view groups the open deals by stage: an index-only scan
        # of the open deals answers it, whatever the size of the history.
        create_report_index(
            self.env.cr,
            "crm_reports_deal_open_idx",
            "crm_lite_deal",
            ["stage_id"],
            include=[
                "pipeline_id",
                "user_id",
                "company_id",
                "amount",
                "weighted_amount",
                "is_rotting",
            ],
            where="active AND stage_kind = 'open'",
        )
        return super().init()

    def action_open_documents(self):
        return self._action_open_deals(self.deal_id, self.env._("Open Deals"))
