# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_reports_loyalty.hooks import uninstall_hook

from .common import CrmReportsLoyaltyCommon, day


@tagged("post_install", "-at_install")
class TestCustomerLoyalty(CrmReportsLoyaltyCommon):
    """The customer report shows each customer's tier and points in the
    row's company, the figures of the partner form, to every user who reads
    the row; a tier filter makes a segment."""

    @freeze_time("2025-12-31")
    def test_head_of_sales_sees_tier_and_points_of_each_customer(self):
        rows = self._rows()
        c1, c2 = self.company, self.company_2
        expected = {
            (self.customer, c1): (self.silver, 55.0),
            (self.vip, c1): (self.platinum, 0.0),
            (self.organization, c1): (self.gold, 60.0),
            (self.other_customer, c1): (self.silver, 0.0),
            (self.late_payer, c1): (self.gold, 0.0),
            (self.customer, c2): (self.gold_co2, 75.0),
        }
        self.assertEqual({key: self._figures(rows[key]) for key in expected}, expected)
        self.assertNotIn((self.contact, c1), rows, "Contacts count in their company.")
        customer = rows[(self.customer, c1)]
        self.assertEqual(customer.loyalty_points_expiration_date, day("2026-03-01"))
        self.assertEqual(customer.loyalty_points_expiring, 50.0)
        organization = rows[(self.organization, c1)]
        self.assertEqual(organization.loyalty_points_expiration_date, day("2026-06-01"))
        self.assertEqual(
            organization.loyalty_points_expiring, 50.0, "Its contact's too."
        )

    @freeze_time("2025-12-31")
    def test_report_and_partner_form_agree_in_each_company(self):
        rows = self._rows()
        self.assertEqual(len(rows), 6)
        for (partner, company), row in rows.items():
            self.assertEqual(
                self._figures(row),
                self._form_figures(partner, company),
                f"{partner.name} in {company.name}",
            )
            with_company = partner.with_company(company)
            self.assertEqual(
                (
                    row.loyalty_points_expiration_date,
                    row.loyalty_points_expiring,
                ),
                (
                    with_company.loyalty_points_expiration_date,
                    with_company.loyalty_points_expiring,
                ),
            )

    def test_customer_drops_from_gold_when_payments_leave_the_twelve_months(self):
        # Paid on 15 October 2025: in the 12 months before 14 October 2026,
        # not in those before the 15th.
        key = (self.organization, self.company)
        with freeze_time("2026-10-14"):
            self.assertEqual(self._figures(self._rows()[key])[0], self.gold)
            self.assertEqual(self._form_figures(*key)[0], self.gold)
        with freeze_time("2026-10-15"):
            self.assertEqual(self._figures(self._rows()[key])[0], self.silver)
            self.assertEqual(self._form_figures(*key)[0], self.silver)

    @freeze_time("2025-12-31")
    def test_tier_rules_of_the_program_are_those_of_the_partner_form(self):
        # A tag on the program: the tier is for VIPs only; the VIP keeps
        # Platinum, and Gold becomes unreachable for the others.
        self.gold.partner_category_ids = self.tag_vip
        # A tier that ended yesterday, and an archived one, count no more.
        self._promotion("Ended", min_paid_amount=1, date_to=day("2025-12-30"))
        self._promotion("Archived", min_paid_amount=1).active = False
        rows = self._rows(companies=self.company)
        for partner, tier in (
            (self.organization, self.silver),
            (self.late_payer, self.silver),
            (self.vip, self.platinum),
            (self.customer, self.silver),
        ):
            row = rows[(partner, self.company)]
            self.assertEqual(row.loyalty_tier_program_id, tier, partner.name)
            self.assertEqual(self._form_figures(partner, self.company)[0], tier)

    @freeze_time("2025-12-31")
    def test_salesperson_sees_the_figures_of_their_own_customers_only(self):
        mine = self._rows(user=self.user_sales_1, companies=self.company)
        self.assertEqual(set(mine), {(self.customer, self.company)})
        row = mine[(self.customer, self.company)]
        self.assertEqual(self._figures(row), (self.silver, 55.0))
        self.assertEqual(
            self._form_figures(self.customer, self.company, self.user_sales_1),
            (self.silver, 55.0),
            "The partner form shows the salesperson the same figures.",
        )
        theirs = self._rows(user=self.user_sales_2, companies=self.company)
        self.assertEqual(
            self._figures(theirs[(self.organization, self.company)]),
            (self.gold, 60.0),
        )
        self.assertNotIn((self.customer, self.company), theirs)

    @freeze_time("2025-12-31")
    def test_manager_sees_only_the_companies_they_work_in(self):
        rows = self._rows(user=self.user_manager, companies=self.company_2)
        self.assertEqual(set(rows), {(self.customer, self.company_2)})
        self.assertEqual(
            self._figures(rows[(self.customer, self.company_2)]),
            (self.gold_co2, 75.0),
        )

    @freeze_time("2025-12-31")
    def test_head_of_sales_groups_customers_by_tier(self):
        Report = self.env["crm.lite.report.customer"].with_user(self.user_manager)
        groups = Report._read_group(
            [("company_id", "=", self.company.id)],
            ["loyalty_tier_program_id"],
            ["customer_count:sum", "loyalty_points:sum"],
        )
        self.assertEqual(
            {tier: (count, points) for tier, count, points in groups},
            {
                self.silver: (2, 55.0),
                self.gold: (2, 60.0),
                self.platinum: (1, 0.0),
            },
        )
        with_points = Report.search_count(
            [("company_id", "=", self.company.id), ("loyalty_points", ">", 0)]
        )
        self.assertEqual(with_points, 2)
        views = Report.get_views([(False, "list"), (False, "pivot"), (False, "search")])
        for view in ("list", "pivot"):
            self.assertIn("loyalty_points", views["views"][view]["arch"])
        self.assertIn("groupby_loyalty_tier", views["views"]["search"]["arch"])

    @freeze_time("2025-12-31")
    def test_manager_turns_gold_customers_with_points_into_a_segment(self):
        Report = self.env["crm.lite.report.customer"].with_user(self.user_manager)
        domain = [
            ("loyalty_tier_program_id", "=", self.gold.id),
            ("loyalty_points", ">", 0),
        ]
        rows = Report.search(domain)
        self.assertEqual(rows.partner_id, self.organization)
        Wizard = self.env["crm.reports.segment.wizard"].with_user(self.user_manager)
        # The rows selected in the list...
        action = rows.action_create_segment()
        wizard = Wizard.with_context(**action["context"]).create(
            {"name": "Gold with points"}
        )
        segment = self.env["crm.lite.segment"].browse(
            wizard.action_create_segment()["res_id"]
        )
        self.assertEqual(segment._get_partners(), self.organization)
        # ... or every row of the filtered list.
        wizard = Wizard.with_context(
            active_model="crm.lite.report.customer", active_domain=domain
        ).create({"name": "Gold with points, all"})
        self.assertEqual(wizard.partner_ids, self.organization)

    def test_customer_report_keeps_working_when_the_bridge_goes(self):
        uninstall_hook(self.env)
        self.env.cr.execute(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'crm_lite_report_customer'"
            )
        )
        columns = {name for (name,) in self.env.cr.fetchall()}
        self.assertIn("abc_class", columns)
        self.assertFalse({"loyalty_tier_program_id", "loyalty_points"} & columns)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM crm_lite_report_customer"))
        self.assertEqual(self.env.cr.fetchone()[0], 6)
