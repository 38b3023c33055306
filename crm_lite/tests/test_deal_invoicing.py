from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon, create_pipeline


@tagged("post_install", "-at_install")
class TestDealInvoicing(CrmLiteCommon):
    """Money of a deal comes from the invoices accounting holds for it.

    Deals are created and read by a salesperson who may also issue invoices;
    accounting (posting, payments, credit notes) is done by ``cls.env``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="deal_inv_salesman",
            name="Sally Seller",
            email="sally@seller.example",
            groups="base.group_user,crm_lite.group_crm_lite_all,account.group_account_invoice",
            company_id=cls.company.id,
        )
        # Configuration is an administrator's job.
        cls.pipeline, stages = create_pipeline(
            cls.env(su=True),
            "Invoicing Funnel",
            open_stages=("New", "Offer"),
            company_id=cls.company.id,
        )
        cls.stage_new, cls.stage_offer, cls.stage_won, cls.stage_lost = stages
        cls.lost_reason = (
            cls.env["crm.lite.lost.reason"].sudo().create({"name": "Too late"})
        )
        # partner_a is the customer organization, Ann works there.
        cls.partner_a.is_company = True
        cls.contact_ann = cls.env["res.partner"].create(
            {"name": "Ann Buyer", "parent_id": cls.partner_a.id, "type": "contact"}
        )
        cls.person_solo = cls.env["res.partner"].create(
            {"name": "Solo Private Buyer", "email": "solo@private.example"}
        )

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _salesman_deal(self, **values):
        vals = {
            "name": "20 office chairs",
            "pipeline_id": self.pipeline.id,
            "partner_id": self.contact_ann.id,
            "amount": 1000.0,
            "user_id": self.salesman.id,
            "company_id": self.company.id,
        }
        vals.update(values)
        return self.env["crm.lite.deal"].with_user(self.salesman).create(vals)

    def _draft_invoice(self, deal):
        """Salesperson clicks "Create Invoice": the draft invoice."""
        action = deal.action_create_invoice()
        self.assertEqual(action["res_model"], "account.move")
        return self.env["account.move"].browse(action["res_id"])

    def _reversal_wizard(self, invoice):
        return (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "reason": "Price reduction",
                    "journal_id": invoice.journal_id.id,
                    "date": invoice.invoice_date,
                }
            )
        )

    def _assert_deal_money(self, deal, invoiced, paid, due, state):
        deal.invalidate_recordset()
        self.assertRecordValues(
            deal,
            [
                {
                    "amount_invoiced": invoiced,
                    "amount_paid": paid,
                    "amount_due": due,
                    "payment_state": state,
                }
            ],
        )

    # ------------------------------------------------------------
    # CREATE INVOICE FROM THE DEAL
    # ------------------------------------------------------------

    def test_create_invoice_for_organization(self):
        deal = self._salesman_deal()
        self.assertEqual(deal.organization_id, self.partner_a)
        invoice = self._draft_invoice(deal)
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.partner_a.id,
                    "company_id": self.company.id,
                    "deal_id": deal.id,
                    "invoice_origin": "20 office chairs",
                    "invoice_user_id": self.salesman.id,
                }
            ],
        )
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 1000.0)
        self.assertEqual(invoice.invoice_line_ids.quantity, 1.0)
        self.assertEqual(invoice.invoice_line_ids.name, "20 office chairs")
        self.assertEqual(deal.invoice_ids, invoice)
        self.assertEqual(deal.invoice_count, 1)
        # A draft invoice is no money yet.
        self._assert_deal_money(deal, 0.0, 0.0, 0.0, "not_invoiced")

    def test_create_invoice_for_contact_without_organization(self):
        deal = self._salesman_deal(partner_id=self.person_solo.id, amount=250.0)
        self.assertFalse(deal.organization_id)
        invoice = self._draft_invoice(deal)
        self.assertEqual(invoice.partner_id, self.person_solo)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 250.0)

    def test_create_invoice_without_customer(self):
        deal = self._salesman_deal(partner_id=False)
        with self.assertRaises(UserError):
            deal.action_create_invoice()
        self.assertFalse(deal.invoice_ids)

    def test_lost_deal_cannot_be_invoiced(self):
        deal = self._salesman_deal()
        deal.action_set_lost(self.lost_reason.id)
        self.assertEqual(deal.stage_kind, "lost")
        with self.assertRaises(UserError):
            deal.action_create_invoice()
        self.assertFalse(
            self.env["account.move"].search_count([("deal_id", "=", deal.id)])
        )

    # ------------------------------------------------------------
    # FIGURES THROUGH AN ACCOUNTING CYCLE
    # ------------------------------------------------------------

    def test_full_payment_cycle_and_partial_credit_note(self):
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        self._assert_deal_money(deal, 0.0, 0.0, 0.0, "not_invoiced")

        invoice.action_post()
        self.assertEqual(invoice.amount_total, 1000.0)
        self._assert_deal_money(deal, 1000.0, 0.0, 1000.0, "not_paid")

        self._pay(invoice, 400.0)
        self.assertEqual(invoice.payment_state, "partial")
        self._assert_deal_money(deal, 1000.0, 400.0, 600.0, "partial")

        self._pay(invoice)  # the rest: 600
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_deal_money(deal, 1000.0, 1000.0, 0.0, "paid")
        # No auto-win on this pipeline: the deal stays where it is.
        self.assertEqual(deal.stage_id, self.stage_new)

        # A credit note of 200 on the paid invoice, through the wizard.
        wizard = self._reversal_wizard(invoice)
        action = wizard.refund_moves()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.deal_id, deal, "The credit note must stay on the deal")
        with Form(refund) as refund_form:
            with refund_form.invoice_line_ids.edit(0) as line:
                line.price_unit = 200.0
        refund.action_post()
        self.assertEqual(refund.amount_total, 200.0)
        self.assertEqual(refund.amount_residual, 200.0)
        self.assertEqual(deal.invoice_count, 2)
        # The customer paid 1000 and is owed 200 back: the deal earned 800,
        # nothing is due.
        self._assert_deal_money(deal, 800.0, 800.0, 0.0, "paid")

        # The 200 is paid back to the customer: the figures do not move.
        self._pay(refund)
        self.assertEqual(refund.payment_state, "paid")
        self._assert_deal_money(deal, 800.0, 800.0, 0.0, "paid")

    def test_credit_note_on_open_invoice(self):
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()

        # A credit note of 300 while the invoice is still open: it offsets the
        # debt, no money came in yet.
        refund = self._reversal_wizard(invoice).refund_moves()
        refund = self.env["account.move"].browse(refund["res_id"])
        with Form(refund) as refund_form:
            with refund_form.invoice_line_ids.edit(0) as line:
                line.price_unit = 300.0
        refund.action_post()
        self._assert_deal_money(deal, 700.0, 0.0, 700.0, "not_paid")

        # Posting it reconciled it with the open invoice: 700 left to pay.
        self.assertEqual(invoice.amount_residual, 700.0)
        self._pay(invoice)
        self._assert_deal_money(deal, 700.0, 700.0, 0.0, "paid")

    def test_full_refund_of_open_invoice(self):
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._assert_deal_money(deal, 1000.0, 0.0, 1000.0, "not_paid")

        # "Reverse and create a new draft": the credit note is posted and
        # reconciled with the invoice at once.
        wizard = self._reversal_wizard(invoice)
        wizard.modify_moves()
        refund = invoice.reversal_move_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.deal_id, deal)
        self.assertEqual(invoice.payment_state, "reversed")
        # The new draft invoice is on the deal too, but a draft counts for nothing.
        drafts = deal.invoice_ids.filtered(lambda m: m.state == "draft")
        self.assertEqual(len(drafts), 1)
        self.assertEqual(drafts.move_type, "out_invoice")
        self._assert_deal_money(deal, 0.0, 0.0, 0.0, "credited")

    def test_two_invoices_on_one_deal(self):
        deal = self._salesman_deal()
        invoice_1 = self._draft_invoice(deal)
        invoice_2 = self._draft_invoice(deal)
        with Form(invoice_2) as invoice_form:
            with invoice_form.invoice_line_ids.edit(0) as line:
                line.price_unit = 500.0
        (invoice_1 | invoice_2).action_post()
        self.assertEqual(deal.invoice_count, 2)
        self._assert_deal_money(deal, 1500.0, 0.0, 1500.0, "not_paid")

        self._pay(invoice_1)
        self._assert_deal_money(deal, 1500.0, 1000.0, 500.0, "partial")

        self._pay(invoice_2)
        self._assert_deal_money(deal, 1500.0, 1500.0, 0.0, "paid")

    def test_unreconcile_payment_sends_amounts_back(self):
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._pay(invoice)
        self._assert_deal_money(deal, 1000.0, 1000.0, 0.0, "paid")

        # The accountant removes the payment from the invoice (the
        # "Unreconcile" link of the payment widget).
        partials = invoice.line_ids.matched_credit_ids
        self.assertEqual(len(partials), 1)
        invoice.js_remove_outstanding_partial(partials.id)
        self.assertEqual(invoice.payment_state, "not_paid")
        self._assert_deal_money(deal, 1000.0, 0.0, 1000.0, "not_paid")

    def test_cancelled_invoice_does_not_count(self):
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._assert_deal_money(deal, 1000.0, 0.0, 1000.0, "not_paid")
        invoice.button_draft()
        invoice.button_cancel()
        self._assert_deal_money(deal, 0.0, 0.0, 0.0, "not_invoiced")

    # ------------------------------------------------------------
    # LINKING FROM THE INVOICE SIDE
    # ------------------------------------------------------------

    def test_accountant_links_invoice_of_same_customer(self):
        deal = self._salesman_deal()
        invoice = self.init_invoice(
            "out_invoice", partner=self.partner_a, amounts=[300.0], post=True
        )
        # The accountant cannot read this deal (never invoiced) yet may link
        # it: it is a deal of the invoice's customer.
        self.assertFalse(deal.with_user(self.user_accountant).has_access("read"))
        invoice.with_user(self.user_accountant).deal_id = deal
        self.assertEqual(deal.invoice_ids, invoice)
        self._assert_deal_money(deal, 300.0, 0.0, 300.0, "not_paid")

        # An invoice to the contact herself also belongs to the organization.
        invoice_ann = self.init_invoice(
            "out_invoice", partner=self.contact_ann, amounts=[50.0], post=True
        )
        invoice_ann.deal_id = deal
        self._assert_deal_money(deal, 350.0, 0.0, 350.0, "not_paid")

    def test_link_invoice_of_other_customer_refused(self):
        deal = self._salesman_deal()
        invoice = self.init_invoice(
            "out_invoice", partner=self.partner_b, amounts=[300.0]
        )
        with self.assertRaises(ValidationError):
            invoice.deal_id = deal

    def test_link_invoice_of_other_company_refused(self):
        deal = self._salesman_deal()
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.partner_a,
            amounts=[300.0],
            company=self.company_2,
        )
        self.assertEqual(invoice.company_id, self.company_2)
        with self.assertRaises(ValidationError):
            invoice.deal_id = deal

    def test_link_vendor_bill_refused(self):
        deal = self._salesman_deal()
        bill = self.init_invoice("in_invoice", partner=self.partner_a, amounts=[300.0])
        with self.assertRaises(ValidationError):
            bill.deal_id = deal

    def test_deal_customer_change_keeps_invoices_consistent(self):
        deal = self._salesman_deal()
        self._draft_invoice(deal)
        with self.assertRaises(ValidationError):
            deal.write({"partner_id": self.partner_b.id, "organization_id": False})

    # ------------------------------------------------------------
    # WIN WHEN PAID
    # ------------------------------------------------------------

    def test_auto_won_on_paid(self):
        self.pipeline.sudo().auto_won_on_paid = True
        deal = self._salesman_deal()
        deal.stage_id = self.stage_offer
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._pay(invoice, 400.0)
        self.assertEqual(deal.stage_id, self.stage_offer, "Partly paid: not won yet")
        self.assertFalse(deal.date_closed)

        before = fields.Datetime.now().replace(microsecond=0)
        # The accountant registers the last payment.
        self._pay(invoice)
        deal.invalidate_recordset()
        self.assertEqual(deal.payment_state, "paid")
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertEqual(deal.stage_kind, "won")
        self.assertTrue(deal.date_closed)
        self.assertGreaterEqual(deal.date_closed, before)
        last_history = deal.stage_history_ids.sorted("id")[-1]
        self.assertEqual(last_history.stage_from_id, self.stage_offer)
        self.assertEqual(last_history.stage_id, self.stage_won)

    def test_no_auto_won_without_option(self):
        self.assertFalse(self.pipeline.auto_won_on_paid)
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._pay(invoice)
        deal.invalidate_recordset()
        self.assertEqual(deal.payment_state, "paid")
        self.assertEqual(deal.stage_id, self.stage_new)
        self.assertFalse(deal.date_closed)

    def test_auto_won_blocked_by_stage_rules_keeps_payment(self):
        """A won stage that asks for fields the deal lacks must not stop the
        accountant from registering the payment."""
        self.pipeline.sudo().auto_won_on_paid = True
        deadline_field = self.env["ir.model.fields"]._get(
            "crm.lite.deal", "date_deadline"
        )
        self.stage_won.sudo().required_field_ids = [
            fields.Command.set(deadline_field.ids)
        ]
        deal = self._salesman_deal()
        invoice = self._draft_invoice(deal)
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        deal.invalidate_recordset()
        self.assertEqual(deal.payment_state, "paid")
        self.assertEqual(deal.stage_id, self.stage_new)
        self.assertFalse(deal.date_closed)
        self.assertIn("could not move", deal.sudo().message_ids[:1].body)
