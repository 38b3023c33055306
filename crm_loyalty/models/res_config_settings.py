from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_stacking = fields.Selection(
        related="company_id.loyalty_stacking", readonly=False
    )
    loyalty_max_discount_percent = fields.Float(
        related="company_id.loyalty_max_discount_percent", readonly=False
    )
    loyalty_liability_account_id = fields.Many2one(
        related="company_id.loyalty_liability_account_id", readonly=False
    )
    loyalty_expense_account_id = fields.Many2one(
        related="company_id.loyalty_expense_account_id", readonly=False
    )
    loyalty_journal_id = fields.Many2one(
        related="company_id.loyalty_journal_id", readonly=False
    )
