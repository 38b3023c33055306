from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLiteCampaignCost(models.Model):
    """What a campaign cost: typed in, or read from a vendor bill."""

    _name = "crm.lite.campaign.cost"
    _description = "Campaign Cost"
    _order = "date desc, id desc"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "utm.campaign", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    description = fields.Char(required=True)
    move_id = fields.Many2one(
        "account.move",
        "Vendor Bill",
        check_company=True,
        index="btree_not_null",
        domain="[('move_type', 'in', ('in_invoice', 'in_refund')), "
        "('state', '=', 'posted')]",
        help="Take the cost from this vendor bill (untaxed amount).",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        currency_field="currency_id",
    )

    @api.depends("move_id.amount_untaxed_signed", "move_id.state")
    def _compute_amount(self):
        for cost in self:
            if cost.move_id:
                # Vendor bills are signed negative in company currency; a bill
                # that is cancelled or back to draft costs nothing (yet).
                posted = cost.move_id.state == "posted"
                cost.amount = -cost.move_id.amount_untaxed_signed if posted else 0.0

    @api.constrains("amount")
    def _check_amount(self):
        for cost in self:
            if cost.amount < 0 and not cost.move_id:
                raise ValidationError(
                    self.env._(
                        "The cost %(cost)s of campaign %(campaign)s cannot be "
                        "negative.",
                        cost=cost.description,
                        campaign=cost.campaign_id.title,
                    )
                )

    @api.constrains("move_id")
    def _check_move(self):
        for cost in self.filtered("move_id"):
            if cost.move_id.move_type not in ("in_invoice", "in_refund"):
                raise ValidationError(
                    self.env._("A campaign cost can only come from a vendor bill.")
                )
