from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CrmReportsCommon, day


@tagged("post_install", "-at_install")
class TestSalesPlan(CrmReportsCommon):
    """Targets on each basis against deals won, invoices posted and payments
    received on fixed days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Target = cls.env["crm.lite.target"]
        # Won in January by Sally: 1000; won in February: 700.
        won = cls._deal_on("2025-01-03 09:00", name="Won in January")
        cls._move_on(won, cls.stage_won, "2025-01-21 10:00")
        later = cls._deal_on("2025-01-03 09:00", name="Won in February", amount=700)
        cls._move_on(later, cls.stage_won, "2025-02-02 10:00")
        cls._deal_on("2025-01-03 09:00", name="Still open", amount=5000)
        # Invoiced by Sally: 300 on 15 Jan, a credit note of 100 on 20 Jan,
        # 400 on 2 Feb.
        sally = {"invoice_user_id": cls.user_sales_1.id}
        invoice = cls._invoice_partner(
            cls.organization, 300, date=day("2025-01-15"), **sally
        )
        cls._credit_note(invoice, amount=100, date=day("2025-01-20"))
        cls._invoice_partner(cls.organization, 400, date=day("2025-02-02"), **sally)
        # Paid to Samuel: 500 invoiced in December, paid on 10 Jan; 1000
        # invoiced on 2 Jan, 250 of it paid on 31 Jan; 300 invoiced on 15 Jan,
        # paid on 1 Feb.
        samuel = {"invoice_user_id": cls.user_sales_2.id}
        cls._paid_invoice(
            cls.other_customer, 500, day("2024-12-20"), day("2025-01-10"), **samuel
        )
        partial = cls._invoice_partner(
            cls.other_customer, 1000, date=day("2025-01-02"), **samuel
        )
        cls._pay(partial, amount=250, date=day("2025-01-31"))
        cls._paid_invoice(
            cls.other_customer, 300, day("2025-01-15"), day("2025-02-01"), **samuel
        )
        # Products: consulting (a subcategory of services) and hardware.
        services = cls.env["product.category"].create({"name": "Services"})
        cls.services = services
        consulting = cls.env["product.category"].create(
            {"name": "Consulting", "parent_id": services.id}
        )
        product = cls.env["product.product"]
        cls.consulting_hour = product.create(
            {"name": "Consulting hour", "categ_id": consulting.id, "list_price": 120}
        )
        cls.laptop = product.create(
            {
                "name": "Laptop",
                "categ_id": cls.env.ref("product.product_category_all").id,
                "list_price": 900,
            }
        )
        mixed = cls.init_invoice(
            "out_invoice",
            partner=cls.organization,
            invoice_date=day("2025-03-10"),
            products=cls.consulting_hour | cls.laptop,
            taxes=[],
        )
        mixed.invoice_user_id = cls.user_sales_2
        mixed.action_post()
        cls._pay(mixed, date=day("2025-03-20"))

    def _target(self, **values):
        return self.Target.create(
            {
                "name": "Plan",
                "date_from": "2025-01-01",
                "date_to": "2025-01-31",
                "target_amount": 2000,
                **values,
            }
        )

    def _actual(self, target, user=None):
        report = self.env["crm.lite.report.target"]
        if user:
            report = report.with_user(user)
        row = report.search([("id", "=", target.id)])
        return row.actual_amount, row.actual_count, row.achievement

    def test_manager_opens_the_deals_won_behind_two_months_of_plan(self):
        january = self._target(basis="won", user_id=self.user_sales_1.id)
        february = self._target(
            basis="won",
            user_id=self.user_sales_1.id,
            date_from="2025-02-01",
            date_to="2025-02-28",
        )
        rows = self.env["crm.lite.report.target"].search(
            [("id", "in", (january | february).ids)]
        )
        action = rows.with_user(self.user_manager).action_open_documents()
        deals = self.env["crm.lite.deal"].search(action["domain"])
        self.assertEqual(
            sorted(deals.mapped("name")), ["Won in February", "Won in January"]
        )
        action = rows.filtered(lambda r: r.id == january.id).action_open_documents()
        deals = self.env["crm.lite.deal"].search(action["domain"])
        self.assertEqual(deals.mapped("name"), ["Won in January"])

    def test_plan_on_deals_won_counts_the_month_they_were_won(self):
        target = self._target(user_id=self.user_sales_1.id, basis="won")
        self.assertEqual(self._actual(target), (1000.0, 1, 50.0))
        team = self._target(
            pipeline_id=self.pipeline.id,
            basis="won",
            date_to="2025-02-28",
            target_amount=3400,
        )
        self.assertEqual(self._actual(team), (1700.0, 2, 50.0))

    def test_plan_on_invoices_is_net_of_credit_notes(self):
        target = self._target(user_id=self.user_sales_1.id, basis="invoiced")
        self.assertEqual(self._actual(target)[0], 300.0 - 100.0)
        self.assertEqual(self._actual(target)[2], 10.0)

    def test_plan_on_payments_counts_money_received_in_the_period(self):
        target = self._target(user_id=self.user_sales_2.id, basis="paid")
        amount, count, achievement = self._actual(target)
        self.assertEqual(amount, 500.0 + 250.0)
        self.assertEqual(count, 1)
        self.assertEqual(achievement, 37.5)
        february = self._target(
            user_id=self.user_sales_2.id,
            basis="paid",
            date_from="2025-02-01",
            date_to="2025-02-28",
        )
        self.assertEqual(self._actual(february)[:2], (300.0, 1))

    def test_plan_by_product_category_reads_invoice_lines(self):
        invoiced = self._target(
            product_categ_id=self.services.id,
            basis="invoiced",
            date_from="2025-03-01",
            date_to="2025-03-31",
            target_amount=240,
        )
        self.assertEqual(self._actual(invoiced), (120.0, 1, 50.0))
        paid = self._target(
            product_categ_id=self.services.id,
            basis="paid",
            date_from="2025-03-01",
            date_to="2025-03-31",
            target_amount=240,
        )
        self.assertEqual(self._actual(paid)[0], 120.0)

    def test_empty_period_shows_zero(self):
        target = self._target(
            user_id=self.user_sales_1.id,
            basis="paid",
            date_from="2031-01-01",
            date_to="2031-01-31",
        )
        self.assertEqual(self._actual(target), (0.0, 0, 0.0))

    def test_salesperson_reads_only_their_own_plan(self):
        mine = self._target(user_id=self.user_sales_1.id, basis="won")
        theirs = self._target(user_id=self.user_sales_2.id, basis="won")
        rows = (
            self.env["crm.lite.report.target"]
            .with_user(self.user_sales_1)
            .search([("id", "in", (mine | theirs).ids)])
        )
        self.assertEqual(rows.ids, mine.ids)
        with self.assertRaises(Exception):
            self.Target.with_user(self.user_sales_1).create(
                {
                    "name": "Mine",
                    "user_id": self.user_sales_1.id,
                    "date_from": "2026-01-01",
                    "date_to": "2026-01-31",
                    "target_amount": 1,
                }
            )

    def test_administrator_gets_clear_errors_for_bad_targets(self):
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self._target(user_id=self.user_sales_1.id, date_to="2024-12-31")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._target(user_id=self.user_sales_1.id, target_amount=-1)
        with self.assertRaisesRegex(ValidationError, "needs a salesperson"):
            self._target()
        self._target(user_id=self.user_sales_1.id, basis="won")
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self._target(
                user_id=self.user_sales_1.id,
                basis="won",
                date_from="2025-01-15",
                date_to="2025-02-15",
            )
        # Another basis for the same salesperson and period is fine.
        self._target(user_id=self.user_sales_1.id, basis="paid")
