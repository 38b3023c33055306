from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestVisibility(CrmLiteCommon):
    """What each kind of user can see, also through records that point to
    deals: stage history, meetings, invoices, partner and campaign figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_1 = cls._create_deal(name="Sally's secret deal", amount=7000)
        cls.deal_2 = cls._create_deal(
            name="Samuel's deal", user_id=cls.user_sales_2.id, amount=3000
        )
        cls.deal_co2 = cls._create_deal(
            name="Second company deal",
            pipeline_id=cls.pipeline_co2.id,
            user_id=cls.user_sales_co2.id,
        )
        cls.deal_invoiced = cls._create_deal(
            name="Invoiced deal", user_id=cls.user_sales_2.id, amount=500
        )
        cls._invoice_deal(cls.deal_invoiced)
        (cls.deal_1 | cls.deal_2).write({"stage_id": cls.stage_negotiation.id})

    # ------------------------------------------------------------
    # STAGE HISTORY
    # ------------------------------------------------------------

    @users("crm_lite_accountant")
    def test_accountant_reads_history_of_invoiced_deals_only(self):
        History = self.env["crm.lite.stage.history"]
        rows = History.search_read([], ["deal_id", "amount"])
        self.assertEqual({row["deal_id"][0] for row in rows}, {self.deal_invoiced.id})
        groups = History.read_group([], ["amount:sum"], ["salesperson_id"])
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["salesperson_id"][0], self.user_sales_2.id)
        self.assertEqual(groups[0]["amount"], 500)

    @users("crm_lite_sales_1")
    def test_salesperson_reads_history_of_own_and_followed_deals(self):
        History = self.env["crm.lite.stage.history"]
        self.assertEqual(History.search([]).deal_id, self.deal_1)
        self.deal_2.sudo().message_subscribe(partner_ids=self.env.user.partner_id.ids)
        self.assertEqual(History.search([]).deal_id, self.deal_1 | self.deal_2)

    @users("crm_lite_employee", "crm_lite_portal")
    @mute_logger("odoo.addons.base.models.ir_model")
    def test_no_crm_right_no_history(self):
        """Employees without CRM rights, and portal users, read none."""
        with self.assertRaises(AccessError):
            self.env["crm.lite.stage.history"].search_read([], ["deal_id"])

    # ------------------------------------------------------------
    # MEETINGS
    # ------------------------------------------------------------

    @users("crm_lite_employee", "crm_lite_sales_1", "crm_lite_sales_co2")
    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_meeting_cannot_point_to_a_deal_one_cannot_see(self):
        Event = self.env["calendar.event"]
        for deal in (self.deal_2, self.deal_co2):
            if deal.with_env(self.env).has_access("read"):
                continue
            with self.subTest(deal=deal.name):
                with self.assertRaises(AccessError) as catcher:
                    Event.create(
                        {
                            "name": "Spy meeting",
                            "start": "2026-01-05 10:00:00",
                            "stop": "2026-01-05 11:00:00",
                            "deal_id": deal.id,
                        }
                    )
                self.assertNotIn(deal.name, str(catcher.exception))
                event = Event.create(
                    {
                        "name": "Harmless meeting",
                        "start": "2026-01-05 10:00:00",
                        "stop": "2026-01-05 11:00:00",
                    }
                )
                with self.assertRaises(AccessError):
                    event.write({"deal_id": deal.id})
        self.assertFalse(
            self.env["calendar.event"]
            .sudo()
            .search([("deal_id", "in", (self.deal_2 | self.deal_co2).ids)])
        )

    def test_colleague_opens_meeting_of_a_deal_he_cannot_see(self):
        """Sally attends Samuel's meeting: she reads it, not its deal."""
        event = (
            self.env["calendar.event"]
            .with_user(self.user_sales_2)
            .create(
                {
                    "name": "Demo at the client",
                    "start": "2026-01-05 10:00:00",
                    "stop": "2026-01-05 11:00:00",
                    "deal_id": self.deal_2.id,
                    "partner_ids": [(4, self.user_sales_1.partner_id.id)],
                }
            )
        )
        values = event.with_user(self.user_sales_1).read(["name", "deal_stage_kind"])
        self.assertEqual(values[0]["name"], "Demo at the client")
        self.assertFalse(values[0]["deal_stage_kind"])
        self.assertEqual(event.with_user(self.user_sales_2).deal_stage_kind, "open")

    # ------------------------------------------------------------
    # INVOICES
    # ------------------------------------------------------------

    def test_linking_an_invoice_names_no_hidden_deal_or_customer(self):
        invoice = self._invoice_partner(self.other_customer, 100.0, post=False)
        with self.assertRaises(ValidationError) as catcher:
            invoice.with_user(self.user_accountant).deal_id = self.deal_1
        message = str(catcher.exception)
        self.assertNotIn(self.deal_1.name, message)
        self.assertNotIn(self.organization.name, message)
        self.assertNotIn(self.contact.name, message)

    # ------------------------------------------------------------
    # FIGURES OF PARTNERS AND CAMPAIGNS
    # ------------------------------------------------------------

    @users("crm_lite_employee")
    def test_employee_reads_no_payment_figures_of_partners(self):
        partner = self.organization.with_env(self.env)
        for fname in (
            "crm_total_paid",
            "crm_last_paid_invoice_date",
            "crm_days_since_last_paid_invoice",
            "crm_has_open_deal",
            "open_pipeline_amount",
        ):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    partner.read([fname])
        with self.assertRaises(AccessError):
            self.env["res.partner"].search([("crm_total_paid", ">", 0)])
        # The contact itself stays readable.
        self.assertEqual(partner.read(["name"])[0]["name"], "Acme Corp")

    @users("crm_lite_accountant")
    def test_accountant_reads_payment_figures(self):
        self.assertEqual(self.organization.with_env(self.env).crm_total_paid, 0.0)

    def test_open_deal_flag_stays_in_the_users_companies(self):
        partner = self.env["res.partner"].create({"name": "Only in Second Co"})
        self._create_deal(
            name="Co2 open deal",
            pipeline_id=self.pipeline_co2.id,
            partner_id=partner.id,
            user_id=self.user_sales_co2.id,
        )
        as_first = partner.with_user(self.user_sales_1)
        self.assertFalse(as_first.crm_has_open_deal)
        self.assertFalse(
            as_first.search([("crm_has_open_deal", "=", True), ("id", "=", partner.id)])
        )
        self.assertTrue(partner.with_user(self.user_sales_co2).crm_has_open_deal)

    @users("crm_lite_employee")
    def test_employee_reads_no_campaign_figures(self):
        campaign = self.env["utm.campaign"].create({"title": "Employee campaign"})
        for fname in ("budget", "revenue_paid", "roi", "cost_total", "deal_count"):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    campaign.read([fname])

    def test_only_crm_administrators_set_budgets(self):
        campaign = self.env["utm.campaign"].create({"title": "Budgeted", "budget": 100})
        with self.assertRaisesRegex(AccessError, "CRM administrators"):
            campaign.with_user(self.user_sales_all).write({"budget": 5000})
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_employee).write({"budget": 5000})
        self.assertEqual(campaign.budget, 100)
        self.assertEqual(campaign.with_user(self.user_sales_1).budget, 100)
        campaign.with_user(self.user_manager).write({"budget": 5000})
        self.assertEqual(campaign.budget, 5000)
        # A salesperson still creates a campaign from a deal, without budget.
        created = (
            self.env["utm.campaign"]
            .with_user(self.user_sales_1)
            .create({"title": "Mine"})
        )
        self.assertFalse(created.sudo().budget)
