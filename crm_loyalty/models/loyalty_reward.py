from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyReward(models.Model):
    _inherit = "loyalty.reward"

    max_share_percent = fields.Float(
        "Max. Share of the Invoice (%)",
        help="For rewards per point: the points pay at most this share of an "
        "invoice. 0 means the program's share applies.",
    )

    @api.constrains(
        "discount",
        "discount_mode",
        "discount_max_amount",
        "max_share_percent",
        "reward_product_qty",
    )
    def _check_loyalty_discount(self):
        for reward in self:
            program = reward.program_id.name
            if reward.discount < 0 or reward.discount_max_amount < 0:
                raise ValidationError(
                    self.env._(
                        "A discount of program %(program)s cannot be negative.",
                        program=program,
                    )
                )
            if reward.discount_mode == "percent" and reward.discount > 100:
                raise ValidationError(
                    self.env._(
                        "A percentage discount of program %(program)s must be "
                        "between 0 and 100%%.",
                        program=program,
                    )
                )
            if not 0 <= reward.max_share_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of an invoice paid with points must be between 0 "
                        "and 100%% (program %(program)s).",
                        program=program,
                    )
                )

    @api.constrains("reward_type", "program_id")
    def _check_loyalty_invoice_support(self):
        for program in self.program_id.filtered("invoice_ok"):
            program._loyalty_check_invoice_support()

    def _loyalty_max_share(self):
        """Share of an invoice (0-1) a reward per point may pay; 1: no limit."""
        self.ensure_one()
        percent = self.max_share_percent or self.program_id.points_max_share_percent
        return percent / 100 if percent else 1.0

    def unlink(self):
        # A reward used on invoices stays for the record: archived, like Odoo
        # does for rewards used on sales orders.
        used = (
            self.env["account.move.line"]
            .sudo()
            .search([("reward_id", "in", self.ids)])
            .reward_id
        )
        if used:
            used.action_archive()
        return super(LoyaltyReward, self - used).unlink()
