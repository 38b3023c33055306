from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input


class CrmLiteCampaignCost(models.Model):
    """What a campaign cost: typed in, or read from a vendor bill (the whole
    bill, or one of its lines when a bill pays for several campaigns). A bill,
    or a line of it, counts once."""

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
    move_line_id = fields.Many2one(
        "account.move.line",
        "Bill Line",
        check_company=True,
        index="btree_not_null",
        domain="[('move_id', '=', move_id), ('display_type', '=', 'product')]",
        help="Only this line of the bill, when the bill pays for several campaigns.",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        currency_field="currency_id",
    )

    _sql_constraints = [
        (
            "move_line_uniq",
            "unique (move_line_id)",
            "A vendor bill line counts once as a campaign cost.",
        ),
    ]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"description": NAME_MAX_LENGTH})
        for vals in vals_list:
            if vals.get("move_id"):
                self._check_bill_free(vals["move_id"], vals.get("move_line_id"))
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"description": NAME_MAX_LENGTH})
        if {"move_id", "move_line_id"} & set(vals):
            for cost in self:
                move_id = vals.get("move_id", cost.move_id.id)
                if move_id:
                    self._check_bill_free(
                        move_id, vals.get("move_line_id", cost.move_line_id.id), cost
                    )
        result = super().write(vals)
        if "company_id" in vals:
            check_companies_allowed(self)
        return result

    # ------------------------------------------------------------
    # COMPUTES AND CONSTRAINTS
    # ------------------------------------------------------------

    @api.onchange("move_id")
    def _onchange_move_id(self):
        if self.move_line_id.move_id != self.move_id:
            self.move_line_id = False

    @api.depends(
        "move_id.amount_untaxed_signed",
        "move_id.state",
        "move_line_id.balance",
        "move_line_id.parent_state",
    )
    def _compute_amount(self):
        for cost in self:
            if cost.move_id:
                cost.amount = cost._get_bill_amount()

    def _get_bill_amount(self):
        """What the bill (or its line) costs, in company currency: a bill
        that is cancelled or back to draft costs nothing (yet)."""
        self.ensure_one()
        move = self.move_id
        if move.state != "posted":
            return 0.0
        if self.move_line_id:
            # Expense lines of a bill are debits, those of a refund credits.
            return self.move_line_id.balance
        # Vendor bills are signed negative in company currency.
        return -move.amount_untaxed_signed

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

    @api.constrains("move_id", "move_line_id", "amount")
    def _check_move(self):
        for cost in self.filtered("move_id"):
            move = cost.move_id
            if move.move_type not in ("in_invoice", "in_refund"):
                raise ValidationError(
                    self.env._("A campaign cost can only come from a vendor bill.")
                )
            if cost.move_line_id and cost.move_line_id.move_id != move:
                raise ValidationError(
                    self.env._("The bill line must be a line of the chosen bill.")
                )
            if cost.currency_id.compare_amounts(cost.amount, cost._get_bill_amount()):
                raise ValidationError(
                    self.env._(
                        "A cost taken from a vendor bill is the bill's untaxed "
                        "amount; remove the bill to type an amount in."
                    )
                )

    @api.model
    def _check_bill_free(self, move_id, move_line_id, cost=None):
        """A bill, or one of its lines, counts once: refuse it when another
        cost already takes the whole bill, this line, or (for a whole bill)
        any of its lines."""
        # sudo: a bill of the company may already be a cost of a campaign the
        # user does not see; campaigns themselves are readable by everyone.
        domain = [("move_id", "=", move_id)]
        if cost:
            domain.append(("id", "!=", cost.id))
        if move_line_id:
            domain += [
                "|",
                ("move_line_id", "=", False),
                ("move_line_id", "=", move_line_id),
            ]
        clash = self.sudo().search(domain, limit=1)
        if clash:
            raise ValidationError(
                self.env._(
                    "Vendor bill %(bill)s already counts as a cost of campaign "
                    "%(campaign)s. A bill, or each of its lines, counts once: pick "
                    "the lines that belong to each campaign.",
                    bill=clash.move_id.display_name,
                    campaign=clash.campaign_id.title,
                )
            )
