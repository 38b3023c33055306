from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestProtectedFields(CrmLiteCommon):
    """Figures that come from accounting and from stage moves cannot be
    typed in by anyone, over the API either; numbers and names are checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Spring"})
        cls.deal = cls._create_deal(name="Own deal", campaign_id=cls.campaign.id)

    @users("crm_lite_sales_1")
    def test_salesperson_cannot_write_figures_on_own_deal(self):
        deal = self.deal.with_env(self.env)
        forged = {
            "amount_invoiced": 250000,
            "amount_paid": 250000,
            "amount_due": 0,
            "payment_state": "paid",
            "stage_kind": "won",
            "date_closed": fields.Datetime.now(),
            "date_last_stage_update": "2000-01-01 00:00:00",
            "is_rotting": True,
            "weighted_amount": 1,
        }
        for fname, value in forged.items():
            with self.subTest(field=fname):
                with self.assertRaisesRegex(AccessError, "cannot be set by hand"):
                    deal.write({fname: value})
        deal.invalidate_recordset()
        self.assertRecordValues(
            deal,
            [
                {
                    "amount_invoiced": 0.0,
                    "amount_paid": 0.0,
                    "payment_state": "not_invoiced",
                    "stage_kind": "open",
                    "date_closed": False,
                    "is_rotting": False,
                }
            ],
        )
        self.assertEqual(len(deal.stage_history_ids), 1)
        self.assertEqual(self.campaign.with_env(self.env).revenue_paid, 0.0)

    @users("crm_lite_sales_1")
    def test_salesperson_cannot_create_a_deal_with_figures(self):
        with self.assertRaisesRegex(AccessError, "Paid"):
            self.env["crm.lite.deal"].create(
                {
                    "name": "Paid already",
                    "pipeline_id": self.pipeline.id,
                    "amount_paid": 1000,
                }
            )
        self.assertFalse(
            self.env["crm.lite.deal"].search([("name", "=", "Paid already")])
        )

    @users("crm_lite_sales_1")
    def test_import_cannot_set_figures(self):
        result = self.env["crm.lite.deal"].load(
            ["name", "pipeline_id", "amount_paid"],
            [["Imported and paid", "Test Pipeline", "5000"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("cannot be set by hand", result["messages"][0]["message"])

    @users("crm_lite_manager")
    def test_the_application_still_moves_deals(self):
        """Stage moves, won and lost set the dates and flags themselves."""
        deal = self.deal.with_env(self.env)
        deal.action_set_won()
        self.assertEqual(deal.stage_kind, "won")
        self.assertTrue(deal.date_closed)
        deal.action_reopen()
        self.assertFalse(deal.date_closed)

    # ------------------------------------------------------------
    # NUMBERS AND NAMES
    # ------------------------------------------------------------

    @users("crm_lite_sales_1")
    def test_amounts_that_are_not_numbers_are_refused(self):
        deal = self.deal.with_env(self.env)
        for value in (float("nan"), float("inf"), float("-inf"), 1e308):
            with self.subTest(value=value):
                with self.assertRaisesRegex(ValidationError, "must be a number"):
                    deal.write({"amount": value})
                with self.assertRaisesRegex(ValidationError, "must be a number"):
                    self.env["crm.lite.deal"].create(
                        {
                            "name": "Huge",
                            "pipeline_id": self.pipeline.id,
                            "amount": value,
                        }
                    )
        self.assertEqual(deal.amount, 1000.0)

    def test_cost_budget_and_probability_that_are_not_numbers_are_refused(self):
        manager = self.env(user=self.user_manager)
        with self.assertRaisesRegex(ValidationError, "must be a number"):
            manager["crm.lite.campaign.cost"].create(
                {"campaign_id": self.campaign.id, "description": "X", "amount": 1e308}
            )
        with self.assertRaisesRegex(ValidationError, "must be a number"):
            self.campaign.with_env(manager).write({"budget": float("nan")})
        with self.assertRaisesRegex(ValidationError, "must be a number"):
            self.stage_lead.with_env(manager).write({"probability": float("inf")})

    @users("crm_lite_sales_1")
    def test_very_long_names_are_refused(self):
        deal = self.deal.with_env(self.env)
        huge = "x" * (1024 * 1024)
        with self.assertRaisesRegex(ValidationError, "too long"):
            deal.write({"name": huge})
        with self.assertRaisesRegex(ValidationError, "too long"):
            self.env["crm.lite.deal"].create(
                {"name": huge, "pipeline_id": self.pipeline.id}
            )
        self.assertEqual(deal.name, "Own deal")
        deal.write({"name": "y" * 256})
        self.assertEqual(len(deal.name), 256)

    def test_long_names_of_configuration_are_refused(self):
        manager = self.env(user=self.user_manager)
        for model, values in (
            ("crm.lite.pipeline", {}),
            ("crm.lite.stage", {"pipeline_id": self.pipeline.id}),
            ("crm.lite.tag", {}),
            ("crm.lite.lost.reason", {}),
        ):
            with self.subTest(model=model):
                with self.assertRaisesRegex(ValidationError, "too long"):
                    manager[model].create(dict(values, name="n" * 257))
