from odoo import api, fields, models
from odoo.exceptions import ValidationError

STACKING_POLICIES = [
    ("best", "Best Discount Only"),
    ("cumulative", "Cumulative"),
]


class ResCompany(models.Model):
    """How loyalty programs combine on customer invoices, and where the points
    the company owes its customers are booked."""

    _inherit = "res.company"

    loyalty_stacking = fields.Selection(
        STACKING_POLICIES,
        "Automatic Discounts",
        default="best",
        required=True,
        help="Best Discount Only: of the automatic discounts an invoice qualifies "
        "for, only the largest applies. Cumulative: they add up. Codes and "
        "points redeemed always come on top, within the cap.",
    )
    loyalty_max_discount_percent = fields.Float(
        "Discount Cap (%)",
        default=0.0,
        help="The discounts of loyalty programs on one invoice never exceed this "
        "share of its total; 0 means no cap.",
    )
    loyalty_liability_account_id = fields.Many2one(
        "account.account",
        "Points Liability Account",
        check_company=True,
        domain="[('account_type', 'in', "
        "('liability_current', 'liability_non_current'))]",
        help="Points owed to customers are credited to this account.",
    )
    loyalty_expense_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Points credited to customers are an expense on this account; points "
        "redeemed or expired release it.",
    )
    loyalty_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the entries that book the points liability.",
    )

    @api.constrains("loyalty_max_discount_percent")
    def _check_loyalty_max_discount_percent(self):
        for company in self:
            if not 0 <= company.loyalty_max_discount_percent <= 100:
                raise ValidationError(
                    self.env._("The discount cap must be between 0 and 100%.")
                )

    def _loyalty_booking_enabled(self):
        """Whether the points liability of this company is booked: the
        liability and expense accounts and the journal are all set."""
        self.ensure_one()
        return bool(
            self.loyalty_liability_account_id
            and self.loyalty_expense_account_id
            and self.loyalty_journal_id
        )
