from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_reports_window_months = fields.Integer(
        related="company_id.crm_reports_window_months", readonly=False
    )
