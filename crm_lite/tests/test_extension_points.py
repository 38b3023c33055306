from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestExtensionPoints(CrmLiteCommon):
    """The hooks other addons (crm_loyalty, crm_reports) build on, so that
    they never patch crm_lite's internals."""

    def _record_calls(self, method):
        """Patch ``crm.lite.deal.<method>`` and collect (deals, arguments)."""
        calls = []
        Deal = self.registry["crm.lite.deal"]
        original = getattr(Deal, method)

        def spy(records, *args):
            calls.append((records, args))
            return original(records, *args)

        return calls, patch.object(Deal, method, spy)

    def test_status_change_hook_on_won_lost_and_reopen(self):
        deal = self._create_deal()
        calls, spy = self._record_calls("_status_changed_hook")
        with spy:
            deal.write({"stage_id": self.stage_negotiation.id})  # open to open
            deal.action_set_won()
            deal.action_reopen()
            deal.action_set_lost(self.lost_reason.id)
            closed = self._create_deal(stage_id=self.stage_won.id)
        self.assertEqual(
            [(records, args[0]) for records, args in calls],
            [
                (deal, {deal.id: "open"}),
                (deal, {deal.id: "won"}),
                (deal, {deal.id: "open"}),
                (closed, {closed.id: False}),
            ],
        )

    def test_paid_hook_when_invoices_are_fully_paid(self):
        deal = self._create_deal()
        invoice = self._invoice_deal(deal)
        calls, spy = self._record_calls("_invoices_paid_hook")
        with spy:
            self._pay(invoice, 400.0)
            self.assertFalse(calls, "A partial payment pays nothing in full")
            self._pay(invoice)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][0], deal)
        self.assertEqual(calls[0][0].payment_state, "paid")

    def test_invoice_lines_come_from_their_own_method(self):
        deal = self._create_deal(amount=1000)
        Deal = self.registry["crm.lite.deal"]
        original = Deal._prepare_invoice_line_values

        def with_reward(records):
            return original(records) + [
                {"name": "Loyalty reward", "quantity": 1, "price_unit": -100}
            ]

        with patch.object(Deal, "_prepare_invoice_line_values", with_reward):
            invoice = self._invoice_deal(deal, post=False)
        self.assertEqual(
            invoice.invoice_line_ids.mapped("name"), [deal.name, "Loyalty reward"]
        )
        self.assertEqual(invoice.amount_untaxed, 900.0)
        # A deal without amount gets an invoice without line to fill in.
        empty = self._invoice_deal(self._create_deal(amount=0), post=False)
        self.assertFalse(empty.invoice_line_ids)
