from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged, users

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestEverydayUse(CrmLiteCommon):
    """What salespeople, accountants and heads of sales meet in the web
    client, checked at the level of the server calls the screens make."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Autumn Fair"})

    # ------------------------------------------------------------
    # LOST AND REOPEN
    # ------------------------------------------------------------

    @users("crm_lite_sales_1")
    def test_drop_on_lost_asks_why_then_closes_in_that_stage(self):
        """The kanban drop and the status bar open the dialog with the lost
        stage chosen; the deal moves once a reason is given."""
        deal = self.env["crm.lite.deal"].browse(self._create_deal().id)
        second_lost = (
            self.env["crm.lite.stage"]
            .sudo()
            .create(
                {
                    "name": "Lost to competitor",
                    "sequence": 5,
                    "pipeline_id": self.pipeline.id,
                    "kind": "lost",
                }
            )
        )
        action = deal.with_context(
            default_stage_id=second_lost.id
        ).action_open_lost_wizard()
        self.assertEqual(action["context"]["default_stage_id"], second_lost.id)
        wizard_form = Form(
            self.env["crm.lite.deal.lost"].with_context(**action["context"])
        )
        wizard_form.lost_reason_id = self.lost_reason
        wizard_form.save().action_mark_lost()
        self.assertEqual(deal.stage_id, second_lost)
        self.assertEqual(deal.lost_reason_id, self.lost_reason)
        # A lost stage of another pipeline is refused.
        other = self._create_deal(name="Other", pipeline_id=self.pipeline_2.id)
        with self.assertRaisesRegex(UserError, "not a lost stage"):
            other.with_env(self.env).action_set_lost(
                self.lost_reason.id, second_lost.id
            )

    @users("crm_lite_sales_1")
    def test_reopen_goes_back_to_the_stage_it_was_closed_from(self):
        deal = self.env["crm.lite.deal"].browse(
            self._create_deal(stage_id=self.stage_negotiation.id).id
        )
        deal.action_set_lost(self.lost_reason.id)
        deal.action_reopen()
        self.assertEqual(deal.stage_id, self.stage_negotiation)
        self.assertFalse(deal.lost_reason_id)
        deal.write({"stage_id": self.stage_lead.id})
        deal.action_set_won()
        deal.action_reopen()
        self.assertEqual(deal.stage_id, self.stage_lead)
        # Created closed: back to the first stage.
        closed = self.env["crm.lite.deal"].create(
            {
                "name": "Closed at once",
                "pipeline_id": self.pipeline.id,
                "stage_id": self.stage_won.id,
            }
        )
        closed.action_reopen()
        self.assertEqual(closed.stage_id, self.stage_lead)

    def test_required_field_message_for_salespeople_and_admins(self):
        """A salesperson meets a stage's required fields as a clear message;
        a CRM administrator (not a system administrator) sets them up."""
        deadline = self.env["ir.model.fields"]._get("crm.lite.deal", "date_deadline")
        self.stage_negotiation.with_user(self.user_manager).write(
            {"required_field_ids": [Command.set(deadline.ids)]}
        )
        self.assertEqual(
            self.stage_negotiation.with_user(
                self.user_manager
            ).required_field_ids.mapped("name"),
            ["date_deadline"],
        )
        deal = self._create_deal().with_user(self.user_sales_1)
        with self.assertRaisesRegex(UserError, "fill in Expected Closing first"):
            deal.write({"stage_id": self.stage_negotiation.id})
        deal.write(
            {"stage_id": self.stage_negotiation.id, "date_deadline": "2026-12-31"}
        )
        self.assertEqual(deal.stage_id, self.stage_negotiation)

    # ------------------------------------------------------------
    # CAMPAIGNS
    # ------------------------------------------------------------

    def test_campaign_figures_stay_right_while_a_cost_is_edited(self):
        deal = self._create_deal(campaign_id=self.campaign.id, amount=3000)
        deal.action_set_won()
        self._pay(self._invoice_deal(deal))
        self.env["crm.lite.campaign.cost"].create(
            {"campaign_id": self.campaign.id, "description": "Booth", "amount": 1000}
        )
        with Form(self.campaign.with_user(self.user_manager)) as form:
            self.assertEqual(form.deal_count, 1)
            with form.cost_ids.edit(0) as cost:
                cost.amount = 1500
            self.assertEqual(form.cost_total, 1500)
            self.assertEqual(form.deal_count, 1)
            self.assertEqual(form.won_count, 1)
            self.assertEqual(form.revenue_paid, 3000)
            self.assertEqual(form.roi, 1.0)
            with form.cost_ids.new() as cost:
                cost.description = "Flyers"
                cost.amount = 500
            self.assertEqual(form.cost_total, 2000)
            self.assertEqual(form.revenue_paid, 3000)
        self.assertEqual(self.campaign.cost_total, 2000)

    def test_campaign_over_budget_and_undefined_ratios(self):
        campaign = self.env["utm.campaign"].create({"title": "Small", "budget": 100})
        self.assertFalse(campaign.is_over_budget)
        self.env["crm.lite.campaign.cost"].create(
            {"campaign_id": campaign.id, "description": "Ads", "amount": 150}
        )
        self.assertTrue(campaign.is_over_budget)
        arch = self.env["utm.campaign"].get_views(
            [(self.env.ref("crm_lite.utm_campaign_view_list_crm_lite").id, "list")]
        )["views"]["list"]["arch"]
        view = etree.fromstring(arch)
        for name in ("budget", "cost_total"):
            self.assertEqual(
                view.find(f".//field[@name='{name}']").get("decoration-danger"),
                "is_over_budget",
            )
        # No cost: no ROI; no won deal: no cost per won deal; totals below.
        self.assertEqual(
            view.find(".//field[@name='roi']").get("invisible"), "not cost_total"
        )
        self.assertEqual(
            view.find(".//field[@name='cost_per_won']").get("invisible"),
            "not won_count",
        )
        for fname in ("budget", "cost_total", "revenue_paid", "deal_count"):
            self.assertTrue(view.find(f".//field[@name='{fname}']").get("sum"))

    def _bill(self, amounts):
        return self.init_invoice(
            "in_invoice", partner=self.partner_b, amounts=amounts, taxes=[], post=True
        )

    def _cost(self, campaign, description, bill, line=None):
        return (
            self.env["crm.lite.campaign.cost"]
            .with_user(self.user_manager)
            .create(
                {
                    "campaign_id": campaign.id,
                    "description": description,
                    "move_id": bill.id,
                    "move_line_id": line.id if line else False,
                }
            )
        )

    def test_a_vendor_bill_counts_once(self):
        bill = self._bill([4000.0, 2700.0])
        self._cost(self.campaign, "Stand", bill)
        with self.assertRaisesRegex(ValidationError, "already counts as a cost"):
            self._cost(self.campaign, "Stand again", bill)
        self.assertEqual(self.campaign.cost_total, 6700.0)
        # A bill paying for two campaigns: one line each, once.
        shared = self._bill([1000.0, 300.0])
        first_line, second_line = shared.invoice_line_ids
        other = self.env["utm.campaign"].create({"title": "Winter"})
        self._cost(self.campaign, "Print", shared, first_line)
        self._cost(other, "Print", shared, second_line)
        self.assertEqual(self.campaign.cost_total, 7700.0)
        self.assertEqual(other.cost_total, 300.0)
        with self.assertRaisesRegex(ValidationError, "already counts as a cost"):
            self._cost(other, "Print twice", shared, first_line)
        with self.assertRaisesRegex(ValidationError, "already counts as a cost"):
            self._cost(other, "Whole", shared)
        self.assertEqual(other.cost_total, 300.0)

    # ------------------------------------------------------------
    # ACCOUNTANTS AND INVOICES
    # ------------------------------------------------------------

    def test_accountant_picks_a_never_invoiced_deal_of_the_customer(self):
        deal = self._create_deal(name="Office chairs", amount=1200)
        lost = self._create_deal(name="Lost chairs")
        lost.action_set_lost(self.lost_reason.id)
        self._create_deal(name="Other customer's", partner_id=self.other_customer.id)
        invoice = self._invoice_partner(self.organization, 1200.0, post=False)
        Deal = self.env["crm.lite.deal"].with_user(self.user_accountant)
        self.assertFalse(Deal.name_search("chairs"))
        picker = Deal.with_context(crm_lite_invoice_partner_id=self.organization.id)
        found = picker.name_search("")
        self.assertEqual([deal_id for deal_id, _name in found], [deal.id])
        self.assertIn("Office chairs", found[0][1])
        self.assertIn("1,200.00", found[0][1])
        self.assertFalse(picker.name_search("nothing like it"))
        invoice.with_user(self.user_accountant).deal_id = deal
        invoice.with_user(self.user_accountant).action_post()
        self._pay(invoice)
        deal_as_accountant = deal.with_user(self.user_accountant)
        self.assertEqual(deal_as_accountant.payment_state, "paid")
        self.assertEqual(deal_as_accountant.amount_paid, 1200.0)

    # ------------------------------------------------------------
    # MEETINGS AND CONTACTS
    # ------------------------------------------------------------

    def test_colleague_meeting_document_button_explains(self):
        deal = self._create_deal(name="Samuel's deal", user_id=self.user_sales_2.id)
        event = (
            self.env["calendar.event"]
            .with_user(self.user_sales_2)
            .create(
                {
                    "name": "Visit",
                    "start": "2026-01-05 10:00:00",
                    "stop": "2026-01-05 11:00:00",
                    "deal_id": deal.id,
                    "partner_ids": [Command.link(self.user_sales_1.partner_id.id)],
                }
            )
        )
        as_sally = event.with_user(self.user_sales_1)
        self.assertFalse(as_sally.deal_readable)
        with self.assertRaisesRegex(UserError, "Samuel Sales"):
            as_sally.action_open_calendar_event()
        action = event.with_user(self.user_sales_2).action_open_calendar_event()
        self.assertEqual(action["res_id"], deal.id)

    def test_salesperson_asks_an_administrator_to_merge(self):
        admin = new_test_user(
            self.env,
            login="crm_lite_merge_admin",
            name="Rights Admin",
            groups="base.group_erp_manager,crm_lite.group_crm_lite_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.user_sales_1.groups_id = [
            Command.link(self.env.ref("base.group_partner_manager").id)
        ]
        typed_again = self.env["res.partner"].create(
            {"name": "John S.", "email": "JOHN.SMITH@acme-corp.example.com"}
        )
        as_sally = typed_again.with_user(self.user_sales_1)
        self.assertEqual(as_sally.crm_duplicate_ids, self.contact)
        self.assertFalse(as_sally.crm_can_merge_duplicates)
        with self.assertRaisesRegex(UserError, "Ask an administrator"):
            as_sally.action_crm_merge_duplicates()
        as_sally.action_crm_ask_merge()
        activity = typed_again.activity_ids
        self.assertEqual(activity.user_id, admin)
        self.assertIn("John Smith", str(activity.note))
        self.assertTrue(typed_again.with_user(admin).crm_can_merge_duplicates)
        # Same e-mail, character for character: the salesperson merges.
        self.contact.email = typed_again.email
        self.assertTrue(
            typed_again.with_user(self.user_sales_1).crm_can_merge_duplicates
        )

    # ------------------------------------------------------------
    # REPORTS AND SMALLER THINGS
    # ------------------------------------------------------------

    def test_reports_group_stages_under_their_pipeline(self):
        for model, view_type in (
            ("crm.lite.deal", "pivot"),
            ("crm.lite.deal", "graph"),
            ("crm.lite.stage.history", "pivot"),
        ):
            arch = self.env[model].get_views([(False, view_type)])["views"][view_type][
                "arch"
            ]
            names = [node.get("name") for node in etree.fromstring(arch).iter("field")]
            with self.subTest(model=model, view=view_type):
                self.assertLess(names.index("pipeline_id"), names.index("stage_id"))

    def test_smaller_screen_details(self):
        deal_fields = self.env["crm.lite.deal"].fields_get(["color", "amount"])
        self.assertFalse(deal_fields["color"].get("aggregator"))
        self.assertEqual(deal_fields["amount"].get("aggregator"), "sum")
        action = self.organization.action_view_deals()
        self.assertIn("No open deal with Acme Corp", action["help"])
        form = self.env["crm.lite.deal"].get_views([(False, "form")])["views"]["form"]
        invoices = etree.fromstring(form["arch"]).find(".//field[@name='invoice_ids']")
        total = invoices.find(".//field[@name='amount_total_signed']")
        self.assertEqual(total.get("string"), "Total")
        self.assertIsNotNone(invoices.find(".//field[@name='company_currency_id']"))
        kanban = self.env["crm.lite.deal"].get_views([(False, "kanban")])["views"]
        self.assertIn('name="properties"', kanban["kanban"]["arch"])
        meetings = self.env["calendar.event"].get_views([(False, "list")])["views"]
        self.assertIn('name="deal_id"', meetings["list"]["arch"])

    def test_data_translated_for_a_language_installed_later(self):
        """Someone switches to Russian, Ukrainian or Lithuanian after the
        install: pipelines, stages, lost reasons and activity types of the
        addon are translated."""
        expected = {
            "ru_RU": ("Новые продажи", "Лид", "Слишком дорого"),
            "uk_UA": None,
            "lt_LT": None,
        }
        for code in expected:
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(["crm_lite"], list(expected))
        for code, names in expected.items():
            with self.subTest(lang=code):
                env = self.env(context={"lang": code})
                pipeline = env.ref("crm_lite.pipeline_new_sales")
                stage = env.ref("crm_lite.stage_new_sales_lead")
                reason = env.ref("crm_lite.lost_reason_too_expensive")
                follow_up = env.ref("crm_lite.mail_activity_type_follow_up")
                values = (pipeline.name, stage.name, reason.name)
                if names:
                    self.assertEqual(values, names)
                self.assertNotEqual(pipeline.name, "New Sales")
                self.assertNotEqual(stage.name, "Lead")
                self.assertNotEqual(reason.name, "Too expensive")
                self.assertNotEqual(follow_up.name, "Follow-up")
