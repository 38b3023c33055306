from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestPipeline(CrmLiteCommon):
    """Configuration of pipelines and stages by the sales manager."""

    # ------------------------------------------------------------------
    # Stages
    # ------------------------------------------------------------------

    def test_delete_stage_holding_deals(self):
        deal = self._create_deal(stage_id=self.stage_negotiation.id)
        stage = self.stage_negotiation.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "Negotiation holds 1 deal"):
            stage.unlink()
        self.assertTrue(self.stage_negotiation.exists())

        # Archived deals count too.
        deal.action_archive()
        with self.assertRaisesRegex(UserError, "archived ones included"):
            stage.unlink()
        self.assertTrue(self.stage_negotiation.exists())
        self.assertEqual(deal.stage_id, self.stage_negotiation)

    def test_delete_empty_stage(self):
        deal = self._create_deal(stage_id=self.stage_negotiation.id)
        deal.stage_id = self.stage_lead
        self.assertEqual(self.stage_negotiation.deal_count, 0)
        self.assertEqual(self.stage_lead.deal_count, 1)
        self.stage_negotiation.with_user(self.user_manager).unlink()
        self.assertFalse(self.stage_negotiation.exists())
        self.assertEqual(
            self.pipeline.stage_ids, self.stage_lead | self.stage_won | self.stage_lost
        )

    def test_stage_holding_deals_cannot_move_pipeline(self):
        self._create_deal()
        with self.assertRaisesRegex(UserError, "cannot move to another pipeline"):
            self.stage_lead.pipeline_id = self.pipeline_2
        self.assertEqual(self.stage_lead.pipeline_id, self.pipeline)
        # An empty stage can.
        self.stage_negotiation.pipeline_id = self.pipeline_2
        self.assertIn(self.stage_negotiation, self.pipeline_2.stage_ids)

    def test_stage_probability_bounds(self):
        for probability in (-1, 100.01, 150):
            with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
                self.stage_lead.probability = probability
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.env["crm.lite.stage"].create(
                {"name": "Bad", "pipeline_id": self.pipeline.id, "probability": 101}
            )
        self.stage_lead.probability = 0
        self.stage_negotiation.probability = 100
        self.assertEqual(self.stage_lead.probability, 0)
        self.assertEqual(self.stage_negotiation.probability, 100)

    def test_stage_rotting_days_not_negative(self):
        with self.assertRaisesRegex(ValidationError, "Rotting days cannot be negative"):
            self.stage_lead.rotting_days = -1
        self.assertEqual(self.stage_lead.rotting_days, 5)
        self.stage_lead.rotting_days = 0
        self.assertEqual(self.stage_lead.rotting_days, 0)

    def test_stage_company_follows_pipeline(self):
        self.assertEqual(self.stage_lead.company_id, self.company)
        self.assertEqual(self.stage_co2_new.company_id, self.company_2)

    # ------------------------------------------------------------------
    # Pipelines
    # ------------------------------------------------------------------

    def test_archive_pipeline_with_open_deals(self):
        self._create_deal(stage_id=self.stage_won.id)
        self._create_deal(stage_id=self.stage_negotiation.id)
        pipeline = self.pipeline.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "still has 1 open deal"):
            pipeline.action_archive()
        self.assertTrue(self.pipeline.active)

    def test_archive_pipeline_with_closed_deals_only(self):
        won = self._create_deal(stage_id=self.stage_won.id)
        lost = self._create_deal()
        lost.action_set_lost(self.lost_reason.id)
        self.pipeline.with_user(self.user_manager).action_archive()
        self.assertFalse(self.pipeline.active)
        # The closed deals stay in it.
        self.assertEqual(won.pipeline_id, self.pipeline)
        self.assertEqual(lost.pipeline_id, self.pipeline)

    def test_open_deal_figures(self):
        self._create_deal(amount=1000)
        self._create_deal(amount=500, stage_id=self.stage_negotiation.id)
        self._create_deal(amount=700, stage_id=self.stage_won.id)
        self._create_deal(amount=50, pipeline_id=self.pipeline_2.id)
        self.assertEqual(self.pipeline.open_deal_count, 2)
        self.assertEqual(self.pipeline.open_amount, 1500)
        self.assertEqual(self.pipeline_2.open_deal_count, 1)
        self.assertEqual(self.pipeline_2.open_amount, 50)

    def test_delete_pipeline(self):
        self._create_deal(pipeline_id=self.pipeline_2.id).action_archive()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.pipeline_2.unlink()
        self.assertTrue(self.pipeline_2.exists())
        empty = self.env["crm.lite.pipeline"].create(
            {
                "name": "Empty",
                "stage_ids": [Command.create({"name": "Only stage"})],
            }
        )
        stage = empty.stage_ids
        empty.with_user(self.user_manager).unlink()
        self.assertFalse(empty.exists())
        self.assertFalse(stage.exists())

    def test_pipeline_holding_deals_cannot_change_company(self):
        self._create_deal(pipeline_id=self.pipeline_2.id)
        with self.assertRaisesRegex(UserError, "cannot move to another company"):
            self.pipeline_2.company_id = self.company_2
        self.assertEqual(self.pipeline_2.company_id, self.company)

    def test_pipeline_member_of_other_company(self):
        with self.assertRaisesRegex(ValidationError, "Sally Sales"):
            self.env["crm.lite.pipeline"].create(
                {
                    "name": "Co2 with outsider",
                    "company_id": self.company_2.id,
                    "member_ids": [Command.set(self.user_sales_1.ids)],
                }
            )
        with self.assertRaisesRegex(ValidationError, "Sally Sales"):
            self.pipeline_co2.member_ids = [Command.link(self.user_sales_1.id)]
        self.assertEqual(self.pipeline_co2.member_ids, self.user_sales_co2)
        # The manager works in both companies.
        self.pipeline_co2.member_ids = [Command.link(self.user_manager.id)]
        self.assertEqual(
            self.pipeline_co2.member_ids, self.user_sales_co2 | self.user_manager
        )

    def test_pipeline_without_stage(self):
        empty = self.env["crm.lite.pipeline"].create({"name": "No stages yet"})
        with self.assertRaisesRegex(ValidationError, "No stages yet has no stage"):
            self._create_deal(pipeline_id=empty.id)
        deal = self._create_deal()
        with self.assertRaisesRegex(ValidationError, "has no stage"):
            deal.pipeline_id = empty
        self.assertEqual(deal.pipeline_id, self.pipeline)
        self.assertEqual(deal.stage_id, self.stage_lead)

    def test_action_open_deals(self):
        action = self.pipeline.action_open_deals()
        self.assertEqual(action["res_model"], "crm.lite.deal")
        self.assertEqual(action["domain"], [("pipeline_id", "=", self.pipeline.id)])
        self.assertEqual(action["context"]["default_pipeline_id"], self.pipeline.id)

    def test_default_pipeline_action(self):
        action = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_1)
            .action_open_default_pipeline()
        )
        self.assertEqual(action["domain"], [("pipeline_id", "=", self.pipeline.id)])
        action = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_co2)
            .action_open_default_pipeline()
        )
        self.assertEqual(action["domain"], [("pipeline_id", "=", self.pipeline_co2.id)])

    # ------------------------------------------------------------------
    # Properties
    # ------------------------------------------------------------------

    def test_deal_properties(self):
        self.pipeline.deal_properties_definition = [
            {"name": "budget_code", "string": "Budget code", "type": "char"},
            {"name": "seats", "string": "Seats", "type": "integer"},
        ]
        deal = self._create_deal()
        deal.properties = {"budget_code": "X1", "seats": 12}
        self.env.flush_all()
        self.env.invalidate_all()
        values = {
            prop["name"]: prop["value"]
            for prop in deal.read(["properties"])[0]["properties"]
        }
        self.assertEqual(values, {"budget_code": "X1", "seats": 12})
        self.assertEqual(deal.properties["budget_code"], "X1")

        # The salesperson reads them as well.
        deal_as_user = deal.with_user(self.user_sales_1)
        props = deal_as_user.read(["properties"])[0]["properties"]
        self.assertEqual(
            [(p["string"], p["value"]) for p in props],
            [("Budget code", "X1"), ("Seats", 12)],
        )

        # Deals of another pipeline do not get these fields.
        other = self._create_deal(pipeline_id=self.pipeline_2.id)
        self.assertEqual(other.read(["properties"])[0]["properties"], [])
        other.properties = {"budget_code": "Y2"}
        self.assertEqual(other.read(["properties"])[0]["properties"], [])
