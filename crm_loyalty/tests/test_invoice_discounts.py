# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CrmLoyaltyCommon


@tagged("post_install", "-at_install")
class TestInvoiceDiscounts(CrmLoyaltyCommon):
    """An accountant's draft customer invoice gets the automatic discounts of
    the programs its customer qualifies for: tags, volume, promotions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vip_program = cls._promotion(
            "VIP Discount",
            discount=10.0,
            partner_category_ids=[Command.set(cls.tag_vip.ids)],
        )

    def _vip_invoice(self, **values):
        return self._draft(
            self.vip,
            [(self.product_20, 1), (self.product_10, 1)],
            user=self.accountant,
            **values,
        )

    def test_accountant_sees_vip_discount_split_per_tax(self):
        invoice = self._vip_invoice()
        self.assertFalse(self._reward_lines(invoice), "Nothing before Update.")
        invoice.action_loyalty_update()
        lines = self._reward_lines(invoice)
        self.assertEqual(len(lines), 2, "One discount line per tax.")
        self.assertEqual(
            sorted(lines.mapped("price_subtotal")), [-10.0, -5.0], "10% of each base"
        )
        self.assertEqual(lines.tax_ids, self.tax_20 | self.tax_10)
        self.assertTrue(all("VIP Discount" in name for name in lines.mapped("name")))
        # 150 untaxed, 20 + 5 taxes = 175; minus 10%.
        self.assertAlmostEqual(invoice.amount_untaxed, 135.0)
        self.assertAlmostEqual(invoice.amount_tax, 22.5)
        self.assertAlmostEqual(invoice.amount_total, 157.5)
        self.assertAlmostEqual(invoice.loyalty_discount_amount, 17.5)
        self.assertEqual(invoice.loyalty_program_ids, self.vip_program)

    def test_applying_twice_changes_nothing(self):
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        lines = self._reward_lines(invoice)
        amounts = lines.mapped("price_unit")
        invoice.action_loyalty_update()
        invoice._update_programs_and_rewards()
        self.assertEqual(self._reward_lines(invoice), lines)
        self.assertEqual(self._reward_lines(invoice).mapped("price_unit"), amounts)
        self.assertAlmostEqual(invoice.amount_total, 157.5)

    def test_customer_without_the_tag_gets_no_discount(self):
        invoice = self._draft(self.customer, user=self.accountant)
        invoice.action_loyalty_update()
        self.assertFalse(self._reward_lines(invoice))
        self.assertAlmostEqual(invoice.amount_total, 120.0)

    def test_changing_partner_or_lines_re_evaluates(self):
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        self.assertAlmostEqual(invoice.amount_total, 157.5)
        # More lines: the discount follows at once.
        with Form(invoice.with_user(self.accountant)) as form:
            with form.invoice_line_ids.new() as line:
                line.product_id = self.product_20
        self.assertAlmostEqual(
            sum(self._reward_lines(invoice).mapped("price_subtotal")), -25.0
        )
        self.assertAlmostEqual(invoice.amount_total, 265.5)
        # A line written directly too.
        product_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.product_10
        )
        product_line.with_user(self.accountant).quantity = 3
        self.assertAlmostEqual(
            sum(self._reward_lines(invoice).mapped("price_subtotal")), -35.0
        )
        # Another customer: no VIP discount any more.
        invoice.with_user(self.accountant).partner_id = self.customer
        self.assertFalse(self._reward_lines(invoice))
        self.assertFalse(invoice.loyalty_program_ids)

    def test_posting_applies_programs_not_applied_yet(self):
        invoice = self._vip_invoice()
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(len(self._reward_lines(invoice)), 2)
        self.assertAlmostEqual(invoice.amount_total, 157.5)

    def test_posted_invoice_is_never_changed_by_a_program(self):
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        invoice.with_user(self.accountant).action_post()
        self.vip_program.reward_ids.discount = 50
        invoice._update_programs_and_rewards()
        self.assertAlmostEqual(invoice.amount_total, 157.5)
        with self.assertRaisesRegex(UserError, "not a draft"):
            invoice.with_user(self.accountant).action_loyalty_update()
        with self.assertRaisesRegex(UserError, "not a draft"):
            invoice.with_user(self.accountant)._try_apply_code("ANY")

    def test_best_discount_only_by_default(self):
        self._promotion("Volume 15%", discount=15.0, minimum_amount=100)
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        lines = self._reward_lines(invoice)
        self.assertEqual(lines.reward_id.program_id.name, "Volume 15%")
        self.assertAlmostEqual(invoice.loyalty_discount_amount, 175 * 0.15)

    def test_cumulative_discounts_within_the_cap(self):
        self._promotion("Volume 15%", discount=15.0, minimum_amount=100)
        self.company.loyalty_stacking = "cumulative"
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        self.assertEqual(len(self._reward_lines(invoice).reward_id), 2)
        self.assertAlmostEqual(invoice.loyalty_discount_amount, 175 * 0.25)
        self.company.loyalty_max_discount_percent = 20
        invoice.action_loyalty_update()
        self.assertAlmostEqual(invoice.loyalty_discount_amount, 175 * 0.20, places=2)
        self.assertAlmostEqual(invoice.amount_total, 140.0, places=2)

    def test_volume_discount_needs_its_threshold(self):
        volume = self._promotion(
            "Volume 5%", discount=5.0, minimum_amount=500, company_id=self.company.id
        )
        invoice = self._draft(self.customer, user=self.accountant)
        invoice.action_loyalty_update()
        self.assertFalse(self._reward_lines(invoice))
        invoice.invoice_line_ids.with_user(self.accountant).quantity = 5
        invoice.action_loyalty_update()
        self.assertEqual(self._reward_lines(invoice).reward_id.program_id, volume)
        self.assertAlmostEqual(invoice.loyalty_discount_amount, 600 * 0.05)

    def test_free_product_cheapest_and_specific_products(self):
        self.vip_program.active = False
        self._promotion(
            "Free mug",
            reward={
                "reward_type": "product",
                "reward_product_id": self.product_gift.id,
            },
        )
        self._promotion(
            "Half price on cookbooks",
            discount=50,
            reward={
                "discount_applicability": "specific",
                "discount_product_ids": [Command.set(self.product_10.ids)],
            },
        )
        self.company.loyalty_stacking = "cumulative"
        invoice = self._draft(
            self.customer,
            [(self.product_20, 2), (self.product_10, 2)],
            user=self.accountant,
        )
        invoice.action_loyalty_update()
        lines = self._reward_lines(invoice)
        mug = lines.filtered(lambda line: line.product_id == self.product_gift)
        self.assertEqual(mug.quantity, 1)
        self.assertEqual(mug.price_total, 0.0, "A free product costs nothing.")
        cookbooks = lines - mug
        self.assertAlmostEqual(cookbooks.price_subtotal, -50.0)
        self.assertEqual(cookbooks.tax_ids, self.tax_10)
        cheapest = self._promotion(
            "Cheapest free",
            discount=100,
            reward={"discount_applicability": "cheapest"},
        )
        invoice.action_loyalty_update()
        cheapest_line = self._reward_lines(invoice).filtered(
            lambda line: line.reward_id.program_id == cheapest
        )
        self.assertAlmostEqual(cheapest_line.price_subtotal, -50.0, msg="one cookbook")

    def test_credit_note_and_copy_keep_amounts_without_rewards(self):
        invoice = self._vip_invoice()
        invoice.with_user(self.accountant).action_post()
        refund = self._credit_note(invoice)
        self.assertAlmostEqual(refund.amount_total, invoice.amount_total)
        self.assertFalse(refund.invoice_line_ids.filtered("is_reward_line"))
        copy = invoice.copy()
        self.assertFalse(copy.invoice_line_ids.filtered("is_reward_line"))
        self.assertAlmostEqual(copy.amount_total, 175.0)
        copy.action_loyalty_update()
        self.assertAlmostEqual(copy.amount_total, 157.5)

    def test_reward_fields_are_not_writable_by_users(self):
        invoice = self._vip_invoice()
        invoice.action_loyalty_update()
        line = self._reward_lines(invoice)[0]
        with self.assertRaises(Exception):
            line.with_user(self.accountant).points_cost = -500
        with self.assertRaises(Exception):
            invoice.with_user(self.accountant).write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_10.id,
                                "reward_id": self.vip_program.reward_ids.id,
                                "points_cost": -10,
                            }
                        )
                    ]
                }
            )

    def test_programs_refuse_bad_values(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self._promotion("Too much", discount=120)
        with self.assertRaisesRegex(ValidationError, "negative"):
            self._promotion("Negative threshold", minimum_amount=-1)
        with self.assertRaisesRegex(ValidationError, "negative"):
            self._promotion("Negative spend", min_paid_amount=-100)
        with self.assertRaisesRegex(ValidationError, "months"):
            self._points_program("Negative validity", points_validity_months=-1)
        with self.assertRaisesRegex(ValidationError, "cannot be used on invoices"):
            self.env["loyalty.program"].create(
                {
                    "name": "Gift cards",
                    "program_type": "gift_card",
                    "invoice_ok": True,
                }
            )
        gift_cards = self.env["loyalty.program"].create(
            {"name": "Gift cards", "program_type": "gift_card"}
        )
        self.assertFalse(gift_cards.invoice_ok, "Not offered on invoices by default.")
        with self.assertRaisesRegex(ValidationError, "cannot be used on invoices"):
            gift_cards.invoice_ok = True
        promotion = self.env["loyalty.program"].create(
            {"name": "New promotion", "program_type": "promotion"}
        )
        self.assertTrue(promotion.invoice_ok, "Offered on invoices, like sales.")
