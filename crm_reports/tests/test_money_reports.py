from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CrmReportsCommon, day


@tagged("post_install", "-at_install")
class TestCampaignAndLeakage(CrmReportsCommon):
    """Campaign results month by month and money slipping through the
    cracks, against figures counted by hand and crm_lite's campaign form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"name": "Spring fair"})
        cls.env["crm.lite.campaign.cost"].create(
            [
                {
                    "campaign_id": cls.campaign.id,
                    "company_id": cls.company.id,
                    "date": "2025-01-10",
                    "description": "Stand",
                    "amount": 300,
                },
                {
                    "campaign_id": cls.campaign.id,
                    "company_id": cls.company.id,
                    "date": "2025-02-10",
                    "description": "Flyers",
                    "amount": 100,
                },
            ]
        )
        campaign = {"campaign_id": cls.campaign.id}
        # Won for 1000, invoiced 1000 in January, paid 600 in January and 400
        # in February.
        cls.won = cls._deal_on("2025-01-05 10:00", name="Won", **campaign)
        cls._move_on(cls.won, cls.stage_won, "2025-01-20 10:00")
        invoice = cls._invoice_deal(cls.won, date=day("2025-01-25"))
        cls._pay(invoice, amount=600, date=day("2025-01-28"))
        cls._pay(invoice, amount=400, date=day("2025-02-10"))
        cls.open_deal = cls._deal_on(
            "2025-02-01 10:00", name="Open", user_id=cls.user_sales_2.id, **campaign
        )
        cls.lost = cls._deal_on("2025-01-06 10:00", name="Lost", **campaign)
        cls._move_on(cls.lost, cls.stage_lost, "2025-01-07 10:00")
        # Leakage: won for 1000, invoiced 600 (100 paid, due on 1 Feb).
        cls.half_invoiced = cls._deal_on("2025-01-05 10:00", name="Half invoiced")
        cls._move_on(cls.half_invoiced, cls.stage_won, "2025-01-15 10:00")
        cls.half_invoiced.amount = 600
        cls.partial_invoice = cls._invoice_deal(
            cls.half_invoiced, date=day("2025-02-01")
        )
        cls.half_invoiced.amount = 1000
        cls._pay(cls.partial_invoice, amount=100, date=day("2025-02-05"))
        # A paid invoice of a CRM customer linked to no deal; another one of a
        # customer who never had a deal.
        cls.dealless = cls._paid_invoice(
            cls.organization, 250, day("2025-02-01"), day("2025-02-02")
        )
        cls._paid_invoice(cls.other_customer, 999, day("2025-02-01"), day("2025-02-02"))

    def test_campaign_results_add_up_to_the_campaign_form(self):
        Report = self.env["crm.lite.report.campaign"].with_user(self.user_manager)
        [(cost, deals, won, invoiced, paid, roi, per_deal, per_won)] = (
            Report._read_group(
                [("campaign_id", "=", self.campaign.id)],
                [],
                [
                    "cost:sum",
                    "deal_count:sum",
                    "won_count:sum",
                    "revenue_invoiced:sum",
                    "revenue_paid:sum",
                    "roi:sum",
                    "cost_per_deal:sum",
                    "cost_per_won:sum",
                ],
            )
        )
        # By hand: 400 spent, 3 deals, 1 won, 1000 invoiced and paid.
        self.assertEqual((cost, deals, won, invoiced, paid), (400, 3, 1, 1000, 1000))
        self.assertAlmostEqual(roi, (1000 - 400) / 400)
        self.assertAlmostEqual(per_deal, 400 / 3)
        self.assertAlmostEqual(per_won, 400)
        form = self.campaign.with_user(self.user_manager)
        self.assertEqual(
            (form.cost_total, form.deal_count, form.won_count),
            (cost, deals, won),
        )
        self.assertEqual((form.revenue_invoiced, form.revenue_paid), (invoiced, paid))
        self.assertAlmostEqual(form.roi, roi)
        # The form shows money rounded to the cent.
        self.assertAlmostEqual(form.cost_per_deal, per_deal, places=2)
        self.assertAlmostEqual(form.cost_per_won, per_won, places=2)

    def test_campaign_money_lands_in_the_month_it_happened(self):
        months = self._read_totals(
            "crm.lite.report.campaign",
            [("campaign_id", "=", self.campaign.id)],
            ["month:month"],
            ["cost:sum", "won_count:sum", "revenue_invoiced:sum", "revenue_paid:sum"],
        )
        self.assertEqual(months[(day("2025-01-01"),)], (300, 1, 1000, 600))
        self.assertEqual(months[(day("2025-02-01"),)][0:1], (100,))
        self.assertEqual(months[(day("2025-02-01"),)][2:], (0, 400))

    def test_leakage_lists_what_was_won_invoiced_and_paid_but_not_followed(self):
        Leakage = self.env["crm.lite.report.leakage"]
        due = self.partial_invoice.invoice_date_due
        with freeze_time(due + timedelta(days=10)):
            rows = Leakage.search([("company_id", "=", self.company.id)])
            rows.fetch(["kind", "amount", "days_overdue", "deal_id", "move_id"])
        found = {(r.kind, r.deal_id, r.move_id): r for r in rows}
        not_invoiced = found[
            ("won_not_invoiced", self.half_invoiced, self.env["account.move"])
        ]
        self.assertEqual(not_invoiced.amount, 400)
        unpaid = found[("invoiced_unpaid", self.half_invoiced, self.partial_invoice)]
        self.assertEqual(unpaid.amount, 500)
        self.assertEqual(unpaid.days_overdue, 10)
        without_deal = found[
            ("paid_without_deal", self.env["crm.lite.deal"], self.dealless)
        ]
        self.assertEqual(without_deal.amount, 250)
        self.assertEqual(without_deal.partner_id, self.organization)
        # The fully invoiced and paid deal leaks nothing; a customer without
        # any deal is not a CRM customer.
        self.assertEqual(len(rows), 3)

    def test_salesperson_sees_only_the_leaks_of_their_deals(self):
        Leakage = self.env["crm.lite.report.leakage"]
        self.assertEqual(Leakage.with_user(self.user_sales_2).search_count([]), 0)
        mine = Leakage.with_user(self.user_sales_1).search([])
        self.assertEqual(
            set(mine.mapped("kind")), {"won_not_invoiced", "invoiced_unpaid"}
        )
        self.assertEqual(Leakage.with_user(self.user_sales_co2).search_count([]), 0)


@tagged("post_install", "-at_install")
class TestCustomerValue(CrmReportsCommon):
    """Six customers paid on fixed days; ABC classes, RFM scores and the
    segment made from a class are checked against hand-made figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.p1, cls.p2, cls.p3, cls.p4, cls.p5, cls.p6 = Partner.create(
            [{"name": f"Customer {n}", "is_company": True} for n in range(1, 7)]
        )
        pay = cls._paid_invoice
        # Revenue in the window (1 Jan - 31 Dec 2025): 800, 100, 50, 30, 20, 0.
        pay(cls.p1, 500, day("2025-12-01"), day("2025-12-20"))
        pay(cls.p1, 200, day("2025-09-01"), day("2025-10-01"))
        pay(cls.p1, 100, day("2025-07-01"), day("2025-08-01"))
        pay(cls.p2, 60, day("2025-11-01"), day("2025-12-01"))
        pay(cls.p2, 40, day("2025-08-01"), day("2025-09-01"))
        pay(cls.p3, 50, day("2025-10-01"), day("2025-11-01"))
        pay(cls.p4, 30, day("2025-05-01"), day("2025-06-01"))
        pay(cls.p5, 20, day("2025-01-15"), day("2025-02-01"))
        # Paid before the window: no revenue, no frequency.
        pay(cls.p5, 1000, day("2024-06-01"), day("2024-06-01"))
        # Invoiced, never paid.
        cls._invoice_partner(cls.p6, 70, date=day("2025-11-01"))
        cls.customers = cls.p1 | cls.p2 | cls.p3 | cls.p4 | cls.p5 | cls.p6

    def _rows(self):
        rows = self.env["crm.lite.report.customer"].search(
            [
                ("partner_id", "in", self.customers.ids),
                ("company_id", "=", self.company.id),
            ]
        )
        return {row.partner_id: row for row in rows}

    @freeze_time("2025-12-31")
    def test_abc_classes_split_the_revenue_80_15_5(self):
        rows = self._rows()
        self.assertEqual(
            [rows[p].revenue for p in self.customers], [800, 100, 50, 30, 20, 0]
        )
        self.assertEqual(
            [rows[p].abc_class for p in self.customers], ["A", "B", "B", "C", "C", "C"]
        )
        self.assertAlmostEqual(rows[self.p1].revenue_share, 80.0)
        self.assertEqual(
            [rows[p].frequency for p in self.customers], [3, 2, 1, 1, 1, 0]
        )
        self.assertEqual(rows[self.p1].recency_days, 11)
        self.assertEqual(
            rows[self.p5].recency_days, (day("2025-12-31") - day("2025-02-01")).days
        )
        self.assertFalse(rows[self.p6].recency_days)

    @freeze_time("2025-12-31")
    def test_rfm_scores_are_quintiles_and_name_the_segment(self):
        rows = self._rows()
        # Six customers ranked from the worst: score = 1 + floor(5 * (rank - 1) / 6).
        self.assertEqual([rows[p].r_score for p in self.customers], [5, 4, 3, 2, 1, 1])
        self.assertEqual([rows[p].f_score for p in self.customers], [5, 4, 1, 1, 1, 1])
        self.assertEqual([rows[p].m_score for p in self.customers], [5, 4, 3, 2, 1, 1])
        self.assertEqual(
            [rows[p].rfm_segment for p in self.customers],
            ["champions", "champions", "potential", "hibernating", "lost", "lost"],
        )

    @freeze_time("2025-12-31")
    def test_marketing_turns_a_class_into_a_segment_of_exactly_its_customers(self):
        Wizard = self.env["crm.reports.segment.wizard"].with_user(self.user_manager)
        wizard = Wizard.create({"name": "Class B", "source": "abc", "abc_class": "B"})
        action = wizard.action_create_segment()
        segment = self.env["crm.lite.segment"].browse(action["res_id"])
        self.assertEqual(segment._get_partners() & self.customers, self.p2 | self.p3)
        lost = Wizard.create({"name": "Lost", "source": "rfm", "rfm_segment": "lost"})
        segment = self.env["crm.lite.segment"].browse(
            lost.action_create_segment()["res_id"]
        )
        self.assertEqual(segment._get_partners() & self.customers, self.p5 | self.p6)
        # A filtered list of the report: exactly the customers selected.
        rows = self.env["crm.lite.report.customer"].search(
            [("partner_id", "in", (self.p1 | self.p4).ids)]
        )
        picked = Wizard.with_context(
            active_model="crm.lite.report.customer", active_ids=rows.ids
        ).create({"name": "Picked"})
        segment = self.env["crm.lite.segment"].browse(
            picked.action_create_segment()["res_id"]
        )
        self.assertEqual(segment._get_partners(), self.p1 | self.p4)

    @freeze_time("2025-12-31")
    def test_marketing_user_without_crm_rights_targets_customers_at_risk(self):
        Wizard = self.env["crm.reports.segment.wizard"].with_user(self.user_marketing)
        wizard = Wizard.create(
            {
                "name": "Champions",
                "source": "rfm",
                "rfm_segment": "champions",
                "company_id": self.company.id,
            }
        )
        self.assertEqual(wizard.customer_count, 2)
        segment = self.env["crm.lite.segment"].browse(
            wizard.action_create_segment()["res_id"]
        )
        self.assertEqual(segment._get_partners() & self.customers, self.p1 | self.p2)

    @freeze_time("2025-12-31")
    def test_marketing_user_cannot_count_or_target_another_company(self):
        values = {
            "name": "Their champions",
            "source": "rfm",
            "rfm_segment": "champions",
            "company_id": self.company.id,
        }
        Wizard = self.env["crm.reports.segment.wizard"]
        self.assertEqual(Wizard.new(values).customer_count, 2)
        # A marketing user of the second company only.
        self.user_marketing.write(
            {
                "company_ids": [Command.set(self.company_2.ids)],
                "company_id": self.company_2.id,
            }
        )
        Wizard = Wizard.with_user(self.user_marketing)
        # While the wizard is edited (unsaved), no count of the other company.
        self.assertEqual(Wizard.new(values).customer_count, 0)
        with self.assertRaises(AccessError):
            Wizard.create(values)

    @freeze_time("2025-12-31")
    def test_company_revenue_window_of_one_month(self):
        self.company.crm_reports_window_months = 1
        rows = self._rows()
        # Paid since 30 November: 500 (20 Dec) and 60 (1 Dec) only.
        self.assertEqual(
            [rows[p].revenue for p in self.customers], [500, 60, 0, 0, 0, 0]
        )
        self.assertEqual(
            [rows[p].frequency for p in self.customers], [1, 1, 0, 0, 0, 0]
        )
        with self.assertRaisesRegex(ValidationError, "between 1 and"):
            self.company.crm_reports_window_months = 0
