# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestCrmLiteUi(CrmLiteCommon, HttpCase):
    """A salesperson works a deal from the pipeline kanban in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="tour_sales",
            groups="base.group_user,crm_lite.group_crm_lite_user",
            name="Tour Salesperson",
        )
        # Sequence 0 and membership make it the user's default pipeline, the
        # one the "My Pipeline" menu opens.
        cls.pipeline = cls.env["crm.lite.pipeline"].create(
            {
                "name": "Tour Pipeline",
                "sequence": 0,
                "member_ids": [(6, 0, cls.user.ids)],
            }
        )
        cls.stage_new, cls.stage_qualified, cls.stage_won = cls.env[
            "crm.lite.stage"
        ].create(
            [
                {
                    "name": "Tour New",
                    "sequence": 1,
                    "pipeline_id": cls.pipeline.id,
                    "probability": 10,
                },
                {
                    "name": "Tour Qualified",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline.id,
                    "probability": 40,
                },
                {
                    "name": "Tour Won",
                    "sequence": 3,
                    "pipeline_id": cls.pipeline.id,
                    "probability": 100,
                    "kind": "won",
                },
            ]
        )

    def test_pipeline_tour(self):
        self.start_tour(
            "/odoo/action-crm_lite.crm_lite_action_open_pipeline",
            "crm_lite_pipeline_tour",
            login="tour_sales",
        )

        deal = self.env["crm.lite.deal"].search([("name", "=", "Tour deal")])
        self.assertEqual(len(deal), 1, "The tour creates exactly one deal.")
        self.assertEqual(deal.user_id, self.user)
        self.assertEqual(deal.create_uid, self.user)
        self.assertEqual(deal.pipeline_id, self.pipeline)
        self.assertEqual(deal.stage_id, self.stage_qualified)
        self.assertEqual(deal.probability, 40)

        history = deal.stage_history_ids.sorted("id")
        self.assertEqual(len(history), 2, "One row for the creation, one for the move.")
        self.assertFalse(history[0].stage_from_id)
        self.assertEqual(history[0].stage_id, self.stage_new)
        self.assertEqual(history[1].stage_from_id, self.stage_new)
        self.assertEqual(history[1].stage_id, self.stage_qualified)
        self.assertEqual(history.user_id, self.user)

        meeting = self.env["calendar.event"].search([("deal_id", "=", deal.id)])
        self.assertEqual(len(meeting), 1, "The tour schedules one meeting on the deal.")
        self.assertEqual(meeting.name, "Tour meeting")
        self.assertEqual(meeting.res_model, "crm.lite.deal")
        self.assertEqual(meeting.res_id, deal.id)
        self.assertIn(self.user.partner_id, meeting.partner_ids)
        self.assertEqual(deal.meeting_count, 1)
