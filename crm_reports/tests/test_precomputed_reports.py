from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CrmReportsCommon, day


@tagged("post_install", "-at_install")
class TestPrecomputedReports(CrmReportsCommon):
    """On large databases the campaign and customer reports are read from
    tables refreshed every hour; they show when, keep their record rules, and
    small databases (or the setting "Never") read them live."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"name": "Autumn fair"})
        cls._add_cost(300)
        cls.deal = cls._deal_on(
            "2025-01-05 10:00", name="Fair deal", campaign_id=cls.campaign.id
        )
        invoice = cls._invoice_deal(cls.deal, date=day("2025-01-25"))
        cls._pay(invoice, date=day("2025-01-28"))
        cls.customer_2 = cls.env["res.partner"].create(
            {
                "name": "Second customer",
                "is_company": True,
                "user_id": cls.user_sales_2.id,
            }
        )
        # Paid last month: in the revenue window of the database's today.
        last_month = fields.Date.today() - timedelta(days=30)
        cls._paid_invoice(cls.customer_2, 500, last_month, last_month)
        cls.Params = cls.env["ir.config_parameter"]
        cls.Mixin = cls.env["crm.lite.report.mixin"]

    @classmethod
    def _add_cost(cls, amount):
        return cls.env["crm.lite.campaign.cost"].create(
            {
                "campaign_id": cls.campaign.id,
                "company_id": cls.company.id,
                "date": "2025-01-10",
                "description": "Stand",
                "amount": amount,
            }
        )

    def _campaign_figures(self):
        self.env.invalidate_all()
        [(cost, deals, paid, as_of)] = self.env["crm.lite.report.campaign"]._read_group(
            [("campaign_id", "=", self.campaign.id)],
            [],
            ["cost:sum", "deal_count:sum", "revenue_paid:sum", "figures_as_of:max"],
        )
        return cost, deals, paid, as_of

    def _refresh(self, mode):
        self.Params.set_param("crm_reports.precompute", mode)
        self.Mixin._cron_refresh_precomputed_reports()

    def test_head_of_sales_reads_campaign_results_refreshed_every_hour(self):
        live = self._campaign_figures()
        self._refresh("always")
        refreshed_at = self.Mixin._precomputed_at()
        self.assertTrue(refreshed_at)
        precomputed = self._campaign_figures()
        self.assertEqual(precomputed[:3], live[:3])
        self.assertEqual(precomputed[:3], (300, 1, 1000))
        self.assertEqual(precomputed[3], refreshed_at, "the report shows when")
        # The dashboard says when too.
        kpis = self.env["crm.reports.dashboard"].get_dashboard_data()["kpis"]
        self.assertIn("figures of", kpis[-1]["detail"])
        # A new cost shows at the next refresh.
        self._add_cost(200)
        self.assertEqual(self._campaign_figures()[0], 300)
        self.Mixin._cron_refresh_precomputed_reports()
        self.assertEqual(self._campaign_figures()[0], 500)

    def test_small_database_reads_the_reports_live(self):
        self._refresh("auto")
        self.assertFalse(self.Mixin._precomputed_at())
        self._add_cost(200)
        self.assertEqual(self._campaign_figures()[0], 500)

    def test_salesperson_sees_only_their_customers_in_precomputed_figures(self):
        Report = self.env["crm.lite.report.customer"]
        domain = [("partner_id", "in", (self.organization | self.customer_2).ids)]

        def rows(user):
            self.env.invalidate_all()
            found = Report.with_user(user).search(domain)
            return sorted(found.mapped(lambda r: (r.partner_id.id, r.revenue)))

        live = {user: rows(user) for user in (self.user_sales_2, self.user_manager)}
        self._refresh("always")
        for user, expected in live.items():
            self.assertEqual(rows(user), expected)
        self.assertEqual(rows(self.user_sales_2), [(self.customer_2.id, 500)])

    def test_admin_turns_precomputing_off_and_reports_are_live_at_once(self):
        self._refresh("always")
        settings = self.env["res.config.settings"].create(
            {"crm_reports_precompute": "never"}
        )
        settings.execute()
        self.assertFalse(self.Mixin._precomputed_at())
        self._add_cost(200)
        self.assertEqual(self._campaign_figures()[0], 500)
        # The job then empties the tables.
        self.Mixin._cron_refresh_precomputed_reports()
        self.env.cr.execute(
            "SELECT bool_or(ispopulated) FROM pg_matviews"
            " WHERE matviewname LIKE 'crm_lite_report_%%_data'"
        )
        self.assertFalse(self.env.cr.fetchone()[0])

    def test_updating_a_report_reads_it_live_until_the_next_refresh(self):
        self._refresh("always")
        cron = self.env.ref("crm_reports.ir_cron_crm_reports_precompute")
        # What an update, or an addon extending the report, does.
        self.env["crm.lite.report.customer"]._init_precomputed_table()
        self.assertFalse(self.Mixin._precomputed_at())
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        )
        self._add_cost(200)
        self.assertEqual(self._campaign_figures()[0], 500)

    def test_reports_survive_an_addon_removed_with_the_tables_they_read(self):
        self._refresh("always")
        # Uninstalling an addon drops its tables with CASCADE: the
        # materialized views reading them go too.
        self.env.cr.execute("DROP MATERIALIZED VIEW crm_lite_report_campaign_data")
        self._add_cost(200)
        self.assertEqual(self._campaign_figures()[0], 500, "read live meanwhile")
        # A view left with other columns than the report's query is rebuilt.
        self.env.cr.execute(
            "DROP MATERIALIZED VIEW crm_lite_report_customer_data;"
            " CREATE MATERIALIZED VIEW crm_lite_report_customer_data AS"
            " SELECT 1 AS id"
        )
        self.Mixin._cron_refresh_precomputed_reports()
        self.assertEqual(self._campaign_figures()[0], 500)
        self.env.invalidate_all()
        customers = self.env["crm.lite.report.customer"].search(
            [("partner_id", "=", self.customer_2.id)]
        )
        self.assertEqual(customers.revenue, 500)
        self.assertEqual(customers.figures_as_of, self.Mixin._precomputed_at())
