from datetime import timedelta

from odoo import api, fields, models


class CrmLiteDeal(models.Model):
    """Deals nobody took care of: flagged as rotting with one follow-up."""

    _inherit = "crm.lite.deal"

    @api.model
    def _cron_mark_rotting(self):
        """Flag open deals left alone too long and plan one follow-up each.

        A deal rots when it has stayed in its stage longer than the stage's
        ``rotting_days`` and has no activity planned for today or later. Deals
        already flagged are skipped, so the follow-up is planned only once; the
        flag clears when the deal changes stage.
        """
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        stages = self.env["crm.lite.stage"].search(
            [("kind", "=", "open"), ("rotting_days", ">", 0)]
        )
        rotting = self.browse()
        for stage in stages:
            rotting |= self.search(
                [
                    ("stage_id", "=", stage.id),
                    ("is_rotting", "=", False),
                    (
                        "date_last_stage_update",
                        "<",
                        now - timedelta(days=stage.rotting_days),
                    ),
                    "|",
                    ("activity_ids", "=", False),
                    ("activity_date_deadline", "<", today),
                ]
            )
        if not rotting:
            return
        rotting.write({"is_rotting": True})
        activity_type = self.env.ref(
            "crm_lite.mail_activity_type_follow_up", raise_if_not_found=False
        )
        for deal in rotting:
            deal.activity_schedule(
                activity_type_id=activity_type.id if activity_type else False,
                summary=self.env._(
                    "Follow up: nothing happened on this deal for a while"
                ),
                user_id=deal.user_id.id or self.env.uid,
                date_deadline=today,
            )
