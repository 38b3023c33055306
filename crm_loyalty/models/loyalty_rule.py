from odoo import api, models
from odoo.exceptions import ValidationError


class LoyaltyRule(models.Model):
    _inherit = "loyalty.rule"

    @api.constrains("minimum_amount", "minimum_qty")
    def _check_loyalty_thresholds(self):
        for rule in self:
            if rule.minimum_amount < 0 or rule.minimum_qty < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum quantity and purchase of a rule of program "
                        "%(program)s cannot be negative.",
                        program=rule.program_id.name,
                    )
                )
