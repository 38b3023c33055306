from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.crm_lite.models.crm_lite_stage import STAGE_KINDS

from ..models.report_tools import MONEY_GROUPS, create_report_index


class CrmLiteReportFunnel(models.Model):
    """One row per stage entry of a deal, archived deals included, with what
    happened next: the funnel (entries, conversion to the next stage, win
    rate) and the time spent in each stage, for any period of entry."""

    _name = "crm.lite.report.funnel"
    _inherit = "crm.lite.report.mixin"
    _description = "Funnel and Time in Stage Analysis"
    _auto = False
    _order = "date_entered desc, id desc"
    _rec_name = "deal_id"
    _report_time_dependent = True
    _report_ratios = {
        "conversion_rate": ("moved_forward", "entry_count", 100.0),
        "win_rate": ("won_later", "entry_count", 100.0),
        "loss_rate": ("lost_here", "entry_count", 100.0),
    }
    _depends = {
        "crm.lite.stage.history": [
            "deal_id",
            "pipeline_id",
            "stage_id",
            "stage_kind",
            "salesperson_id",
            "company_id",
            "date",
            "flow_date_left",
            "flow_next_stage_id",
            "flow_next_kind",
        ],
        "crm.lite.deal": [
            "user_id",
            "stage_kind",
            "campaign_id",
            "organization_id",
            "partner_id",
            "amount",
        ],
        "crm.lite.stage": ["sequence", "kind"],
    }

    deal_id = fields.Many2one("crm.lite.deal", readonly=True)
    pipeline_id = fields.Many2one("crm.lite.pipeline", readonly=True)
    stage_id = fields.Many2one("crm.lite.stage", readonly=True)
    stage_kind = fields.Selection(STAGE_KINDS, "Stage Status", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        readonly=True,
        help="Salesperson of the deal: the report follows who may see the deal.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        "Expected Revenue",
        currency_field="currency_id",
        readonly=True,
        help="The deal's expected revenue now.",
        groups=MONEY_GROUPS,
    )
    date_entered = fields.Datetime("Entered On", readonly=True)
    date_left = fields.Datetime(
        "Left On", readonly=True, help="Empty while the deal is still in the stage."
    )
    days_in_stage = fields.Float(
        "Days in Stage",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Until the deal left the stage, or until now for an open stage it "
        "is still in (empty for a won or lost stage it is still in).",
    )
    next_stage_id = fields.Many2one("crm.lite.stage", readonly=True)
    entry_count = fields.Integer("Entries", readonly=True, aggregator="sum")
    moved_forward = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the next stage comes later in the pipeline and is open or won.",
    )
    won_later = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the deal ends up won: it is won now (entries of a deal "
        "won, then reopened and lost, do not count).",
    )
    lost_here = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the deal was lost from this stage.",
    )
    conversion_rate = fields.Float(
        "Conversion (%)",
        readonly=True,
        aggregator="sum",
        digits=(16, 1),
        help="Moved forward / entries.",
    )
    win_rate = fields.Float(
        "Win Rate (%)",
        readonly=True,
        aggregator="sum",
        digits=(16, 1),
        help="Won later / entries.",
    )
    loss_rate = fields.Float(
        "Lost Here (%)",
        readonly=True,
        aggregator="sum",
        digits=(16, 1),
        help="Lost here / entries.",
    )

    def _report_query(self, today, now):
        return SQL(
            """
            SELECT h.id,
                   h.deal_id,
                   h.pipeline_id,
                   h.stage_id,
                   h.stage_kind,
                   d.user_id,
                   h.company_id,
                   d.campaign_id,
                   COALESCE(d.organization_id, d.partner_id) AS partner_id,
                   d.amount,
                   h.date AS date_entered,
                   h.flow_date_left AS date_left,
                   CASE
                       WHEN h.flow_date_left IS NOT NULL
                       THEN EXTRACT(EPOCH FROM h.flow_date_left - h.date) / 86400.0
                       WHEN h.stage_kind = 'open'
                       THEN EXTRACT(EPOCH FROM %(now)s - h.date) / 86400.0
                   END AS days_in_stage,
                   h.flow_next_stage_id AS next_stage_id,
                   1 AS entry_count,
                   CASE WHEN h.flow_next_kind IN ('open', 'won')
                         AND (next_stage.sequence, next_stage.id)
                             > (stage.sequence, stage.id)
                        THEN 1 ELSE 0 END AS moved_forward,
                   CASE WHEN d.stage_kind = 'won' THEN 1 ELSE 0 END AS won_later,
                   CASE WHEN h.flow_next_kind = 'lost' THEN 1 ELSE 0 END AS lost_here,
                   CASE WHEN h.flow_next_kind IN ('open', 'won')
                         AND (next_stage.sequence, next_stage.id)
                             > (stage.sequence, stage.id)
                        THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   CASE WHEN d.stage_kind = 'won' THEN 100.0 ELSE 0.0 END AS win_rate,
                   CASE WHEN h.flow_next_kind = 'lost'
                        THEN 100.0 ELSE 0.0 END AS loss_rate
              FROM crm_lite_stage_history h
         LEFT JOIN crm_lite_deal d ON d.id = h.deal_id
         LEFT JOIN crm_lite_stage stage ON stage.id = h.stage_id
         LEFT JOIN crm_lite_stage next_stage ON next_stage.id = h.flow_next_stage_id
            """,
            now=now,
        )

    def init(self):
        # Funnels of a period filter the entries by date: the pipeline and
        # date index of crm_lite answers per pipeline, this one per company.
        create_report_index(
            self.env.cr,
            "crm_reports_history_company_date_idx",
            "crm_lite_stage_history",
            ["company_id", "date"],
        )
        return super().init()

    def action_open_documents(self):
        return self._action_open_deals(self.deal_id)
