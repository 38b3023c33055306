from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestRotting(CrmLiteCommon):
    """Open deals left alone longer than their stage allows are flagged and
    get one follow-up activity for their salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="rot_salesman",
            name="Rot Salesman",
            groups="base.group_user,crm_lite.group_crm_lite_user",
        )
        cls.pipeline = cls.env["crm.lite.pipeline"].create({"name": "Rotting Funnel"})
        (
            cls.stage_rot5,
            cls.stage_norot,
            cls.stage_next,
            cls.stage_won,
            cls.stage_lost,
        ) = cls.env["crm.lite.stage"].create(
            [
                {
                    "name": "Contacted",
                    "sequence": 1,
                    "pipeline_id": cls.pipeline.id,
                    "rotting_days": 5,
                },
                {
                    "name": "Waiting",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline.id,
                    "rotting_days": 0,
                },
                {
                    "name": "Offer",
                    "sequence": 3,
                    "pipeline_id": cls.pipeline.id,
                    "rotting_days": 30,
                },
                # Closed stages with a rotting delay: must be ignored.
                {
                    "name": "Won",
                    "sequence": 8,
                    "pipeline_id": cls.pipeline.id,
                    "kind": "won",
                    "rotting_days": 5,
                },
                {
                    "name": "Lost",
                    "sequence": 9,
                    "pipeline_id": cls.pipeline.id,
                    "kind": "lost",
                    "rotting_days": 5,
                },
            ]
        )
        cls.lost_reason = cls.env["crm.lite.lost.reason"].create({"name": "Silence"})
        cls.follow_up_type = cls.env.ref("crm_lite.mail_activity_type_follow_up")

    def _deal_since(self, days, stage=None, **values):
        """A deal that entered its stage ``days`` days ago."""
        with freeze_time(fields.Datetime.now() - timedelta(days=days)):
            deal = self.env["crm.lite.deal"].create(
                {
                    "name": f"Deal {days} days",
                    "pipeline_id": self.pipeline.id,
                    "stage_id": (stage or self.stage_rot5).id,
                    "user_id": self.salesman.id,
                    **values,
                }
            )
            deal.flush_recordset()
        return deal

    def _follow_ups(self, deal):
        return deal.activity_ids.filtered(
            lambda a: a.activity_type_id == self.follow_up_type
        )

    def test_old_deal_rots_once(self):
        deal = self._deal_since(6)
        self.assertFalse(deal.is_rotting)
        self.assertFalse(deal.activity_ids)

        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertTrue(deal.is_rotting)
        self.assertEqual(len(deal.activity_ids), 1)
        activity = deal.activity_ids
        self.assertEqual(activity.activity_type_id, self.follow_up_type)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.date_deadline, fields.Date.context_today(deal))

        # Running the job again plans nothing more.
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertEqual(len(deal.activity_ids), 1)
        self.assertEqual(len(self._follow_ups(deal)), 1)

    def test_cron_job_record(self):
        """The scheduled action really runs the marking."""
        deal = self._deal_since(6)
        cron = self.env.ref("crm_lite.ir_cron_deal_rotting")
        self.assertTrue(cron.active)
        cron.method_direct_trigger()
        self.assertTrue(deal.is_rotting)
        self.assertEqual(len(self._follow_ups(deal)), 1)

    def test_planned_activity_prevents_rotting(self):
        deal = self._deal_since(6)
        deal.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=fields.Date.today() + timedelta(days=2),
            user_id=self.salesman.id,
        )
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)
        self.assertEqual(len(deal.activity_ids), 1)
        self.assertFalse(self._follow_ups(deal))

    def test_activity_due_today_prevents_rotting(self):
        deal = self._deal_since(6)
        deal.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=fields.Date.today(),
            user_id=self.salesman.id,
        )
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)

    def test_overdue_activity_does_not_prevent_rotting(self):
        deal = self._deal_since(10)
        deal.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=fields.Date.today() - timedelta(days=3),
            user_id=self.salesman.id,
        )
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertTrue(deal.is_rotting)
        self.assertEqual(len(self._follow_ups(deal)), 1)

    def test_recent_deal_does_not_rot(self):
        deal = self._deal_since(3)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)
        self.assertFalse(deal.activity_ids)

    def test_each_stage_uses_its_own_delay(self):
        deal_offer = self._deal_since(10, stage=self.stage_next)  # allows 30 days
        deal_offer_old = self._deal_since(31, stage=self.stage_next)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal_offer.is_rotting)
        self.assertTrue(deal_offer_old.is_rotting)

    def test_stage_without_rotting_days_never_rots(self):
        deal = self._deal_since(400, stage=self.stage_norot)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)
        self.assertFalse(deal.activity_ids)

    def test_closed_deals_never_rot(self):
        won = self._deal_since(20, stage=self.stage_won)
        lost = self._deal_since(
            20, stage=self.stage_lost, lost_reason_id=self.lost_reason.id
        )
        self.assertEqual(won.stage_kind, "won")
        self.assertEqual(lost.stage_kind, "lost")
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(won.is_rotting)
        self.assertFalse(lost.is_rotting)
        self.assertFalse((won | lost).activity_ids)

    def test_archived_deal_never_rots(self):
        deal = self._deal_since(20)
        deal.active = False
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)

    def test_stage_change_clears_rotting(self):
        deal = self._deal_since(6)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertTrue(deal.is_rotting)

        deal.stage_id = self.stage_next
        self.assertFalse(deal.is_rotting)
        self.assertEqual(deal.date_last_stage_update.date(), fields.Date.today())
        # Fresh in its new stage: the next run leaves it alone.
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertFalse(deal.is_rotting)

    def test_rotting_again_after_new_stage_gets_old(self):
        deal = self._deal_since(40)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertTrue(deal.is_rotting)
        # Moved 31 days ago to a 30-day stage, the follow-up was done since.
        with freeze_time(fields.Datetime.now() - timedelta(days=31)):
            deal.stage_id = self.stage_next
            deal.flush_recordset()
        self._follow_ups(deal).action_feedback(feedback="Called, no answer")
        self.assertFalse(deal.is_rotting)
        self.env["crm.lite.deal"]._cron_mark_rotting()
        self.assertTrue(deal.is_rotting)
        self.assertEqual(len(self._follow_ups(deal)), 1)
