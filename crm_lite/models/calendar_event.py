from odoo import api, fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    deal_id = fields.Many2one(
        "crm.lite.deal",
        index="btree_not_null",
        ondelete="set null",
        help="The deal this meeting is about.",
    )
    deal_stage_kind = fields.Selection(
        related="deal_id.stage_kind", string="Deal Status"
    )

    @api.model
    def default_get(self, fields_list):
        # A meeting planned from a deal's chatter or button is linked to it.
        if self.env.context.get("default_res_model") == "crm.lite.deal":
            res_id = self.env.context.get("default_res_id")
            if res_id and "default_deal_id" not in self.env.context:
                self = self.with_context(default_deal_id=res_id)
        return super().default_get(fields_list)

    @api.model_create_multi
    def create(self, vals_list):
        # A meeting about a deal is attached to it like any document meeting.
        deal_model_id = self.env["ir.model"]._get_id("crm.lite.deal")
        for vals in vals_list:
            if vals.get("deal_id") and not vals.get("res_id"):
                vals.update({"res_model_id": deal_model_id, "res_id": vals["deal_id"]})
        return super().create(vals_list)
