from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_lite_stage import STAGE_KINDS


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    deal_id = fields.Many2one(
        "crm.lite.deal",
        index="btree_not_null",
        ondelete="set null",
        help="The deal this meeting is about.",
    )
    deal_readable = fields.Boolean(
        compute="_compute_deal_stage_kind",
        help="Whether you can open the meeting's deal.",
    )
    deal_stage_kind = fields.Selection(
        STAGE_KINDS,
        string="Deal Status",
        compute="_compute_deal_stage_kind",
        search="_search_deal_stage_kind",
        help="Status of the meeting's deal, for the deals you can see.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends_context("uid")
    @api.depends("deal_id.stage_kind")
    def _compute_deal_stage_kind(self):
        # Attendees of a meeting may not see its deal (a colleague's): they
        # get no status rather than an access error on the whole meeting.
        readable = self.deal_id._filtered_access("read")
        for event in self:
            deal = event.deal_id
            event.deal_readable = bool(deal) and deal in readable
            event.deal_stage_kind = deal.stage_kind if event.deal_readable else False

    def _search_deal_stage_kind(self, operator, value):
        return [("deal_id.stage_kind", operator, value)]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_calendar_event(self):
        """The meeting's document button: a deal the user may not read (a
        colleague's) gets a clear message instead of an access error page."""
        self.ensure_one()
        if self.res_model == "crm.lite.deal" and self.res_id:
            deal = self.env["crm.lite.deal"].browse(self.res_id).exists()
            if not deal or not deal.has_access("read"):
                raise UserError(
                    self.env._(
                        "This meeting is about a deal you cannot open: ask its "
                        "salesperson, %(user)s.",
                        user=deal.sudo().user_id.name or self.user_id.name or "-",
                    )
                )
        return super().action_open_calendar_event()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

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
        events = super().create(vals_list)
        events.deal_id._check_linkable()
        return events

    def write(self, vals):
        result = super().write(vals)
        if vals.get("deal_id"):
            self.deal_id._check_linkable()
        return result
