# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CrmLoyaltyCommon


@tagged("post_install", "-at_install")
class TestCoupons(CrmLoyaltyCommon):
    """Codes and coupons on invoices: any case, limits, validity, company,
    customer; coupons for the next order; campaigns' results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.promo_code = cls.env["loyalty.program"].create(
            {
                "name": "Spring Code",
                "program_type": "promo_code",
                "invoice_ok": True,
                "company_id": cls.company.id,
                "rule_ids": [
                    Command.clear(),
                    Command.create(
                        {"mode": "with_code", "code": "Spring10", "minimum_qty": 0}
                    ),
                ],
                "reward_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount_mode": "percent",
                            "discount": 10,
                            "discount_applicability": "order",
                        }
                    ),
                ],
            }
        )
        cls.coupons = cls._coupon_program("Welcome Coupons", discount=20)

    def _invoice(self, partner=None, user=None):
        return self._draft(partner or self.customer, user=user or self.accountant)

    def _apply(self, invoice, code):
        status = invoice._try_apply_code(code)
        self.assertNotIn("error", status, status.get("error"))
        for coupon, rewards in status.items():
            self._claim(invoice, rewards[:1], coupon)
        return status

    def test_promotion_code_in_another_case(self):
        invoice = self._invoice().with_user(self.accountant)
        status = invoice._try_apply_code("  sPRING10 ")
        self.assertNotIn("error", status)
        ((coupon, rewards),) = status.items()
        self.assertEqual(rewards, self.promo_code.reward_ids)
        self._claim(invoice, rewards, coupon)
        self.assertAlmostEqual(invoice.amount_total, 108.0)
        self.assertIn("already applied", invoice._try_apply_code("SPRING10")["error"])
        # Updating keeps the code and its reward.
        invoice.action_loyalty_update()
        self.assertAlmostEqual(invoice.amount_total, 108.0)

    def test_code_through_the_wizard(self):
        invoice = self._invoice()
        action = invoice.with_user(self.accountant).action_open_loyalty_coupon_wizard()
        wizard = (
            self.env["crm.loyalty.coupon.wizard"]
            .with_user(self.accountant)
            .with_context(**action["context"])
            .create({"coupon_code": "spring10"})
        )
        wizard.action_apply()
        self.assertAlmostEqual(invoice.amount_total, 108.0)
        wizard = (
            self.env["crm.loyalty.coupon.wizard"]
            .with_user(self.accountant)
            .create({"move_id": invoice.id, "coupon_code": "NO-SUCH-CODE"})
        )
        with self.assertRaisesRegex(ValidationError, "invalid"):
            wizard.action_apply()

    def test_codes_that_cannot_be_used(self):
        invoice = self._invoice().with_user(self.accountant)
        status = invoice._try_apply_code("NOPE")
        self.assertTrue(status.get("not_found"))
        self.assertIn("invalid", status["error"])
        self.promo_code.date_to = fields.Date.today() - timedelta(days=1)
        self.assertIn("expired", invoice._try_apply_code("SPRING10")["error"])
        expired = self._coupon(
            self.coupons,
            code="OLD-COUPON",
            expiration_date=fields.Date.today() - timedelta(days=1),
        )
        self.assertIn("expired", invoice._try_apply_code("old-coupon")["error"])
        personal = self._coupon(self.coupons, partner=self.vip, code="VALERIE-ONLY")
        self.assertIn(
            "another customer", invoice._try_apply_code("VALERIE-ONLY")["error"]
        )
        other_company = self._coupon_program(
            "Second Co Coupons", company_id=self.company_2.id
        )
        self._coupon(other_company, code="SECOND-CO")
        self.assertIn("this company", invoice._try_apply_code("SECOND-CO")["error"])
        self.assertFalse(invoice.applied_coupon_ids)
        self.assertFalse(invoice.code_enabled_rule_ids)
        self.assertFalse(self._reward_lines(invoice), "Nothing written.")
        self.assertTrue(expired.exists() and personal.exists())
        bill = self.init_invoice("in_invoice", partner=self.customer, amounts=[100])
        with self.assertRaisesRegex(UserError, "customer invoices only"):
            bill._try_apply_code("SPRING10")

    def test_single_use_coupon_and_usage_limit(self):
        coupon = self._coupon(self.coupons, code="ONCE-001")
        first = self._invoice()
        self._apply(first.with_user(self.accountant), "once-001")
        self.assertAlmostEqual(first.amount_total, 96.0)
        second = self._invoice()
        self._apply(second.with_user(self.accountant), "ONCE-001")
        first.with_user(self.accountant).action_post()
        self.assertEqual(coupon.points, 0.0)
        self.assertEqual(coupon.use_count, 1)
        with self.assertRaisesRegex(UserError, "was used meanwhile"):
            second.with_user(self.accountant).action_post()
        self.assertIn(
            "already been used",
            self._invoice()
            .with_user(self.accountant)
            ._try_apply_code("ONCE-001")["error"],
        )
        self.promo_code.write({"limit_usage": True, "max_usage": 1})
        third = self._invoice()
        self._apply(third.with_user(self.accountant), "SPRING10")
        third.with_user(self.accountant).action_post()
        self.assertEqual(self.promo_code.total_order_count, 1)
        self.assertIn(
            "usage limit",
            self._invoice()
            .with_user(self.accountant)
            ._try_apply_code("SPRING10")["error"],
        )

    def test_coupon_for_the_next_order(self):
        program = self.env["loyalty.program"].create(
            {
                "name": "Come Back Soon",
                "program_type": "next_order_coupons",
                "invoice_ok": True,
                "company_id": self.company.id,
                "rule_ids": [
                    Command.clear(),
                    Command.create({"minimum_amount": 100, "minimum_qty": 0}),
                ],
                "reward_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount_mode": "per_order",
                            "discount": 15,
                            "discount_applicability": "order",
                        }
                    ),
                ],
            }
        )
        invoice = self._invoice()
        invoice.with_user(self.accountant).action_post()
        coupon = invoice.coupon_point_ids.coupon_id
        self.assertEqual(coupon.program_id, program)
        self.assertEqual(coupon.partner_id, self.customer)
        self.assertEqual(coupon.points, 0.0, "Usable once the invoice is paid.")
        self.assertEqual(
            invoice.with_user(self.accountant)._get_claimable_rewards(), {}
        )
        self._pay(invoice)
        self.assertEqual(coupon.points, 1.0)
        self.assertEqual(coupon.invoice_id, invoice)
        next_invoice = self._invoice()
        self._apply(next_invoice.with_user(self.accountant), coupon.code.lower())
        self.assertAlmostEqual(next_invoice.amount_total, 105.0)
        next_invoice.with_user(self.accountant).action_post()
        self.assertEqual(coupon.points, 0.0)

    def test_campaign_counts_invoices_of_its_coupons_once(self):
        campaign = self.env["utm.campaign"].create({"name": "Spring Mailing"})
        self.coupons.campaign_id = campaign
        deal = self._create_deal(partner_id=self.customer.id, campaign_id=campaign.id)
        other_deal = self._create_deal(partner_id=self.customer.id)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.deal_count, 1)
        # A coupon of the campaign on the invoice of the campaign's own deal:
        # counted once, through the deal.
        deal_invoice = self._invoice()
        deal_invoice.deal_id = deal
        self._coupon(self.coupons, code="CAMP-1")
        self._apply(deal_invoice.with_user(self.accountant), "CAMP-1")
        deal_invoice.action_post()
        self._pay(deal_invoice)
        # Another one on an invoice of another deal, and one without deal.
        other_invoice = self._invoice()
        other_invoice.deal_id = other_deal
        self._coupon(self.coupons, code="CAMP-2")
        self._apply(other_invoice.with_user(self.accountant), "CAMP-2")
        other_invoice.action_post()
        self._pay(other_invoice)
        plain_invoice = self._invoice()
        self._coupon(self.coupons, code="CAMP-3")
        self._apply(plain_invoice.with_user(self.accountant), "CAMP-3")
        plain_invoice.action_post()
        campaign.invalidate_recordset()
        campaign = campaign.with_user(self.user_sales_1)
        self.assertEqual(campaign.deal_count, 2, "Its deal, and the other coupon deal")
        self.assertEqual(campaign.loyalty_invoice_count, 2)
        self.assertAlmostEqual(campaign.revenue_invoiced, 96.0 * 3)
        self.assertAlmostEqual(campaign.revenue_paid, 96.0 * 2)
