from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmReportsSummaryWizard(models.TransientModel):
    """Choose the period and pipeline of the PDF sales summary."""

    _name = "crm.reports.summary.wizard"
    _description = "Sales Summary Options"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(
        "From", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(
        "To", required=True, default=lambda self: fields.Date.context_today(self)
    )
    pipeline_id = fields.Many2one(
        "crm.lite.pipeline",
        check_company=True,
        help="Leave empty for every pipeline of the company.",
    )

    @api.model
    def _default_date_from(self):
        return fields.Date.context_today(self) + relativedelta(day=1)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(
                    self.env._("The period of the summary ends before it starts.")
                )

    def action_print(self):
        self.ensure_one()
        return self.env.ref("crm_reports.action_report_sales_summary").report_action(
            self
        )
