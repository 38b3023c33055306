from odoo import api, fields, models
from odoo.exceptions import ValidationError

WINDOW_MONTHS_MAX = 120


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_reports_window_months = fields.Integer(
        "Customer Revenue Window (Months)",
        default=12,
        required=True,
        help="The customer report (ABC classes, RFM scores) counts what "
        "customers paid over this many last months.",
    )

    @api.constrains("crm_reports_window_months")
    def _check_crm_reports_window_months(self):
        for company in self:
            if not 1 <= company.crm_reports_window_months <= WINDOW_MONTHS_MAX:
                raise ValidationError(
                    self.env._(
                        "The customer revenue window of %(company)s must be "
                        "between 1 and %(max)s months.",
                        company=company.name,
                        max=WINDOW_MONTHS_MAX,
                    )
                )
