from odoo import api, fields, models
from odoo.tools import SQL


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
        rotting = self.browse(self._get_rotting_deal_ids())
        if not rotting:
            return
        # sudo: the flag is the job's own figure, not something users write.
        rotting.sudo().write({"is_rotting": True})
        activity_type = self.env.ref(
            "crm_lite.mail_activity_type_follow_up", raise_if_not_found=False
        )
        today = fields.Date.context_today(self)
        # One batch of activities per salesperson rather than one per deal.
        for user, deals in rotting.grouped("user_id").items():
            deals.activity_schedule(
                activity_type_id=activity_type.id if activity_type else False,
                summary=self.env._(
                    "Follow up: nothing happened on this deal for a while"
                ),
                user_id=user.id or self.env.uid,
                date_deadline=today,
            )

    @api.model
    def _get_rotting_deal_ids(self):
        """Ids of the open deals that start rotting now, in one query: each
        stage has its own delay, which a domain cannot compare with."""
        self.env["crm.lite.deal"].flush_model(
            ["active", "stage_id", "stage_kind", "is_rotting", "date_last_stage_update"]
        )
        self.env["crm.lite.stage"].flush_model(["rotting_days"])
        self.env["mail.activity"].flush_model(
            ["res_model", "res_id", "date_deadline", "active"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT deal.id
                  FROM crm_lite_deal deal
                  JOIN crm_lite_stage stage ON stage.id = deal.stage_id
                 WHERE deal.active
                   AND deal.stage_kind = 'open'
                   AND deal.is_rotting IS NOT TRUE
                   AND stage.rotting_days > 0
                   AND deal.date_last_stage_update
                       < %(now)s - make_interval(days => stage.rotting_days)
                   AND NOT EXISTS (
                        SELECT 1
                          FROM mail_activity activity
                         WHERE activity.res_model = %(model)s
                           AND activity.res_id = deal.id
                           AND activity.active
                           AND activity.date_deadline >= %(today)s)
              ORDER BY deal.id
                """,
                now=fields.Datetime.now(),
                today=fields.Date.context_today(self),
                model=self._name,
            )
        )
        return [deal_id for (deal_id,) in self.env.cr.fetchall()]
