from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon, create_pipeline


@tagged("post_install", "-at_install")
class TestCampaignRoi(CrmLiteCommon):
    """What a campaign cost and earned, read from its deals' invoices as
    accounting records them.

    Deals are made by a salesperson who may issue invoices, costs by a CRM
    administrator; accounting is done by ``cls.env``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="roi_salesman",
            name="Rita Roi",
            email="rita@roi.example",
            groups="base.group_user,crm_lite.group_crm_lite_all,"
            "account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # A salesperson who only sees their own deals (they own none here).
        cls.salesman_own = new_test_user(
            cls.env,
            login="roi_salesman_own",
            name="Oscar Own",
            email="oscar@roi.example",
            groups="crm_lite.group_crm_lite_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.marketing_manager = new_test_user(
            cls.env,
            login="roi_manager",
            name="Mona Marketing",
            email="mona@roi.example",
            groups="crm_lite.group_crm_lite_manager,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
        )
        cls.pipeline, stages = create_pipeline(
            cls.env, "ROI Funnel", company_id=cls.company.id
        )
        cls.stage_new, cls.stage_won, cls.stage_lost = stages
        cls.partner_a.is_company = True

        cls.campaign = cls.env["utm.campaign"].create(
            {
                "title": "Spring Fair 2025",
                "budget": 2500.0,
                "date_start": "2025-03-01",
                "date_end": "2025-03-31",
            }
        )
        cls.other_campaign = cls.env["utm.campaign"].create({"title": "Newsletter"})

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _deal(self, amount, campaign=None, **values):
        vals = {
            "name": f"Deal worth {amount}",
            "pipeline_id": self.pipeline.id,
            "partner_id": self.partner_a.id,
            "amount": amount,
            "user_id": self.salesman.id,
            "company_id": self.company.id,
            "campaign_id": (campaign or self.campaign).id,
        }
        vals.update(values)
        return self.env["crm.lite.deal"].with_user(self.salesman).create(vals)

    def _invoice(self, deal, post=True):
        """Salesperson clicks "Create Invoice"; the accountant posts it."""
        return self._invoice_deal(deal, post=post, user=self.salesman)

    def _cost(self, amount=None, campaign=None, **values):
        vals = {
            "campaign_id": (campaign or self.campaign).id,
            "description": "Booth",
            "date": "2025-03-01",
        }
        if amount is not None:
            vals["amount"] = amount
        vals.update(values)
        return (
            self.env["crm.lite.campaign.cost"]
            .with_user(self.marketing_manager)
            .create(vals)
        )

    def _assert_figures(self, campaign, user=None, company_ids=None, **expected):
        """Campaign figures as ``user`` reads them, in ``company_ids``."""
        campaign = campaign.with_user(user or self.marketing_manager)
        if company_ids is not None:
            campaign = campaign.with_context(allowed_company_ids=company_ids)
        campaign.invalidate_recordset()
        self.assertRecordValues(campaign, [expected])

    # ------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------

    def test_roi_from_invoices_in_every_state(self):
        deal_paid = self._deal(1000.0)
        deal_partial = self._deal(2000.0)
        deal_unpaid = self._deal(800.0)
        deal_refunded = self._deal(1500.0)
        deal_draft = self._deal(5000.0)
        deal_lost = self._deal(900.0)
        (deal_paid | deal_partial | deal_refunded).action_set_won()
        deal_lost.action_set_lost(self.lost_reason.id)
        # Deals of another campaign or without campaign are not counted.
        other = self._deal(10000.0, campaign=self.other_campaign)
        no_campaign = self._deal(7000.0, campaign_id=False)
        self._cost(1000.0, description="Booth rental")
        self._cost(800.0, description="Flyers")

        # Nothing invoiced yet: the whole cost is lost.
        self._assert_figures(
            self.campaign,
            deal_count=6,
            won_count=3,
            revenue_invoiced=0.0,
            revenue_paid=0.0,
            cost_total=1800.0,
            roi=-1.0,
            cost_per_deal=300.0,
            cost_per_won=600.0,
        )

        self._pay(self._invoice(deal_paid))
        self._pay(self._invoice(deal_partial), 500.0)
        self._invoice(deal_unpaid)
        invoice = self._invoice(deal_refunded)
        self._pay(invoice)
        refund = self._credit_note(invoice, 300.0)
        self.assertEqual(refund.amount_total, 300.0)
        draft = self._invoice(deal_draft, post=False)
        self.assertEqual(draft.state, "draft")
        self._pay(self._invoice(other))
        self._pay(self._invoice(no_campaign))

        self.assertRecordValues(
            deal_paid | deal_partial | deal_unpaid | deal_refunded | deal_draft,
            [
                {"amount_invoiced": 1000.0, "amount_paid": 1000.0},
                {"amount_invoiced": 2000.0, "amount_paid": 500.0},
                {"amount_invoiced": 800.0, "amount_paid": 0.0},
                {"amount_invoiced": 1200.0, "amount_paid": 1200.0},
                {"amount_invoiced": 0.0, "amount_paid": 0.0},
            ],
        )
        # Invoiced: 1000 + 2000 + 800 + (1500 - 300) = 5000, the draft is no
        # money. Paid: 1000 + 500 + 0 + (1500 - 300) = 2700.
        # ROI: (2700 - 1800) / 1800 = 0.5.
        self._assert_figures(
            self.campaign,
            deal_count=6,
            won_count=3,
            revenue_invoiced=5000.0,
            revenue_paid=2700.0,
            cost_total=1800.0,
            roi=0.5,
            cost_per_deal=300.0,
            cost_per_won=600.0,
        )
        self._assert_figures(
            self.other_campaign,
            deal_count=1,
            won_count=0,
            revenue_invoiced=10000.0,
            revenue_paid=10000.0,
            cost_total=0.0,
            roi=0.0,
            cost_per_deal=0.0,
            cost_per_won=0.0,
        )

        # Once the remaining 1500 of the partial invoice come in, the paid
        # revenue follows: 4200, ROI (4200 - 1800) / 1800.
        self._pay(deal_partial.invoice_ids)
        self._assert_figures(
            self.campaign, revenue_invoiced=5000.0, revenue_paid=4200.0
        )
        self.assertAlmostEqual(self.campaign.roi, 2400.0 / 1800.0, places=6)

        # A salesperson who sees none of these deals reads the same
        # company-wide results.
        self.assertFalse(
            self.env["crm.lite.deal"]
            .with_user(self.salesman_own)
            .search([("campaign_id", "=", self.campaign.id)])
        )
        self._assert_figures(
            self.campaign,
            user=self.salesman_own,
            deal_count=6,
            won_count=3,
            revenue_invoiced=5000.0,
            revenue_paid=4200.0,
            cost_total=1800.0,
            cost_per_deal=300.0,
            cost_per_won=600.0,
        )

    def test_full_refund_cancels_paid_revenue(self):
        deal = self._deal(1200.0)
        invoice = self._invoice(deal)
        self._pay(invoice)
        self._cost(600.0)
        self._assert_figures(
            self.campaign, revenue_invoiced=1200.0, revenue_paid=1200.0, roi=1.0
        )
        # The whole invoice is credited (money given back).
        self._credit_note(invoice, 1200.0)
        self._assert_figures(
            self.campaign,
            deal_count=1,
            revenue_invoiced=0.0,
            revenue_paid=0.0,
            cost_total=600.0,
            roi=-1.0,
        )

    def test_campaign_without_cost(self):
        deal = self._deal(1000.0)
        deal.action_set_won()
        self._pay(self._invoice(deal))
        self._assert_figures(
            self.campaign,
            deal_count=1,
            won_count=1,
            revenue_invoiced=1000.0,
            revenue_paid=1000.0,
            cost_total=0.0,
            roi=0.0,
            cost_per_deal=0.0,
            cost_per_won=0.0,
        )
        # A campaign without deals nor costs is all zeros.
        empty = self.env["utm.campaign"].create({"title": "Nothing yet"})
        self._assert_figures(
            empty,
            deal_count=0,
            won_count=0,
            revenue_invoiced=0.0,
            revenue_paid=0.0,
            cost_total=0.0,
            roi=0.0,
            cost_per_deal=0.0,
            cost_per_won=0.0,
        )

    def test_no_won_deal_keeps_cost_per_won_at_zero(self):
        self._deal(500.0)
        self._deal(700.0)
        self._cost(900.0)
        self._assert_figures(
            self.campaign,
            deal_count=2,
            won_count=0,
            cost_total=900.0,
            cost_per_deal=450.0,
            cost_per_won=0.0,
            roi=-1.0,
        )

    # ------------------------------------------------------------
    # COSTS FROM VENDOR BILLS
    # ------------------------------------------------------------

    def test_cost_from_vendor_bill(self):
        bill = self.init_invoice(
            "in_invoice",
            partner=self.partner_b,
            invoice_date=fields.Date.from_string("2025-03-05"),
            amounts=[400.0],
            taxes=self.tax_purchase_a,
            post=True,
        )
        self.assertEqual(bill.amount_untaxed, 400.0)
        self.assertGreater(bill.amount_total, 400.0, "The bill must carry a tax")
        cost = self._cost(description="Stand builder", move_id=bill.id)
        # The untaxed amount of the bill, not its total.
        self.assertEqual(cost.amount, 400.0)
        self._cost(100.0, description="Coffee")

        deal = self._deal(900.0)
        self._pay(self._invoice(deal))
        # (900 - 500) / 500
        self._assert_figures(
            self.campaign, cost_total=500.0, revenue_paid=900.0, roi=0.8
        )

        # A vendor credit note lowers the cost.
        vendor_refund = self.init_invoice(
            "in_refund",
            partner=self.partner_b,
            invoice_date=fields.Date.from_string("2025-03-20"),
            amounts=[50.0],
            taxes=self.tax_purchase_a,
            post=True,
        )
        refund_cost = self._cost(description="Stand discount", move_id=vendor_refund.id)
        self.assertEqual(refund_cost.amount, -50.0)
        self._assert_figures(
            self.campaign, cost_total=450.0, revenue_paid=900.0, roi=1.0
        )

    def test_cost_from_vendor_bill_in_foreign_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        self.assertNotEqual(currency, self.company.currency_id)
        bill = self.init_invoice(
            "in_invoice",
            partner=self.partner_b,
            invoice_date=fields.Date.from_string("2025-03-05"),
            amounts=[800.0],
            taxes=[],
            currency=currency,
            post=True,
        )
        cost = self._cost(description="Foreign stand", move_id=bill.id)
        # 800 EUR at 2 EUR per company currency unit.
        self.assertEqual(cost.amount, 400.0)
        self.assertEqual(cost.currency_id, self.company.currency_id)

    def test_cost_follows_bill_correction(self):
        bill = self.init_invoice(
            "in_invoice",
            partner=self.partner_b,
            invoice_date=fields.Date.from_string("2025-03-05"),
            amounts=[300.0],
            taxes=[],
            post=True,
        )
        cost = self._cost(description="Printing", move_id=bill.id)
        self.assertEqual(cost.amount, 300.0)
        bill.button_draft()
        bill.invoice_line_ids.price_unit = 350.0
        bill.action_post()
        self.assertEqual(cost.amount, 350.0)
        self._assert_figures(self.campaign, cost_total=350.0)

    def test_cost_only_from_vendor_bill(self):
        deal = self._deal(1000.0)
        customer_invoice = self._invoice(deal)
        with self.assertRaises(ValidationError):
            self._cost(description="Wrong document", move_id=customer_invoice.id)
        self.assertFalse(
            self.env["crm.lite.campaign.cost"]
            .sudo()
            .search([("campaign_id", "=", self.campaign.id)])
        )

    # ------------------------------------------------------------
    # BAD INPUT
    # ------------------------------------------------------------

    def test_negative_cost_refused(self):
        with self.assertRaises(ValidationError):
            self._cost(-50.0, description="Refund typed as cost")
        self.assertFalse(
            self.env["crm.lite.campaign.cost"]
            .sudo()
            .search([("campaign_id", "=", self.campaign.id)])
        )
        cost = self._cost(50.0)
        with self.assertRaises(ValidationError):
            cost.write({"amount": -1.0})
        self.assertEqual(cost.amount, 50.0)
        # Zero is allowed (a free booth is still a line of the campaign).
        cost.amount = 0.0
        self.assertEqual(cost.amount, 0.0)

    def test_campaign_dates_and_budget(self):
        Campaign = self.env["utm.campaign"]
        with self.assertRaises(ValidationError):
            Campaign.create(
                {
                    "title": "Backwards",
                    "date_start": "2025-05-10",
                    "date_end": "2025-05-01",
                }
            )
        self.assertFalse(Campaign.search([("title", "=", "Backwards")]))
        with self.assertRaises(ValidationError):
            self.campaign.write({"date_end": "2025-02-28"})
        self.assertEqual(self.campaign.date_end, fields.Date.from_string("2025-03-31"))
        # A one-day campaign is fine.
        self.campaign.write({"date_end": "2025-03-01"})
        self.assertEqual(self.campaign.date_end, fields.Date.from_string("2025-03-01"))

        with self.assertRaises(ValidationError):
            Campaign.create({"title": "Negative", "budget": -1.0})
        self.assertFalse(Campaign.search([("title", "=", "Negative")]))
        with self.assertRaises(ValidationError):
            self.campaign.write({"budget": -100.0})
        self.assertEqual(self.campaign.budget, 2500.0)
        self.campaign.budget = 0.0
        self.assertEqual(self.campaign.budget, 0.0)

    # ------------------------------------------------------------
    # COMPANIES
    # ------------------------------------------------------------

    def test_other_company_counted_in_its_currency(self):
        self._pay(self._invoice(self._deal(1000.0)))
        self._cost(400.0)
        # The same campaign also ran in the second company.
        deal_co2 = self.env["crm.lite.deal"].create(
            {
                "name": "Co2 deal",
                "pipeline_id": self.pipeline_co2.id,
                "partner_id": self.partner_a.id,
                "company_id": self.company_2.id,
                "user_id": False,
                "amount": 3000.0,
                "campaign_id": self.campaign.id,
            }
        )
        action = deal_co2.action_create_invoice()
        invoice_co2 = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(invoice_co2.company_id, self.company_2)
        invoice_co2.with_company(self.company_2).action_post()
        self.assertEqual(deal_co2.amount_invoiced, 3000.0)
        self._cost(200.0, company_id=self.company_2.id, description="Co2 booth")

        # Working in the first company only: its deals and costs only.
        self._assert_figures(
            self.campaign,
            company_ids=self.company.ids,
            deal_count=1,
            revenue_invoiced=1000.0,
            revenue_paid=1000.0,
            cost_total=400.0,
            roi=1.5,
        )
        # Someone who belongs to the first company only, whatever the context.
        self._assert_figures(
            self.campaign,
            user=self.salesman,
            deal_count=1,
            revenue_invoiced=1000.0,
            revenue_paid=1000.0,
            cost_total=400.0,
        )
        # Only the second company.
        self._assert_figures(
            self.campaign,
            company_ids=self.company_2.ids,
            deal_count=1,
            revenue_invoiced=3000.0,
            revenue_paid=0.0,
            cost_total=200.0,
            roi=-1.0,
        )
        # Both companies selected: both count, the second company's figures
        # converted from its currency (2 for 1) into the current company's.
        self._assert_figures(
            self.campaign,
            company_ids=(self.company | self.company_2).ids,
            deal_count=2,
            revenue_invoiced=1000.0 + 3000.0 / 2,
            revenue_paid=1000.0,
            cost_total=400.0 + 200.0 / 2,
        )
        # The same seen from the second company, in its currency.
        self._assert_figures(
            self.campaign,
            company_ids=(self.company_2 | self.company).ids,
            deal_count=2,
            revenue_invoiced=1000.0 * 2 + 3000.0,
            revenue_paid=1000.0 * 2,
            cost_total=400.0 * 2 + 200.0,
        )


@tagged("post_install", "-at_install")
class TestCampaignAttribution(CrmLiteCommon):
    """Where a deal and a client come from."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Autumn Mailing"})
        cls.source_fair, cls.source_web = cls.env["utm.source"].create(
            [{"name": "Trade Fair"}, {"name": "Website"}]
        )
        cls.medium_email = cls.env["utm.medium"].create({"name": "Cold E-mail"})
        cls.newcomer = cls.env["res.partner"].create(
            {"name": "Nora Newcomer", "email": "nora@newcomer.example"}
        )

    def test_form_sets_attribution_and_first_source(self):
        self.assertFalse(self.newcomer.crm_source_id)
        form = Form(self.env["crm.lite.deal"].with_user(self.user_sales_1))
        form.name = "Website lead"
        form.partner_id = self.newcomer
        form.campaign_id = self.campaign
        form.source_id = self.source_web
        form.medium_id = self.medium_email
        deal = form.save()
        self.assertRecordValues(
            deal,
            [
                {
                    "campaign_id": self.campaign.id,
                    "source_id": self.source_web.id,
                    "medium_id": self.medium_email.id,
                    "user_id": self.user_sales_1.id,
                }
            ],
        )
        self.assertEqual(self.newcomer.crm_source_id, self.source_web)

    def test_first_source_is_kept(self):
        # A deal without source leaves the client's source empty...
        self._create_deal(name="No source")
        self.assertFalse(self.contact.crm_source_id)
        self.assertFalse(self.organization.crm_source_id)
        # ...the first deal with a source sets it, on the contact and its
        # organization...
        self._create_deal(name="From the fair", source_id=self.source_fair.id)
        self.assertEqual(self.contact.crm_source_id, self.source_fair)
        self.assertEqual(self.organization.crm_source_id, self.source_fair)
        # ...and later deals from elsewhere do not change it.
        later = self._create_deal(name="From the web", source_id=self.source_web.id)
        self.assertEqual(later.source_id, self.source_web)
        self.assertEqual(self.contact.crm_source_id, self.source_fair)
        self.assertEqual(self.organization.crm_source_id, self.source_fair)

    def test_first_source_in_a_batch(self):
        deals = self.env["crm.lite.deal"].create(
            [
                {
                    "name": name,
                    "pipeline_id": self.pipeline.id,
                    "partner_id": self.other_customer.id,
                    "source_id": source.id,
                }
                for name, source in (
                    ("First", self.source_web),
                    ("Second", self.source_fair),
                )
            ]
        )
        self.assertEqual(deals.mapped("source_id"), self.source_web | self.source_fair)
        self.assertEqual(self.other_customer.crm_source_id, self.source_web)

    def test_import_with_campaign_and_source(self):
        result = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_1)
            .load(
                [
                    "name",
                    "pipeline_id",
                    "partner_id",
                    "campaign_id",
                    "source_id",
                    "medium_id",
                ],
                [
                    [
                        "Imported fair lead",
                        "Test Pipeline",
                        "Nora Newcomer",
                        "Autumn Mailing",
                        "Trade Fair",
                        "Cold E-mail",
                    ],
                    [
                        "Imported web lead",
                        "Test Pipeline",
                        "Nora Newcomer",
                        "",
                        "Website",
                        "",
                    ],
                ],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        deals = self.env["crm.lite.deal"].browse(result["ids"])
        self.assertRecordValues(
            deals,
            [
                {
                    "name": "Imported fair lead",
                    "partner_id": self.newcomer.id,
                    "campaign_id": self.campaign.id,
                    "source_id": self.source_fair.id,
                    "medium_id": self.medium_email.id,
                    "user_id": self.user_sales_1.id,
                },
                {
                    "name": "Imported web lead",
                    "partner_id": self.newcomer.id,
                    "campaign_id": False,
                    "source_id": self.source_web.id,
                    "medium_id": False,
                    "user_id": self.user_sales_1.id,
                },
            ],
        )
        # The first imported row is where the client came from.
        self.assertEqual(self.newcomer.crm_source_id, self.source_fair)
        self.assertEqual(self.campaign.deal_count, 1)

    def test_alias_defaults_set_attribution(self):
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "crm-lite.example"}
        )
        self.pipeline.write(
            {"alias_name": "autumn", "alias_domain_id": alias_domain.id}
        )
        self.pipeline.alias_id.alias_defaults = repr(
            {
                "pipeline_id": self.pipeline.id,
                "campaign_id": self.campaign.id,
                "source_id": self.source_web.id,
                "medium_id": self.medium_email.id,
            }
        )
        message = (
            "From: Walter Web <walter@web.example>\r\n"
            "To: autumn@crm-lite.example\r\n"
            "Subject: Quote request\r\n"
            "Message-ID: <quote-request-1@web.example>\r\n"
            "Date: Fri, 10 Oct 2025 10:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Please send us a quote.\r\n"
        )
        deal_id = self.env["mail.thread"].message_process(False, message)
        deal = self.env["crm.lite.deal"].browse(deal_id)
        self.assertRecordValues(
            deal,
            [
                {
                    "name": "Quote request",
                    "pipeline_id": self.pipeline.id,
                    "campaign_id": self.campaign.id,
                    "source_id": self.source_web.id,
                    "medium_id": self.medium_email.id,
                }
            ],
        )
        self.assertEqual(deal.partner_id.email, "walter@web.example")
        self.assertEqual(deal.partner_id.crm_source_id, self.source_web)
