# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import CrmLoyaltyCommon

# Modules whose Russian terms the tour shows; loaded after the install, as
# when a user adds the language later.
RUSSIAN_MODULES = [
    "base",
    "web",
    "mail",
    "account",
    "loyalty",
    "crm_lite",
    "crm_loyalty",
]
LANGS = (
    ("en_US", "crm_loyalty_accountant_vip_invoice", "TOUR-COUPON-EN"),
    ("ru_RU", "crm_loyalty_accountant_vip_invoice_ru", "TOUR-COUPON-RU"),
)


@tagged("post_install", "-at_install")
class TestUiTour(CrmLoyaltyCommon, HttpCase):
    """The accountant's journey in a real browser, in English and in Russian
    (crm_loyalty/static/tests/tours/crm_loyalty_tour.js)."""

    def test_accountant_discounts_codes_points_and_payment_of_a_vip_invoice(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(RUSSIAN_MODULES, ["ru_RU"])
        self._promotion(
            "Tour VIP", discount=10, partner_category_ids=[(6, 0, self.tag_vip.ids)]
        )
        coupons = self._coupon_program("Tour Coupons", discount=20)
        points = self._points_program("Tour Points", per_euro=1.0, point_value=0.1)
        for lang, tour, code in LANGS:
            with self.subTest(lang=lang):
                self.accountant.lang = lang
                customer = self.vip.copy({"name": f"Valerie VIP {lang}"})
                self._coupon(coupons, code=code)
                card = self._give_points(customer, points, 100)
                invoice = self._draft(customer, user=self.accountant)
                self.start_tour(
                    f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
                    tour,
                    login=self.accountant.login,
                )
                self.assertEqual(invoice.state, "posted")
                self.assertIn(invoice.payment_state, ("paid", "in_payment"))
                self.assertEqual(
                    set(
                        self._reward_lines(invoice).reward_id.program_id.mapped("name")
                    ),
                    {"Tour VIP", "Tour Coupons", "Tour Points"},
                )
                # 120 - 12 (VIP) - 24 (coupon) - 5 (50 points): 79 paid.
                self.assertAlmostEqual(invoice.amount_total, 79.0)
                self.assertEqual(card.points, 134.0)

    def test_customer_sees_balance_and_next_expiry_on_the_portal(self):
        program = self._points_program("Portal Points", points_validity_months=12)
        partner = self.user_portal.partner_id
        self._give_points(partner, program, 75)
        self.authenticate(self.user_portal.login, self.user_portal.login)
        page = self.url_open("/my/home").text
        self.assertIn("Portal Points", page)
        self.assertIn("75", page)
        self.assertIn("expire on", page)
