# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


class CrmLoyaltyFixtures:
    """The helpers of crm_loyalty's test base that make programs, cards and
    invoices in ``cls.env`` (for ``cls.company``, default product
    ``cls.product_20``); shared by ``CrmLoyaltyCommon`` and by the race tests,
    whose records live in committed cursors of their own."""

    # ------------------------------------------------------------
    # PROGRAMS
    # ------------------------------------------------------------

    @classmethod
    def _promotion(cls, name, discount=10.0, **values):
        """An automatic promotion on invoices: ``discount`` % on the whole
        invoice, no threshold unless ``minimum_amount`` is given."""
        minimum_amount = values.pop("minimum_amount", 0.0)
        reward = values.pop("reward", {})
        return cls.env["loyalty.program"].create(
            {
                "name": name,
                "program_type": "promotion",
                "invoice_ok": True,
                "company_id": cls.company.id,
                "rule_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_point_mode": "order",
                            "reward_point_amount": 1,
                            "minimum_amount": minimum_amount,
                            "minimum_qty": 0,
                        }
                    ),
                ],
                "reward_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount_mode": "percent",
                            "discount": discount,
                            "discount_applicability": "order",
                            "required_points": 1,
                            **reward,
                        }
                    ),
                ],
                **values,
            }
        )

    @classmethod
    def _points_program(cls, name="Points", per_euro=1.0, point_value=0.1, **values):
        """A loyalty card program on invoices: ``per_euro`` points per euro
        paid, each point worth ``point_value`` euros at redemption."""
        reward = values.pop("reward", {})
        return cls.env["loyalty.program"].create(
            {
                "name": name,
                "program_type": "loyalty",
                "invoice_ok": True,
                "company_id": cls.company.id,
                "portal_visible": True,
                "rule_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_point_mode": "money",
                            "reward_point_amount": per_euro,
                            "minimum_qty": 0,
                        }
                    ),
                ],
                "reward_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount_mode": "per_point",
                            "discount": point_value,
                            "discount_applicability": "order",
                            "required_points": 1,
                            **reward,
                        }
                    ),
                ],
                **values,
            }
        )

    @classmethod
    def _coupon_program(cls, name="Coupons", discount=20.0, **values):
        """A coupon program on invoices: a coupon of 1 point gives
        ``discount`` % off the invoice."""
        return cls.env["loyalty.program"].create(
            {
                "name": name,
                "program_type": "coupons",
                "invoice_ok": True,
                "company_id": cls.company.id,
                "reward_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount_mode": "percent",
                            "discount": discount,
                            "discount_applicability": "order",
                            "required_points": 1,
                        }
                    ),
                ],
                **values,
            }
        )

    @classmethod
    def _coupon(cls, program, partner=False, code=None, points=1.0, **values):
        return cls.env["loyalty.card"].create(
            {
                "program_id": program.id,
                "partner_id": partner and partner.id,
                "points": points,
                **({"code": code} if code else {}),
                **values,
            }
        )

    @classmethod
    def _give_points(cls, partner, program, points):
        """A card of ``program`` for ``partner`` holding ``points``, with the
        history row Odoo's "Update balance" would write."""
        card = cls.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": partner.id, "points": points}
        )
        cls.env["loyalty.history"].create(
            {"card_id": card.id, "description": "Opening balance", "issued": points}
        )
        return card

    # ------------------------------------------------------------
    # INVOICES
    # ------------------------------------------------------------

    @classmethod
    def _draft(cls, partner, lines=None, user=None, **values):
        """A draft customer invoice; ``lines`` are ``(product, quantity)`` or
        ``(product, quantity, price)``; default one armchair."""
        lines = lines or [(cls.product_20, 1)]
        env = cls.env(user=user) if user else cls.env
        return env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.context_today(cls.env.user),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line[0].id,
                            "quantity": line[1],
                            **({"price_unit": line[2]} if len(line) > 2 else {}),
                        }
                    )
                    for line in lines
                ],
                **values,
            }
        )

    @staticmethod
    def _reward_lines(invoice):
        return invoice.invoice_line_ids.filtered("is_reward_line").sorted("sequence")

    def _claim(self, invoice, reward, coupon, **kwargs):
        status = invoice._apply_program_reward(reward, coupon, **kwargs)
        self.assertEqual(status, {}, "The reward is applied without error.")
        return self._reward_lines(invoice).filtered(
            lambda line: line.reward_id == reward
        )

    def _history(self, card, invoice=None):
        domain = [("card_id", "=", card.id)]
        if invoice:
            domain += [
                ("order_model", "=", "account.move"),
                ("order_id", "=", invoice.id),
            ]
        return self.env["loyalty.history"].search(domain, order="id")


class CrmLoyaltyCommon(CrmLoyaltyFixtures, CrmLiteCommon):
    """The one test base of crm_loyalty, on crm_lite's (companies, users,
    partners, payment and credit note helpers through accounting's wizards).

    Adds:

    - taxes ``tax_20`` and ``tax_10`` (excluded from prices), products
      ``product_20`` (100, taxed 20%), ``product_10`` (50, taxed 10%) and
      ``product_gift`` (a free product reward, 30);
    - customer tags ``tag_family``, ``tag_student``, ``tag_vip``, and
      customers ``vip`` (tagged VIP) and ``customer`` (no tag);
    - ``accountant``: an invoicing user who posts and registers payments;
      ``loyalty_manager``: a CRM administrator who configures programs;
    - helpers to make programs, invoices, and to claim rewards.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax = cls.env["account.tax"]
        cls.tax_20 = Tax.create(
            {
                "name": "VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.tax_10 = Tax.create(
            {
                "name": "VAT 10%",
                "amount": 10,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        Product = cls.env["product.product"]
        cls.product_20 = Product.create(
            {
                "name": "Armchair",
                "list_price": 100.0,
                "taxes_id": [Command.set(cls.tax_20.ids)],
            }
        )
        cls.product_10 = Product.create(
            {
                "name": "Cookbook",
                "list_price": 50.0,
                "taxes_id": [Command.set(cls.tax_10.ids)],
            }
        )
        cls.product_gift = Product.create(
            {
                "name": "Gift Mug",
                "list_price": 30.0,
                "taxes_id": [Command.set(cls.tax_20.ids)],
            }
        )
        Tag = cls.env["res.partner.category"]
        cls.tag_family = Tag.create({"name": "Family"})
        cls.tag_student = Tag.create({"name": "Student"})
        cls.tag_vip = Tag.create({"name": "VIP"})
        cls.vip = cls.env["res.partner"].create(
            {
                "name": "Valerie VIP",
                "email": "valerie@vip.example.com",
                "category_id": [Command.set(cls.tag_vip.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Carl Customer", "email": "carl@customer.example.com"}
        )
        cls.accountant = cls.user_accountant
        cls.loyalty_manager = new_test_user(
            cls.env,
            login="crm_loyalty_manager",
            name="Lena Loyalty",
            email="lena@example.com",
            groups="crm_lite.group_crm_lite_manager,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
        )
        cls.company.loyalty_stacking = "best"
        # No program of the database (demo data...) interferes.
        cls.env["loyalty.program"].search(
            [("invoice_ok", "=", True)]
        ).invoice_ok = False
