from odoo import fields, models
from odoo.tools import create_index

from .crm_lite_stage import STAGE_KINDS


class CrmLiteStageHistory(models.Model):
    """One row per stage change of a deal.

    Written by the ORM only (deal create, write, import); no user can edit
    or delete it, so funnel analytics can be rebuilt from it at any time.
    """

    _name = "crm.lite.stage.history"
    _description = "Deal Stage History"
    _order = "date desc, id desc"
    _rec_name = "deal_id"

    deal_id = fields.Many2one(
        "crm.lite.deal", required=True, index=True, ondelete="cascade", readonly=True
    )
    pipeline_id = fields.Many2one("crm.lite.pipeline", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    stage_from_id = fields.Many2one(
        "crm.lite.stage",
        "From Stage",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    stage_id = fields.Many2one(
        "crm.lite.stage", "To Stage", index=True, ondelete="set null", readonly=True
    )
    stage_kind = fields.Selection(STAGE_KINDS, readonly=True)
    user_id = fields.Many2one(
        "res.users", "Changed By", readonly=True, help="Who moved the deal."
    )
    salesperson_id = fields.Many2one(
        "res.users", readonly=True, help="Salesperson of the deal at that moment."
    )
    date = fields.Datetime(
        required=True, index=True, readonly=True, default=fields.Datetime.now
    )
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")

    def init(self):
        # Funnels and reports read a pipeline's moves over a period.
        create_index(
            self.env.cr,
            "crm_lite_stage_history_pipeline_date_index",
            self._table,
            ["pipeline_id", "date"],
        )
