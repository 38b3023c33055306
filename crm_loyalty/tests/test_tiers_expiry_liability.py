# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import CrmLoyaltyCommon


@tagged("post_install", "-at_install")
class TestTiersExpiryLiability(CrmLoyaltyCommon):
    """Tiers reached and lost with payments and refunds; points expiring
    oldest first; the points liability in the books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.silver = cls._promotion("Silver", discount=5, min_paid_amount=100)
        cls.gold = cls._promotion("Gold", discount=10, min_paid_amount=300)
        cls.platinum = cls._promotion("Platinum", discount=15, min_paid_amount=1000)

    def _tier(self, partner):
        partner.invalidate_recordset(["loyalty_tier_program_id"])
        return partner.with_user(self.user_sales_1).loyalty_tier_program_id

    def test_tier_reached_and_lost_as_payments_and_refunds_happen(self):
        self.assertFalse(self._tier(self.customer))
        first = self._invoice_partner(self.customer, 120)
        self.assertFalse(self._reward_lines(first), "No tier yet, no discount.")
        self.assertFalse(self._tier(self.customer), "Invoiced is not paid.")
        self._pay(first)
        self.assertEqual(self._tier(self.customer), self.silver)
        second = self._invoice_partner(self.customer, 300)
        self.assertEqual(
            self._reward_lines(second).reward_id.program_id,
            self.silver,
            "The tier reached applies at posting.",
        )
        self.assertAlmostEqual(second.amount_total, 285.0)
        self._pay(second)
        self.assertEqual(self._tier(self.customer), self.gold)
        draft = self._draft(self.customer, user=self.accountant)
        self.company.loyalty_stacking = "cumulative"
        draft.action_loyalty_update()
        self.assertEqual(
            self._reward_lines(draft).reward_id.program_id,
            self.gold,
            "Only the highest tier reached, even when discounts add up.",
        )
        self._credit_note(second, amount=200)
        self.assertEqual(self._tier(self.customer), self.silver, "Refunds count.")
        draft.action_loyalty_update()
        self.assertEqual(self._reward_lines(draft).reward_id.program_id, self.silver)
        # Payments undone count too.
        for invoice in (first, second):
            partials = invoice.line_ids.matched_credit_ids.filtered(
                lambda p: p.credit_move_id.move_id.move_type == "entry"
            )
            invoice.js_remove_outstanding_partial(partials.id)
        self.assertFalse(self._tier(self.customer))

    def test_tier_over_a_period_and_for_tagged_customers(self):
        self.gold.write(
            {
                "paid_period_months": 12,
                "partner_category_ids": [Command.set(self.tag_vip.ids)],
            }
        )
        old = self._invoice_partner(self.vip, 400, date=date(2020, 1, 15))
        self._pay(old)
        self.assertEqual(self._tier(self.vip), self.silver, "Gold counts 12 months.")
        recent = self._invoice_partner(self.vip, 400)
        self._pay(recent)
        self.assertEqual(self._tier(self.vip), self.gold)
        invoice = self._invoice_partner(self.customer, 800)
        self._pay(invoice)
        self.assertEqual(self._tier(self.customer), self.silver, "Gold is for VIPs.")

    def test_tier_of_every_company_counts_in_each_company_at_the_day_rate(self):
        diamond = self._promotion(
            "Diamond",
            discount=3,
            min_paid_amount=800,
            company_id=False,
            currency_id=self.currency.id,
        )
        today = date.today()
        threshold = self.currency._convert(800, self.currency_2, self.company_2, today)
        self.assertEqual(threshold, 1600, "1 of the second currency is worth 0.5.")

        def tier(company):
            self.customer.invalidate_recordset(["loyalty_tier_program_id"])
            return self.customer.with_company(company).loyalty_tier_program_id

        first = self._invoice_partner(self.customer, 1599, company=self.company_2)
        self._pay(first)
        self.assertFalse(tier(self.company_2), "1599 is short of 800 converted.")
        second = self._invoice_partner(self.customer, 1, company=self.company_2)
        self._pay(second)
        self.assertEqual(tier(self.company_2), diamond)
        self.assertFalse(tier(self.company), "Nothing was paid to the first company.")

    def test_points_expire_oldest_first(self):
        (self.silver | self.gold | self.platinum).active = False
        program = self._points_program("Expiring", points_validity_months=12)
        card = self.env["loyalty.card"]
        with freeze_time("2026-01-10"):
            first = self._draft(self.customer, [(self.product_20, 1, 100)])
            first.invoice_line_ids.tax_ids = False
            first.action_post()
            self._pay(first)
            card = first.coupon_point_ids.coupon_id
            self.assertEqual(card.points, 100.0)
        with freeze_time("2026-06-10"):
            second = self._draft(self.customer, [(self.product_10, 1, 50)])
            second.invoice_line_ids.tax_ids = False
            second.action_post()
            self._pay(second)
            self.assertEqual(card.points, 150.0)
        with freeze_time("2026-08-01"):
            spending = self._draft(self.customer, [(self.product_20, 1)])
            self._claim(spending, program.reward_ids, card, points=30)
            spending.action_post()
            self.assertEqual(card.points, 120.0)
            card.invalidate_recordset(["points_expiration_date", "points_expiring"])
            self.assertEqual(card.points_expiration_date, date(2027, 1, 10))
            self.assertEqual(card.points_expiring, 70.0, "30 of the oldest are spent.")
        with freeze_time("2027-01-15"):
            self.env["loyalty.card"]._cron_expire_points()
            self.assertEqual(card.points, 50.0)
            expired = self._history(card).filtered(lambda h: h.entry_type == "expired")
            self.assertEqual(expired.used, 70.0)
            self.env["loyalty.card"]._cron_expire_points()
            self.assertEqual(card.points, 50.0, "Nothing expires twice.")
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.loyalty_points, 50.0)
            self.assertEqual(
                self.customer.loyalty_points_expiration_date, date(2027, 6, 10)
            )
            self.assertEqual(self.customer.loyalty_points_expiring, 50.0)
        with freeze_time("2027-06-11"):
            self.env["loyalty.card"]._cron_expire_points()
            self.assertEqual(card.points, 0.0)

    def _book_liability(self, company):
        """Accounts and journal booking the points liability of ``company``;
        returns its liability account."""
        Account = self.env["account.account"].with_company(company)
        liability, expense = Account.create(
            [
                {
                    "name": "Loyalty points owed",
                    "code": "LOY1",
                    "account_type": "liability_current",
                    "company_ids": [Command.set(company.ids)],
                },
                {
                    "name": "Loyalty programs",
                    "code": "LOY2",
                    "account_type": "expense",
                    "company_ids": [Command.set(company.ids)],
                },
            ]
        )
        journal = self.env["account.journal"].create(
            {
                "name": "Loyalty",
                "code": "LOY",
                "type": "general",
                "company_id": company.id,
            }
        )
        company.write(
            {
                "loyalty_liability_account_id": liability.id,
                "loyalty_expense_account_id": expense.id,
                "loyalty_journal_id": journal.id,
            }
        )
        return liability

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return sum(lines.mapped("balance"))

    def test_points_liability_is_booked_and_reported(self):
        liability = self._book_liability(self.company)
        expense = self.company.loyalty_expense_account_id
        program = self._points_program("Booked Points", point_value=0.1)
        invoice = self._draft(self.customer, user=self.accountant)
        invoice.with_user(self.accountant).action_post()
        self._pay(invoice)
        card = invoice.coupon_point_ids.coupon_id
        self.assertEqual(card.points, 120.0)
        earned = self._history(card, invoice)
        self.assertTrue(earned.liability_move_id)
        self.assertEqual(earned.liability_move_id.state, "posted")
        spending = self._draft(self.customer, user=self.accountant)
        self._claim(spending, program.reward_ids, card, points=50)
        spending.with_user(self.accountant).action_post()

        self.assertAlmostEqual(self._balance(liability), -7.0, msg="70 points at 0.10")
        self.assertAlmostEqual(self._balance(expense), 7.0)
        report = self.env["crm.loyalty.liability.report"].search(
            [("program_id", "=", program.id)]
        )
        self.assertEqual(report.points, 70.0)
        self.assertAlmostEqual(report.liability, 7.0)
        self.assertAlmostEqual(report.booked, -self._balance(liability))
        self.assertAlmostEqual(report.difference, 0.0)
        self.assertTrue(
            self.env["crm.loyalty.liability.report"]
            .with_user(self.user_manager)
            .search([("program_id", "=", program.id)])
        )
        self.assertFalse(
            self.env["crm.loyalty.liability.report"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=self.company_2.ids)
            .search([("program_id", "=", program.id)]),
            "Another company's liability is not shown.",
        )

    def test_a_program_of_all_companies_owes_points_in_each_company(self):
        """A program of all companies: each card's points are owed, booked and
        reported by the company its card belongs to (the one of the invoice
        that made it), also when they are spent in the other company."""
        liability_1 = self._book_liability(self.company)
        liability_2 = self._book_liability(self.company_2)
        program = self._points_program(
            "Group Points",
            point_value=0.1,
            company_id=False,
            currency_id=self.currency.id,
        )
        customer_2 = self.env["res.partner"].create({"name": "Second Co Client"})
        cards = {}
        for company, partner, amount in (
            (self.company, self.customer, 500),
            (self.company_2, customer_2, 300),
        ):
            invoice = self._invoice_partner(partner, amount, company=company)
            self._pay(invoice)
            cards[company] = invoice.coupon_point_ids.coupon_id
            self.assertFalse(cards[company].company_id, "A card of all companies.")
        points_1, points_2 = (cards[company].points for company in cards)
        self.assertTrue(points_1 and points_2)
        # The customer of the first company spends 20 of its points in the
        # second company: the first company owes them no more.
        spending = self._invoice_partner(
            self.customer, 100, company=self.company_2, post=False
        )
        self._claim(spending, program.reward_ids, cards[self.company], points=20)
        spending.action_post()
        self.assertEqual(cards[self.company].points, points_1 - 20)
        # A card no company owes yet: given by hand to a customer of all
        # companies, never used on an invoice.
        self._give_points(
            self.env["res.partner"].create({"name": "Walk-in"}), program, 10
        )

        Report = self.env["crm.loyalty.liability.report"]
        domain = [("program_id", "=", program.id)]
        rows = {
            row.company_id: row
            for row in Report.with_user(self.user_manager)
            .with_context(allowed_company_ids=(self.company | self.company_2).ids)
            .search(domain)
        }
        self.assertEqual(
            set(rows), {self.company, self.company_2, self.env["res.company"]}
        )
        self.assertEqual(len({row.id for row in rows.values()}), 3, "Unique ids.")
        first, second, nobody = (
            rows[self.company],
            rows[self.company_2],
            rows[self.env["res.company"]],
        )
        self.assertEqual((first.points, first.card_count), (points_1 - 20, 1))
        self.assertEqual(first.currency_id, self.currency)
        self.assertAlmostEqual(first.liability, (points_1 - 20) * 0.1)
        self.assertAlmostEqual(first.booked, -self._balance(liability_1))
        self.assertAlmostEqual(first.difference, 0.0)
        # In the second company's currency: 2 units for 1 of the program's.
        self.assertEqual(second.points, points_2)
        self.assertEqual(second.currency_id, self.currency_2)
        self.assertAlmostEqual(second.point_value, 0.2)
        self.assertAlmostEqual(second.liability, points_2 * 0.2)
        self.assertAlmostEqual(second.booked, -self._balance(liability_2))
        self.assertAlmostEqual(second.difference, 0.0)
        self.assertEqual((nobody.points, nobody.booked), (10.0, 0.0))
        self.assertAlmostEqual(nobody.difference, 1.0, msg="Booked by no company.")

        # A user of one company reads its row (and the one of no company).
        for user, company in (
            (self.accountant, self.company),
            (self.user_manager, self.company_2),
        ):
            mine = (
                Report.with_user(user)
                .with_context(allowed_company_ids=company.ids)
                .search(domain)
            )
            self.assertEqual(len(mine), 2)
            self.assertEqual(mine.company_id, company)
        groups = (
            Report.with_user(self.user_manager)
            .with_context(allowed_company_ids=(self.company | self.company_2).ids)
            ._read_group(domain, ["company_id"], ["liability:sum", "points:sum"])
        )
        self.assertEqual(len(groups), 3)
        self.assertAlmostEqual(
            sum(points for _company, _liability, points in groups),
            points_1 - 20 + points_2 + 10,
        )
