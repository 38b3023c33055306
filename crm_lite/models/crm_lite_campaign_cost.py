from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input


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

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"description": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"description": NAME_MAX_LENGTH})
        result = super().write(vals)
        if "company_id" in vals:
            check_companies_allowed(self)
        return result

    # ------------------------------------------------------------
    # COMPUTES AND CONSTRAINTS
    # ------------------------------------------------------------

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

    @api.constrains("move_id", "amount")
    def _check_move(self):
        for cost in self.filtered("move_id"):
            move = cost.move_id
            if move.move_type not in ("in_invoice", "in_refund"):
                raise ValidationError(
                    self.env._("A campaign cost can only come from a vendor bill.")
                )
            bill_amount = -move.amount_untaxed_signed if move.state == "posted" else 0.0
            if cost.currency_id.compare_amounts(cost.amount, bill_amount):
                raise ValidationError(
                    self.env._(
                        "A cost taken from a vendor bill is the bill's untaxed "
                        "amount; remove the bill to type an amount in."
                    )
                )
