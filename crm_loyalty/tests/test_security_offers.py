# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields, sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.tools import lock_rows
from .common import CrmLoyaltyCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestSecurityOffers(CrmLoyaltyCommon):
    """Who reads and writes loyalty data; two transactions racing for the same
    points; targeted offers; the cost of "Update discounts" on a big invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._points_program("Race Points", per_euro=1.0, point_value=0.1)
        cls.reward = cls.program.reward_ids

    def test_two_invoices_spending_the_same_points_one_fails_cleanly(self):
        card = self._give_points(self.customer, self.program, 100)
        first = self._draft(self.customer, user=self.accountant)
        second = self._draft(self.customer, user=self.accountant)
        self._claim(first.with_user(self.accountant), self.reward, card, points=80)
        self._claim(second.with_user(self.accountant), self.reward, card, points=80)
        first.with_user(self.accountant).action_post()
        self.assertEqual(card.points, 20.0)
        with self.assertRaisesRegex(UserError, "was used meanwhile"):
            second.with_user(self.accountant).action_post()
        self.assertEqual(second.state, "draft", "Nothing of the second is posted.")
        self.assertEqual(card.points, 20.0, "Nothing is spent twice.")
        spent = self._history(card).filtered(lambda row: row.entry_type == "spent")
        self.assertEqual(spent.order_id, first.id)
        # Updating the second takes what is left.
        second.with_user(self.accountant).action_loyalty_update()
        self.assertEqual(self._reward_lines(second).points_cost, 20.0)

    def test_a_row_locked_by_another_transaction_is_refused_at_once(self):
        """The cards, coupons and programs an invoice spends are locked with
        NOWAIT: a second transaction fails at once with a clear message
        instead of spending them too."""
        country = self.env.ref("base.ar")
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute(
                "SELECT id FROM res_country WHERE id = %s FOR UPDATE NOWAIT",
                [country.id],
            )
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "another operation"),
            ):
                lock_rows(country)
        finally:
            other.rollback()
            other.close()
        lock_rows(country)  # Free again.

    def test_nobody_edits_or_deletes_points_history_of_invoices(self):
        invoice = self._draft(self.customer, user=self.accountant)
        invoice.with_user(self.accountant).action_post()
        self._pay(invoice)
        card = invoice.coupon_point_ids.coupon_id
        row = self._history(card, invoice)
        self.assertEqual(row.issued, 120.0)
        for user in (
            self.loyalty_manager,
            self.user_manager,
            self.env.ref("base.user_admin"),
        ):
            with self.assertRaises(UserError):  # AccessError included
                row.with_user(user).write({"issued": 1000})
            with self.assertRaises(UserError):  # AccessError included
                row.with_user(user).unlink()
            with self.assertRaises(UserError):  # AccessError included
                self.env["loyalty.history"].with_user(user).create(
                    {
                        "card_id": card.id,
                        "order_model": "account.move",
                        "order_id": invoice.id,
                        "issued": 500,
                    }
                )
        self.assertEqual(row.issued, 120.0)
        with self.assertRaises(AccessError):
            invoice.invoice_line_ids[:1].with_user(self.accountant).write(
                {"points_cost": 5}
            )
        coupon = self._coupon(self._coupon_program("Sneaky"), code="SNEAKY-1")
        draft = self._draft(self.customer, user=self.accountant)
        for values in (
            {"applied_coupon_ids": [Command.link(coupon.id)]},
            {"loyalty_to_update": False},
        ):
            with self.assertRaises(AccessError):
                draft.with_user(self.accountant).write(values)
        self.assertFalse(draft.applied_coupon_ids)

    def test_a_mailing_reads_only_coupon_codes_of_its_companies(self):
        ours = self._coupon_program("Our coupons")
        theirs = self._coupon_program("Their coupons", company_id=self.company_2.id)
        our_coupon = self._coupon(ours, self.customer)
        self._coupon(theirs, self.customer)
        partner = self.customer.with_user(self.user_marketing)
        self.assertEqual(
            partner.with_context(crm_loyalty_program_id=ours.id).loyalty_coupon_code,
            our_coupon.code,
        )
        self.assertFalse(
            partner.with_context(crm_loyalty_program_id=theirs.id).loyalty_coupon_code
        )

    def test_salesperson_reads_only_their_customers_loyalty(self):
        self.customer.user_id = self.user_sales_1
        card = self._give_points(self.customer, self.program, 40)
        self.assertEqual(
            self.customer.with_user(self.user_sales_1).loyalty_points, 40.0
        )
        # A colleague reads the partner, not their balance.
        self.assertEqual(self.customer.with_user(self.user_sales_2).loyalty_points, 0.0)
        self.assertTrue(card.with_user(self.user_sales_1).has_access("read"))
        self.assertFalse(card.with_user(self.user_sales_2).has_access("read"))
        self.assertFalse(
            self.env["loyalty.history"]
            .with_user(self.user_sales_2)
            .search([("card_id", "=", card.id)])
        )
        with self.assertRaises(AccessError):
            self.program.with_user(self.user_sales_1).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.program.with_user(self.accountant).write({"name": "Mine"})
        self.program.with_user(self.loyalty_manager).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.user_employee).read(["loyalty_points"])
        # Another company's user sees nothing of the company's cards.
        self.assertFalse(
            self.env["loyalty.card"]
            .with_user(self.user_sales_co2)
            .search([("id", "=", card.id)])
        )

    def test_manager_issues_coupons_to_customers_of_lost_deals_with_a_mailing(self):
        coupons = self._coupon_program("Win Back", discount=25)
        coupons.campaign_id = self.env["utm.campaign"].create({"name": "Win back"})
        reason = self.env["crm.lite.lost.reason"].create({"name": "Too expensive"})
        deal = self._create_deal(partner_id=self.customer.id)
        deal.action_set_lost(reason.id)
        self.loyalty_manager.groups_id = [
            Command.link(self.env.ref("mass_mailing.group_mass_mailing_user").id)
        ]
        wizard = (
            self.env["crm.loyalty.offer.wizard"]
            .with_user(self.loyalty_manager)
            .create(
                {
                    "program_id": coupons.id,
                    "audience": "lost",
                    "send_mailing": True,
                    "mailing_subject": "We miss you",
                }
            )
        )
        self.assertIn(self.customer, wizard.partner_ids)
        action = wizard.action_issue()
        mailing = self.env["mailing.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.loyalty_program_id, coupons)
        self.assertEqual(mailing.campaign_id, coupons.campaign_id)
        self.assertIn("loyalty_coupon_code", mailing.body_html)
        coupon = self.env["loyalty.card"].search(
            [("program_id", "=", coupons.id), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(coupon.points, 1.0)
        self.assertEqual(
            self.customer.with_context(
                crm_loyalty_program_id=coupons.id
            ).loyalty_coupon_code,
            coupon.code,
        )
        # The customer uses it on the next invoice.
        invoice = self._draft(self.customer, user=self.accountant).with_user(
            self.accountant
        )
        status = invoice._try_apply_code(coupon.code.upper())
        self.assertEqual(list(status), [coupon])
        self._claim(invoice, status[coupon], coupon)
        self.assertAlmostEqual(invoice.amount_total, 90.0)
        # Another customer cannot use it.
        other = self._draft(self.vip, user=self.accountant).with_user(self.accountant)
        self.assertIn("another customer", other._try_apply_code(coupon.code)["error"])
        with self.assertRaisesRegex(UserError, "positive"):
            self.env["crm.loyalty.offer.wizard"].with_user(self.loyalty_manager).create(
                {"program_id": coupons.id, "audience": "lost", "points": 0}
            ).action_issue()
        with self.assertRaises(AccessError):
            self.env["crm.loyalty.offer.wizard"].with_user(self.user_sales_1).create(
                {"program_id": coupons.id, "audience": "lost"}
            )

    def _offer(self, **values):
        return (
            self.env["crm.loyalty.offer.wizard"]
            .with_user(self.loyalty_manager)
            .create({"program_id": self.offer_program.id, **values})
        )

    def _coupons_of(self, partners):
        return self.env["loyalty.card"].search(
            [
                ("program_id", "=", self.offer_program.id),
                ("partner_id", "in", partners.ids),
            ]
        )

    def test_manager_issues_coupons_to_the_customers_of_a_segment(self):
        self.offer_program = self._coupon_program("VIP Thanks", discount=15)
        other_vip = self.env["res.partner"].create(
            {"name": "Victor VIP", "category_id": [Command.set(self.tag_vip.ids)]}
        )
        segment = self.env["crm.lite.segment"].create(
            {
                "name": "VIP customers",
                "company_id": self.company.id,
                "domain": repr([("category_id", "in", self.tag_vip.ids)]),
            }
        )
        wizard = self._offer(audience="segment")
        self.assertFalse(wizard.partner_ids, "No segment chosen yet.")
        with self.assertRaisesRegex(UserError, "No customer"):
            wizard.action_issue()
        wizard.segment_id = segment
        self.assertEqual(wizard.partner_ids, self.vip | other_vip)
        self.assertEqual(wizard.partner_count, 2)
        wizard.write({"points": 2, "valid_until": "2030-12-31"})
        action = wizard.action_issue()
        coupons = self._coupons_of(self.vip | other_vip | self.customer)
        self.assertEqual(coupons.partner_id, self.vip | other_vip)
        self.assertEqual(action["domain"], [("id", "in", coupons.ids)])
        self.assertEqual(set(coupons.mapped("points")), {2.0})
        self.assertEqual(str(coupons[:1].expiration_date), "2030-12-31")
        for coupon in coupons:
            self.assertEqual(self._history(coupon).issued, 2.0)

    def test_manager_issues_coupons_to_customers_who_stopped_paying(self):
        self.offer_program = self._coupon_program("We Miss You", discount=10)
        today = fields.Date.today()
        gone, regular, never = self.env["res.partner"].create(
            [{"name": "Gone Gina"}, {"name": "Regular Rick"}, {"name": "Never Nina"}]
        )
        for partner, days in ((gone, 200), (regular, 10)):
            day = today - timedelta(days=days)
            self._pay(self._invoice_partner(partner, 100, date=day), date=day)
        self._invoice_partner(never, 100)  # Invoiced, never paid.
        wizard = self._offer(audience="inactive", inactive_days=180)
        customers = wizard.partner_ids & (gone | regular | never)
        self.assertEqual(customers, gone, "Paid 200 days ago; not 10; never.")
        wizard.inactive_days = 5
        self.assertEqual(wizard.partner_ids & (gone | regular | never), gone | regular)
        wizard.inactive_days = 180
        wizard.action_issue()
        self.assertEqual(self._coupons_of(gone | regular | never).partner_id, gone)
        with self.assertRaisesRegex(UserError, "No customer"):
            self._offer(audience="inactive", inactive_days=0).action_issue()

    def test_update_discounts_on_an_invoice_of_50_lines_with_10_programs(self):
        """Measured: "Update discounts" on 50 lines with 10 active programs."""
        self.company.loyalty_stacking = "cumulative"
        self.company.loyalty_max_discount_percent = 30
        self.program.active = False
        for index in range(4):
            self._promotion(f"Promotion {index}", discount=1 + index)
        for index in range(3):
            self._promotion(
                f"Volume {index}", discount=2, minimum_amount=1000 * (index + 1)
            )
        for tag in (self.tag_family, self.tag_student, self.tag_vip):
            self._promotion(
                f"Tag {tag.name}",
                discount=5,
                partner_category_ids=[Command.set(tag.ids)],
            )
        lines = [
            (self.product_20 if index % 2 else self.product_10, 1 + index % 3)
            for index in range(50)
        ]
        invoice = self._draft(self.vip, lines, user=self.accountant).with_user(
            self.accountant
        )
        invoice.invalidate_model()
        queries = self.cr.sql_log_count
        start = time.perf_counter()
        invoice.action_loyalty_update()
        elapsed = time.perf_counter() - start
        queries = self.cr.sql_log_count - queries
        _logger.info(
            "Update discounts, 50 lines and 10 programs: %.2fs, %s queries",
            elapsed,
            queries,
        )
        programs = self._reward_lines(invoice).reward_id.program_id
        self.assertEqual(len(programs), 8, "4 promotions, 3 volumes, the VIP tag")
        before = invoice.amount_total
        invoice.action_loyalty_update()
        self.assertAlmostEqual(invoice.amount_total, before, msg="Idempotent")
        self.assertLess(queries, 1500)

    def test_invoices_of_a_company_without_programs_are_posted_without_the_engine(self):
        """Invoices of a company that does not use loyalty programs on invoices
        are posted and paid without the program engine or the points ledger
        (one query tells them apart); the others run them."""
        invoices = self.env["account.move"].union(
            *(
                self._invoice_partner(
                    self.customer, 100 + index, company=self.company_2, post=False
                )
                for index in range(3)
            )
        )
        # Made through the invoice form, which shows the loyalty figures: the
        # engine is watched from here.
        AccountMove = type(self.env["account.move"])
        engine = ("_update_programs_and_rewards", "_loyalty_ledger")
        patchers = {
            name: patch.object(
                AccountMove,
                name,
                autospec=True,
                side_effect=getattr(AccountMove, name),
            )
            for name in engine
        }
        calls = {name: patcher.start() for name, patcher in patchers.items()}
        for patcher in patchers.values():
            self.addCleanup(patcher.stop)

        invoices.action_post()
        for invoice in invoices:
            self._pay(invoice)
        self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
        for name, mock in calls.items():
            self.assertFalse(mock.called, f"{name} is not run for the second company")

        # The first company has a program: its invoices run the engine.
        invoice = self._draft(self.customer, user=self.accountant)
        invoice.with_user(self.accountant).action_post()
        self._pay(invoice)
        for name, mock in calls.items():
            self.assertTrue(mock.called, f"{name} is run for the first company")
        self.assertTrue(invoice.coupon_point_ids)
