import io

from PyPDF2 import PdfFileReader

from odoo.tests import HttpCase, tagged

from .common import CrmReportsCommon


@tagged("post_install", "-at_install")
class TestReportsInTheBrowser(CrmReportsCommon, HttpCase):
    """What needs the web server: the dashboard in a browser, and the sales
    summary as a real PDF made by wkhtmltopdf (which fetches the report's
    style sheets from the test server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal = cls._deal_on("2025-01-02 09:00", name="Big deal", amount=4000)
        cls._move_on(cls.deal, cls.stage_negotiation, "2025-01-05 09:00")
        cls._move_on(cls.deal, cls.stage_won, "2025-01-25 09:00")

    def test_manager_prints_the_sales_summary_of_a_month(self):
        wizard = (
            self.env["crm.reports.summary.wizard"]
            .with_user(self.user_manager)
            .create(
                {
                    "date_from": "2025-01-01",
                    "date_to": "2025-01-31",
                    "pipeline_id": self.pipeline.id,
                    "company_id": self.company.id,
                }
            )
        )
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("crm_reports.action_report_sales_summary", wizard.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertGreaterEqual(PdfFileReader(io.BytesIO(pdf)).getNumPages(), 1)
        # wkhtmltopdf embeds its fonts as glyphs PyPDF2 cannot read back: the
        # text is checked on the HTML the PDF was made of.
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            ._render_qweb_html("crm_reports.action_report_sales_summary", wizard.ids)
        )
        html = html.decode()
        for expected in (
            "Sales Summary",
            "Funnel",
            "Negotiation",
            "Plan vs Actual",
            "Money Leaking",
            "4,000.00",
        ):
            self.assertIn(expected, html)

    def test_head_of_sales_opens_the_dashboard_in_the_browser(self):
        self.start_tour(
            "/odoo/action-crm_reports.crm_reports_action_dashboard",
            "crm_reports_dashboard_tour",
            login=self.user_manager.login,
        )
