from odoo import api, models
from odoo.exceptions import UserError


class ReportSalesSummary(models.AbstractModel):
    """The printable "Sales summary" of a period and pipeline: funnel, plan
    vs actual, campaigns and leakage, as the user printing it sees them."""

    _name = "report.crm_reports.report_sales_summary"
    _description = "Sales Summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["crm.reports.summary.wizard"].browse(docids).exists()
        if not wizards:
            raise UserError(self.env._("Choose the period of the sales summary."))
        Dashboard = self.env["crm.reports.dashboard"]
        summaries = {
            wizard.id: Dashboard._get_summary(
                wizard.date_from,
                wizard.date_to,
                pipeline=wizard.pipeline_id,
                company=wizard.company_id,
            )
            for wizard in wizards
        }
        return {
            "doc_ids": wizards.ids,
            "doc_model": "crm.reports.summary.wizard",
            "docs": wizards,
            "summaries": summaries,
        }
