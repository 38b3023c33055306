from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon

MARKETING_MODELS = (
    "crm.lite.segment",
    "crm.lite.occasion",
    "crm.lite.occasion.log",
    "mailing.mailing",
)


@tagged("post_install", "-at_install")
class TestMarketingSecurity(CrmLiteCommon):
    """Marketing is configured by CRM administrators; salespeople read the
    results of campaigns, company-wide."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Summer Promo"})
        cls.deal_sales_1 = cls._create_deal(
            name="Sally's promo deal", campaign_id=cls.campaign.id
        )
        cls.deal_sales_2 = cls._create_deal(
            name="Samuel's promo deal",
            user_id=cls.user_sales_2.id,
            campaign_id=cls.campaign.id,
            stage_id=cls.stage_won.id,
        )
        cls.deal_sales_2_lost = cls._create_deal(
            name="Samuel's lost promo deal",
            user_id=cls.user_sales_2.id,
            campaign_id=cls.campaign.id,
        )
        cls.deal_sales_2_lost.action_set_lost(cls.lost_reason.id)
        cls.deal_unrelated = cls._create_deal(name="Not from the promo")
        cls.deal_co2 = cls._create_deal(
            name="Second Co promo deal",
            pipeline_id=cls.pipeline_co2.id,
            user_id=cls.user_sales_co2.id,
            campaign_id=cls.campaign.id,
        )
        Cost = cls.env["crm.lite.campaign.cost"]
        cls.cost = Cost.create(
            {
                "campaign_id": cls.campaign.id,
                "description": "Radio spot",
                "amount": 600.0,
                "company_id": cls.company.id,
            }
        )
        cls.cost_co2 = Cost.create(
            {
                "campaign_id": cls.campaign.id,
                "description": "Second Co posters",
                "amount": 100.0,
                "company_id": cls.company_2.id,
            }
        )
        cls.segment = cls.env["crm.lite.segment"].create(
            {
                "name": "Acme people",
                "domain": repr([("parent_id", "=", cls.organization.id)]),
            }
        )

    def _figures(self, user, **context):
        campaign = self.campaign.with_user(user).with_context(**context)
        campaign.invalidate_recordset()
        return campaign.read(
            [
                "deal_count",
                "won_count",
                "revenue_invoiced",
                "revenue_paid",
                "cost_total",
                "roi",
                "cost_per_deal",
                "cost_per_won",
            ]
        )[0]

    # ------------------------------------------------------------
    # SALESPEOPLE
    # ------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.models")
    def test_salesperson_cannot_configure_marketing(self):
        for user in (self.user_sales_1, self.user_sales_all):
            env = self.env(user=user)
            with self.subTest(user=user.login):
                for model in MARKETING_MODELS:
                    self.assertFalse(env[model].has_access("read"), model)
                    self.assertFalse(env[model].has_access("create"), model)
                with self.assertRaises(AccessError):
                    env["crm.lite.segment"].create(
                        {"name": "My segment", "domain": "[]"}
                    )
                with self.assertRaises(AccessError):
                    env["crm.lite.segment"].search([])
                with self.assertRaises(AccessError):
                    env["mailing.mailing"].create(
                        {
                            "subject": "My mailing",
                            "mailing_model_id": env.ref("base.model_res_partner").id,
                        }
                    )
                with self.assertRaises(AccessError):
                    env["crm.lite.occasion"].create(
                        {
                            "name": "New Year",
                            "kind": "fixed",
                            "day": 1,
                            "month": "1",
                            "action": "activity",
                        }
                    )
                with self.assertRaises(AccessError):
                    env["crm.lite.campaign.cost"].create(
                        {
                            "campaign_id": self.campaign.id,
                            "description": "Lunch",
                            "amount": 50.0,
                        }
                    )
                # Costs are read, not changed.
                cost = self.cost.with_user(user)
                self.assertEqual(cost.amount, 600.0)
                with self.assertRaises(AccessError):
                    cost.write({"amount": 1.0})
                with self.assertRaises(AccessError):
                    cost.unlink()
        self.assertEqual(
            self.env["crm.lite.segment"].search_count([("name", "=", "My segment")]), 0
        )
        self.assertFalse(
            self.env["mailing.mailing"].search([("subject", "=", "My mailing")])
        )
        self.assertFalse(
            self.env["crm.lite.occasion"].search([("name", "=", "New Year")])
        )
        self.assertEqual(self.campaign.cost_ids, self.cost | self.cost_co2)
        self.assertEqual(self.cost.amount, 600.0)

    def test_salesperson_reads_company_wide_results(self):
        # Sally only sees her own deal...
        self.assertEqual(
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_1)
            .search([("campaign_id", "=", self.campaign.id)]),
            self.deal_sales_1,
        )
        # ...but the campaign results count her colleagues' deals too, in her
        # company only: 3 deals, 1 won, 600 of cost.
        self.assertEqual(
            self._figures(self.user_sales_1),
            {
                "id": self.campaign.id,
                "deal_count": 3,
                "won_count": 1,
                "revenue_invoiced": 0.0,
                "revenue_paid": 0.0,
                "cost_total": 600.0,
                "roi": -1.0,
                "cost_per_deal": 200.0,
                "cost_per_won": 600.0,
            },
        )
        # She reads the costs of her company, not the others'.
        campaign = self.campaign.with_user(self.user_sales_1)
        self.assertEqual(campaign.cost_ids, self.cost)
        self.assertEqual(campaign.cost_ids.read(["amount"])[0]["amount"], 600.0)

    def test_salesperson_of_other_company(self):
        figures = self._figures(self.user_sales_co2)
        self.assertEqual(figures["deal_count"], 1)
        self.assertEqual(figures["won_count"], 0)
        self.assertEqual(figures["cost_total"], 100.0)
        self.assertEqual(figures["cost_per_deal"], 100.0)
        self.assertEqual(
            self.campaign.with_user(self.user_sales_co2).cost_ids, self.cost_co2
        )

    def test_manager_sees_selected_companies(self):
        both = self._figures(
            self.user_manager, allowed_company_ids=(self.company | self.company_2).ids
        )
        self.assertEqual(both["deal_count"], 4)
        self.assertEqual(both["won_count"], 1)
        # The second company's 100 are in its own currency, worth 50 here.
        self.assertEqual(both["cost_total"], 650.0)
        self.assertEqual(both["cost_per_deal"], 162.5)
        first = self._figures(self.user_manager, allowed_company_ids=self.company.ids)
        self.assertEqual(first["deal_count"], 3)
        self.assertEqual(first["cost_total"], 600.0)

    # ------------------------------------------------------------
    # ADMINISTRATORS
    # ------------------------------------------------------------

    def test_manager_configures_marketing(self):
        env = self.env(user=self.user_manager)
        segment = env["crm.lite.segment"].create(
            {"name": "Lyon clients", "domain": "[('city', '=', 'Lyon')]"}
        )
        segment.write({"domain": "[('city', '=', 'Paris')]"})
        self.assertEqual(segment.domain, "[('city', '=', 'Paris')]")
        occasion = env["crm.lite.occasion"].create(
            {
                "name": "New Year",
                "kind": "fixed",
                "day": 1,
                "month": "1",
                "action": "activity",
            }
        )
        cost = env["crm.lite.campaign.cost"].create(
            {"campaign_id": self.campaign.id, "description": "Lunch", "amount": 50.0}
        )
        self.assertEqual(cost.company_id, self.company)
        cost.write({"amount": 60.0})
        self.assertEqual(
            self.campaign.with_user(self.user_manager)
            .with_context(allowed_company_ids=self.company.ids)
            .cost_total,
            660.0,
        )
        occasion.unlink()
        segment.unlink()
        cost.unlink()
        for record in (occasion, segment, cost):
            self.assertFalse(record.exists())
