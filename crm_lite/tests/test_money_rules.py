from datetime import date

from odoo.tests import Form, tagged

from odoo.addons.crm_lite.models.account_move import NO_PAYMENT
from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestMoneyRules(CrmLiteCommon):
    """One rule for what a client paid, read at any date, converted between
    the companies' currencies the same way everywhere."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create(
            {"name": "Paying Client", "is_company": True}
        )

    def _paid(self, date_to=None, partner=None):
        figures = (
            self.env["account.move"]
            .sudo()
            ._crm_get_paid_amounts(
                [("commercial_partner_id", "=", (partner or self.client).id)],
                "commercial_partner_id",
                date_to=date_to,
            )
        )
        return figures.get(((partner or self.client).id, self.company.id), NO_PAYMENT)

    def test_paid_by_payment_date(self):
        invoice = self._invoice_partner(self.client, 1000.0, date=date(2026, 1, 10))
        self._pay(invoice, 400.0, date=date(2026, 2, 1))
        self._pay(invoice, 600.0, date=date(2026, 3, 1))
        self.assertEqual(self._paid(date(2026, 1, 31)), (1000.0, 0.0, False, 0))
        self.assertEqual(self._paid(date(2026, 2, 15)), (1000.0, 400.0, False, 0))
        self.assertEqual(
            self._paid(date(2026, 3, 1)), (1000.0, 1000.0, date(2026, 3, 1), 1)
        )
        self.assertEqual(self._paid(), (1000.0, 1000.0, date(2026, 3, 1), 1))
        # Before the invoice existed, nothing.
        self.assertEqual(self._paid(date(2025, 12, 31)), NO_PAYMENT)

    def test_credit_notes_lower_paid_then_due(self):
        invoice = self._invoice_partner(self.client, 1000.0, date=date(2026, 1, 10))
        # An open credit note first lowers what is owed...
        self._credit_note(invoice, 300.0, date=date(2026, 1, 20))
        self.assertEqual(self._paid()[:2], (700.0, 0.0))
        self._pay(invoice, date=date(2026, 2, 1))
        self.assertEqual(self._paid()[:2], (700.0, 700.0))
        # ...then, on a paid invoice, what was paid; refunding it changes nothing.
        second = self._invoice_partner(self.client, 500.0, date=date(2026, 3, 1))
        self._pay(second, date=date(2026, 3, 2))
        refund = self._credit_note(second, 200.0, date=date(2026, 3, 5))
        self.assertEqual(self._paid()[:2], (1000.0, 1000.0))
        self._pay(refund, date=date(2026, 3, 6))
        self.assertEqual(self._paid()[:2], (1000.0, 1000.0))
        # As of 3 March, the second credit note did not exist yet.
        self.assertEqual(self._paid(date(2026, 3, 3))[:2], (1200.0, 1200.0))

    def test_deal_and_client_figures_follow_the_same_rule(self):
        deal = self._create_deal(partner_id=self.client.id, amount=1000)
        invoice = self._invoice_deal(deal)
        self._pay(invoice, 250.0)
        self._credit_note(invoice, 100.0)
        paid = self._paid()
        self.assertEqual(deal.amount_invoiced, paid.invoiced)
        self.assertEqual(deal.amount_paid, paid.paid)
        self.assertEqual(self.client.crm_total_paid, paid.paid)
        self.assertEqual((deal.amount_invoiced, deal.amount_paid), (900.0, 250.0))

    def test_client_figures_convert_the_second_companys_currency(self):
        self._invoice_partner(self.client, 1000.0)
        invoice_co2 = self._invoice_partner(self.client, 1000.0, company=self.company_2)
        self._pay(self._invoice_partner(self.client, 600.0))
        self._pay(invoice_co2)
        both = self.client.with_context(
            allowed_company_ids=(self.company | self.company_2).ids
        )
        # 600 paid in the first company, 1000 of the second company's
        # currency, worth 500 in the first's.
        self.assertEqual(both.crm_total_paid, 1100.0)
        self.assertEqual(
            both.search([("crm_total_paid", ">", 1000), ("id", "=", self.client.id)]),
            self.client,
        )
        self.assertFalse(
            both.search([("crm_total_paid", ">", 1200), ("id", "=", self.client.id)])
        )
        only_first = self.client.with_context(allowed_company_ids=self.company.ids)
        self.assertEqual(only_first.crm_total_paid, 600.0)
        seen_from_second = self.client.with_context(
            allowed_company_ids=(self.company_2 | self.company).ids
        )
        self.assertEqual(seen_from_second.crm_total_paid, 2200.0)

    def test_open_pipeline_of_a_client_in_two_currencies(self):
        self._create_deal(partner_id=self.client.id, amount=1000)
        self._create_deal(
            partner_id=self.client.id,
            amount=1000,
            pipeline_id=self.pipeline_co2.id,
            user_id=self.user_manager.id,
        )
        client = self.client.with_user(self.user_manager).with_context(
            allowed_company_ids=(self.company | self.company_2).ids
        )
        self.assertEqual(client.open_pipeline_amount, 1500.0)
        self.assertEqual(client.deal_count, 2)

    def test_private_person_has_no_organization(self):
        deal = self._create_deal(partner_id=self.contact.id)
        self.assertEqual(deal.organization_id, self.organization)
        person = self.env["res.partner"].create({"name": "Private Paula"})
        with Form(deal) as form:
            form.partner_id = person
        self.assertFalse(deal.organization_id)
        invoice = self._invoice_deal(deal, post=False)
        self.assertEqual(invoice.partner_id, person)
        # A deal without contact keeps the organization typed in.
        bare = self._create_deal(
            partner_id=False, organization_id=self.other_customer.id
        )
        self.assertEqual(bare.organization_id, self.other_customer)

    def test_winning_clears_the_duplicate_banner(self):
        self.env["res.partner"].create(
            {"name": "Older John", "email": self.contact.email}
        )
        twin = self.env["res.partner"].create(
            {"name": "Twin John", "email": self.contact.email}
        )
        deal = self._create_deal(partner_id=twin.id)
        self.assertTrue(deal.partner_duplicate_ids)
        deal.action_set_won()
        self.assertFalse(deal.partner_duplicate_ids)
