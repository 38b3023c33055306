from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged, users
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestCompanyRules(CrmLiteCommon):
    """Records stay in the companies of the people who write them: moving
    one into another company is refused like creating it there is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_co1 = new_test_user(
            cls.env,
            login="crm_lite_manager_co1",
            name="Mira First-Co Manager",
            groups="crm_lite.group_crm_lite_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.campaign = cls.env["utm.campaign"].create({"title": "Fair"})
        cls.cost = cls.env["crm.lite.campaign.cost"].create(
            {"campaign_id": cls.campaign.id, "description": "Booth", "amount": 5000}
        )

    @users("crm_lite_manager_co1")
    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_stage_cannot_move_to_another_companys_pipeline(self):
        stage = self.env["crm.lite.stage"].create(
            {"name": "Injected", "sequence": 0, "pipeline_id": self.pipeline.id}
        )
        with self.assertRaises(AccessError):
            self.env["crm.lite.stage"].create(
                {"name": "Injected", "pipeline_id": self.pipeline_co2.id}
            )
        with self.assertRaises(AccessError):
            stage.write({"pipeline_id": self.pipeline_co2.id})
        self.assertEqual(stage.sudo().pipeline_id, self.pipeline)
        # The second company's new deals still start in their own first stage.
        deal = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_co2)
            .create({"name": "Co2 deal", "pipeline_id": self.pipeline_co2.id})
        )
        self.assertEqual(deal.stage_id, self.stage_co2_new)

    @users("crm_lite_manager_co1")
    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_campaign_cost_cannot_move_to_another_company(self):
        cost = self.cost.with_env(self.env)
        with self.assertRaises(AccessError):
            cost.write({"company_id": self.company_2.id})
        self.assertEqual(cost.sudo().company_id, self.company)
        # The second company's campaign cost did not rise.
        figures = self.campaign.with_user(self.user_sales_co2)
        self.assertEqual(figures.cost_total, 0.0)

    @users("crm_lite_manager_co1")
    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_empty_pipeline_cannot_move_to_another_company(self):
        pipeline = self.env["crm.lite.pipeline"].create({"name": "Empty"})
        with self.assertRaises(AccessError):
            pipeline.write({"company_id": self.company_2.id})
        self.assertEqual(pipeline.sudo().company_id, self.company)

    @users("crm_lite_sales_1")
    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_deal_cannot_move_to_another_company(self):
        deal = self.env["crm.lite.deal"].browse(self._create_deal().id)
        with self.assertRaises(UserError):  # AccessError included
            deal.write(
                {"company_id": self.company_2.id, "pipeline_id": self.pipeline_co2.id}
            )
        deal.invalidate_recordset()
        self.assertEqual(deal.company_id, self.company)
        self.assertEqual(deal.pipeline_id, self.pipeline)

    def test_manager_of_both_companies_moves_an_empty_pipeline(self):
        pipeline = self.env["crm.lite.pipeline"].create({"name": "Moving"})
        pipeline.with_user(self.user_manager).with_context(
            allowed_company_ids=(self.company | self.company_2).ids
        ).write({"company_id": self.company_2.id})
        self.assertEqual(pipeline.company_id, self.company_2)
        # Not back while working in the second company only.
        with self.assertRaises(AccessError):
            pipeline.with_user(self.user_manager).with_context(
                allowed_company_ids=self.company_2.ids
            ).write({"company_id": self.company.id})
        self.assertEqual(pipeline.company_id, self.company_2)
