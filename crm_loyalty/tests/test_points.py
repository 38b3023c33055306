# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPoints(CrmLoyaltyCommon):
    """Points are earned when the money arrives, once, and follow payments
    undone, credit notes, cancellations; redeemed points leave the card when
    the invoice is posted and come back when it is undone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._points_program("Bonus Points", per_euro=1.0, point_value=0.1)
        cls.reward = cls.program.reward_ids

    def _card(self, partner=None):
        return self.env["loyalty.card"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("program_id", "=", self.program.id),
            ]
        )

    def _posted_invoice(self, quantity=1, redeem=None, partner=None):
        invoice = self._draft(
            partner or self.customer,
            [(self.product_20, quantity)],
            user=self.accountant,
        )
        invoice.with_user(self.accountant).action_loyalty_update()
        if redeem:
            self._claim(invoice, self.reward, self._card(partner), points=redeem)
        invoice.with_user(self.accountant).action_post()
        return invoice

    def test_points_are_earned_once_when_paid_in_two_payments(self):
        invoice = self._posted_invoice()
        self.assertEqual(invoice.loyalty_points_pending, 120.0, "1 point per euro")
        card = self._card()
        self.assertEqual(card.points, 0.0, "Nothing before the money arrives.")
        self._pay(invoice, amount=50)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(card.points, 0.0)
        self._pay(invoice, amount=70)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(card.points, 120.0)
        history = self._history(card, invoice)
        self.assertEqual(len(history), 1)
        self.assertEqual(history.issued, 120.0)
        self.assertEqual(history.entry_type, "earned")
        self.assertEqual(history.order_model, "account.move")
        self.assertEqual(history.order_id, invoice.id)
        self.assertEqual(invoice.loyalty_points_pending, 0.0)
        self.assertEqual(invoice.loyalty_points_earned, 120.0)
        self.assertEqual(self.customer.loyalty_points, 120.0)
        # Evaluating again changes nothing.
        invoice._loyalty_sync_points("paid")
        invoice._invoice_paid_hook()
        self.assertEqual(card.points, 120.0)
        self.assertEqual(len(self._history(card, invoice)), 1)

    def test_unreconciling_the_payment_takes_the_points_back(self):
        invoice = self._posted_invoice()
        self._pay(invoice)
        card = self._card()
        self.assertEqual(card.points, 120.0)
        partial = invoice.line_ids.matched_credit_ids
        invoice.with_user(self.accountant).js_remove_outstanding_partial(partial.id)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(card.points, 0.0)
        taken = self._history(card, invoice)[-1]
        self.assertEqual(taken.used, 120.0)
        self.assertIn("payment undone", taken.description)
        self.assertEqual(invoice.loyalty_points_pending, 120.0)
        self._pay(invoice)
        self.assertEqual(card.points, 120.0)
        self.assertEqual(len(self._history(card, invoice)), 3)

    def test_partial_credit_note_takes_back_its_share(self):
        invoice = self._posted_invoice()
        self._pay(invoice)
        card = self._card()
        refund = self._credit_note(invoice, amount=30)
        self.assertEqual(refund.amount_total, 30.0)
        self.assertEqual(card.points, 90.0, "30 of 120 refunded: a quarter goes back.")
        self.assertIn("credit note", self._history(card, invoice)[-1].description)

    def test_credit_note_before_payment_leaves_points_for_the_rest(self):
        invoice = self._posted_invoice()
        self._credit_note(invoice, amount=30)
        self.assertEqual(self._card().points, 0.0)
        self._pay(invoice)
        self.assertEqual(self._card().points, 90.0)

    def test_full_credit_note_gives_redeemed_points_back(self):
        card = self._give_points(self.customer, self.program, 200)
        invoice = self._posted_invoice(quantity=2, redeem=100)
        self.assertEqual(card.points, 100.0, "Redeemed points leave at posting.")
        self.assertEqual(invoice.loyalty_points_spent, 100.0)
        self.assertAlmostEqual(invoice.amount_total, 230.0)
        self._pay(invoice)
        self.assertEqual(card.points, 340.0, "240 points earned on the goods.")
        self._credit_note(invoice)
        self.assertEqual(card.points, 200.0, "Back to where the customer was.")

    def test_points_already_spent_cannot_be_taken_back(self):
        first = self._posted_invoice()
        self._pay(first)
        card = self._card()
        self._posted_invoice(redeem=100)
        self.assertEqual(card.points, 20.0)
        partial = first.line_ids.matched_credit_ids
        first.js_remove_outstanding_partial(partial.id)
        self.assertEqual(card.points, 0.0, "Never below zero.")
        row = self._history(card, first)[-1]
        self.assertEqual(row.used, 20.0)
        self.assertEqual(row.points_short, 100.0)
        self.assertIn("100", row.description)

    def test_reset_to_draft_and_cancel_give_redeemed_points_back(self):
        card = self._give_points(self.customer, self.program, 200)
        invoice = self._posted_invoice(redeem=50)
        self.assertEqual(card.points, 150.0)
        invoice.with_user(self.accountant).button_draft()
        self.assertEqual(card.points, 200.0)
        self.assertIn("reset to draft", self._history(card, invoice)[-1].description)
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(card.points, 150.0)
        invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(card.points, 200.0)
        self.assertEqual(self.customer.loyalty_points, 200.0)

    def test_redeeming_more_than_allowed_is_refused(self):
        self.program.points_max_share_percent = 50
        card = self._give_points(self.customer, self.program, 1000)
        invoice = self._draft(self.customer, user=self.accountant)
        invoice = invoice.with_user(self.accountant)
        for points, message in (
            (0, "positive"),
            (1001, "1000.0 points available"),
            (700, "at most"),
        ):
            status = invoice._apply_program_reward(self.reward, card, points=points)
            self.assertIn(message, status.get("error", ""))
        self.assertFalse(self._reward_lines(invoice), "Nothing written.")
        # At most half of 120: 600 points.
        lines = self._claim(invoice, self.reward, card)
        self.assertEqual(lines.points_cost, 600.0)
        self.assertAlmostEqual(invoice.amount_total, 60.0)
        self._claim(invoice, self.reward, card, points=100)
        self.assertEqual(self._reward_lines(invoice).points_cost, 100.0)
        self.assertAlmostEqual(invoice.amount_total, 110.0)
        invoice.action_post()
        self.assertEqual(card.points, 900.0)

    def test_reward_for_points_with_the_rewards_wizard(self):
        card = self._give_points(self.customer, self.program, 300)
        invoice = self._draft(self.customer, user=self.accountant)
        action = invoice.with_user(self.accountant).action_open_reward_wizard()
        self.assertEqual(action["res_model"], "crm.loyalty.reward.wizard")
        wizard = (
            self.env["crm.loyalty.reward.wizard"]
            .with_user(self.accountant)
            .create({"move_id": invoice.id, "selected_reward_id": self.reward.id})
        )
        self.assertEqual(wizard.selected_coupon_id, card)
        self.assertEqual(wizard.points_to_redeem, 300.0)
        wizard.points_to_redeem = 150
        wizard.action_apply()
        self.assertAlmostEqual(invoice.amount_total, 105.0)
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(card.points, 150.0)
