from odoo import api, fields, models
from odoo.tools import is_html_empty


class CrmLiteDealLost(models.TransientModel):
    """Ask why deals were lost, then close them in their pipeline's lost stage."""

    _name = "crm.lite.deal.lost"
    _description = "Mark Deals as Lost"

    deal_ids = fields.Many2many(
        "crm.lite.deal",
        string="Deals",
        default=lambda self: self.env.context.get("active_ids"),
    )
    lost_reason_id = fields.Many2one("crm.lite.lost.reason", required=True)
    stage_id = fields.Many2one(
        "crm.lite.stage",
        "Lost Stage",
        domain="[('kind', '=', 'lost')]",
        help="The lost stage the deals go to (the one they were dropped on); "
        "by default their pipeline's first lost stage.",
    )
    note = fields.Html("Closing Note")

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.deal_ids._check_linkable()
        return wizards

    def action_mark_lost(self):
        self.ensure_one()
        self.deal_ids.action_set_lost(self.lost_reason_id.id, self.stage_id.id)
        if not is_html_empty(self.note):
            for deal in self.deal_ids:
                deal.message_post(body=self.note)
        return {"type": "ir.actions.act_window_close"}
