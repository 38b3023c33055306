# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon

# Modules whose Russian terms the journeys show; loaded after the install, as
# when a user adds the language later.
RUSSIAN_MODULES = [
    "base",
    "web",
    "mail",
    "calendar",
    "contacts",
    "account",
    "utm",
    "mass_mailing",
    "crm_lite",
]
LANGS = (("en_US", "en"), ("ru_RU", "ru"))


@tagged("post_install", "-at_install")
class TestUiJourneys(CrmLiteCommon, HttpCase):
    """Each kind of user goes through their day in a real browser, in English
    and in Russian (crm_lite/static/tests/tours/crm_lite_journeys_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(RUSSIAN_MODULES, ["ru_RU"])
        main = cls.env.ref("base.main_company")
        cls.main_company = main

        def user(login, name, groups):
            return new_test_user(
                cls.env,
                login=login,
                name=name,
                email=f"{login}@example.com",
                groups=groups,
                company_id=main.id,
                company_ids=[Command.set(main.ids)],
                tz="Europe/Brussels",
            )

        cls.salesperson = user(
            "journey_sales", "Jules Journey", "crm_lite.group_crm_lite_user"
        )
        cls.accountant = user(
            "journey_accountant",
            "Ada Accounts",
            "base.group_user,account.group_account_invoice",
        )
        cls.head = user(
            "journey_head",
            "Hugo Head",
            "crm_lite.group_crm_lite_all,base.group_partner_manager",
        )
        cls.consultant = user(
            "journey_consultant",
            "Cora Consultant",
            "crm_lite.group_crm_lite_manager,base.group_partner_manager",
        )
        cls.marketer = user(
            "journey_marketer",
            "Mona Marketer",
            "crm_lite.group_crm_lite_user,mass_mailing.group_mass_mailing_user",
        )

        cls.pipeline_sales = cls.env.ref("crm_lite.pipeline_new_sales")
        cls.pipeline_sales.member_ids = [Command.link(cls.salesperson.id)]
        cls.stage_lead = cls.env.ref("crm_lite.stage_new_sales_lead")
        cls.stage_negotiation = cls.env.ref("crm_lite.stage_new_sales_negotiation")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Journey Customer", "is_company": True, "company_id": main.id}
        )
        Deal = cls.env["crm.lite.deal"].with_company(main)
        cls.never_invoiced = Deal.create(
            [
                {
                    "name": f"Never invoiced chairs {suffix}",
                    "pipeline_id": cls.pipeline_sales.id,
                    "partner_id": cls.customer.id,
                    "user_id": cls.salesperson.id,
                    "amount": 500,
                }
                for suffix in ("EN", "RU")
            ]
        )

        # A second pipeline with stages named like the first one's.
        cls.pipeline_repeat = cls.env["crm.lite.pipeline"].create(
            {"name": "Journey Repeat", "company_id": main.id}
        )
        repeat_lead, _won = cls.env["crm.lite.stage"].create(
            [
                {"name": "Lead", "sequence": 1, "pipeline_id": cls.pipeline_repeat.id},
                {
                    "name": "Won",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline_repeat.id,
                    "kind": "won",
                },
            ]
        )
        repeat_deal = Deal.create(
            {
                "name": "Journey repeat order",
                "pipeline_id": cls.pipeline_repeat.id,
                "partner_id": cls.customer.id,
                "user_id": cls.head.id,
                "amount": 800,
            }
        )
        next_monday = fields.Date.today() + relativedelta(weeks=1, weekday=0)
        start = datetime.combine(next_monday + timedelta(days=1), time(9))
        cls.env["calendar.event"].create(
            {
                "name": "Journey next week meeting",
                "start": start,
                "stop": start + timedelta(hours=1),
                "user_id": cls.head.id,
                "partner_ids": [Command.link(cls.head.partner_id.id)],
                "deal_id": repeat_deal.id,
            }
        )

        # The consultant's own pipeline: entering Negotiation needs a date.
        cls.pipeline_consulting = cls.env["crm.lite.pipeline"].create(
            {
                "name": "Journey Consulting",
                "sequence": 0,
                "company_id": main.id,
                "member_ids": [Command.set(cls.consultant.ids)],
            }
        )
        deadline = cls.env["ir.model.fields"]._get("crm.lite.deal", "date_deadline")
        cls.env["crm.lite.stage"].create(
            [
                {
                    "name": "Lead",
                    "sequence": 1,
                    "pipeline_id": cls.pipeline_consulting.id,
                },
                {
                    "name": "Negotiation",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline_consulting.id,
                    "required_field_ids": [Command.set(deadline.ids)],
                },
            ]
        )
        cls.consultant_deal = Deal.create(
            {
                "name": "Journey consultant deal",
                "pipeline_id": cls.pipeline_consulting.id,
                "user_id": cls.consultant.id,
            }
        )

        # The marketer's segment: two readers, one of them twice.
        cls.campaign = cls.env["utm.campaign"].create({"title": "Journey Campaign"})
        tag = cls.env["res.partner.category"].create({"name": "Journey readers"})
        cls.env["res.partner"].create(
            [
                {"name": name, "email": email, "category_id": tag.ids}
                for name, email in (
                    ("Reader One", "reader.one@example.com"),
                    ("Reader Two", "reader.two@example.com"),
                    ("Reader Two Again", "READER.TWO@example.com"),
                )
            ]
        )
        cls.segment = (
            cls.env["crm.lite.segment"]
            .with_company(main)
            .create(
                {
                    "name": "Journey readers",
                    "company_id": main.id,
                    "domain": repr([("category_id", "in", tag.ids)]),
                    "campaign_id": cls.campaign.id,
                }
            )
        )

    def _journey(self, user, url, name):
        for lang, suffix in LANGS:
            with self.subTest(lang=lang):
                user.lang = lang
                self.start_tour(url, f"{name}_{suffix}", login=user.login)

    def test_salesperson_journey(self):
        self._journey(
            self.salesperson,
            "/odoo/action-crm_lite.crm_lite_action_open_pipeline",
            "crm_lite_salesperson_journey",
        )
        for name in ("Journey deal EN", "Сделка маршрута RU"):
            deal = self.env["crm.lite.deal"].search([("name", "=", name)])
            self.assertEqual(len(deal), 1, name)
            # Lost with its reason, reopened in the stage it left.
            self.assertEqual(deal.stage_id, self.stage_negotiation)
            kinds = deal.stage_history_ids.sorted("id").mapped("stage_kind")
            self.assertEqual(kinds, ["open", "open", "lost", "open"])
            self.assertEqual(deal.partner_id, self.customer)
            self.assertEqual(deal.meeting_count, 1)

    def test_accountant_journey(self):
        self._journey(
            self.accountant,
            "/odoo/action-account.action_move_out_invoice_type/new",
            "crm_lite_accountant_journey",
        )
        for deal in self.never_invoiced:
            self.assertEqual(deal.payment_state, "paid", deal.name)
            self.assertEqual(deal.amount_paid, 500)

    def test_head_of_sales_journey(self):
        self._journey(
            self.head,
            "/odoo/action-crm_lite.crm_lite_deal_action_all",
            "crm_lite_head_of_sales_journey",
        )

    def test_consultant_journey(self):
        self._journey(
            self.consultant,
            "/odoo/action-crm_lite.crm_lite_action_open_pipeline",
            "crm_lite_consultant_journey",
        )
        definition = self.pipeline_consulting.deal_properties_definition
        self.assertEqual(
            {prop["string"] for prop in definition},
            {"Journey budget EN", "Бюджет маршрута RU"},
        )
        self.assertTrue(all(prop.get("view_in_cards") for prop in definition))
        self.assertEqual(self.consultant_deal.stage_id.name, "Lead")

    def test_marketing_journey(self):
        self._journey(
            self.marketer,
            "/odoo/action-crm_lite.crm_lite_segment_action",
            "crm_lite_marketing_journey",
        )
        mailings = self.env["mailing.mailing"].search(
            [("crm_segment_id", "=", self.segment.id)]
        )
        self.assertEqual(
            set(mailings.mapped("subject")), {"Journey news EN", "Новости маршрута RU"}
        )
        self.assertEqual(set(mailings.mapped("state")), {"in_queue"})
        self.assertEqual(mailings.campaign_id, self.campaign)
        self.assertEqual(mailings.mapped("create_uid"), self.marketer)
