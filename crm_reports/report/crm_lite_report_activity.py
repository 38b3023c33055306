from odoo import fields, models
from odoo.tools import SQL

from ..models.report_tools import create_report_index

MEETING_WON_DAYS = 30


class CrmLiteReportActivity(models.Model):
    """What salespeople do on deals, one row per activity, done activity or
    meeting, to be grouped per salesperson, activity type and day:

    - planned: activities still to do, on their due day (overdue when the
      day is past);
    - done: the chatter's "activity done" messages, on the day and for the
      user who marked them done;
    - meetings held: meetings of deals that started before now, for their
      organizer, and those followed by a won deal within 30 days.
    """

    _name = "crm.lite.report.activity"
    _inherit = "crm.lite.report.mixin"
    _description = "Sales Activity Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "deal_id"
    _report_time_dependent = True
    _report_ratios = {
        "meeting_won_rate": ("meeting_won_count", "meeting_count", 100.0),
    }
    _depends = {
        "mail.activity": [
            "res_model",
            "res_id",
            "user_id",
            "activity_type_id",
            "date_deadline",
            "active",
        ],
        "mail.message": ["model", "res_id", "author_id", "mail_activity_type_id"],
        "calendar.event": ["deal_id", "user_id", "start", "active"],
        "crm.lite.deal": ["company_id", "pipeline_id"],
        "crm.lite.stage.history": ["deal_id", "stage_kind", "date"],
    }

    kind = fields.Selection(
        [("activity", "Planned Activity"), ("done", "Done"), ("meeting", "Meeting")],
        readonly=True,
    )
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", readonly=True)
    date = fields.Date("Day", readonly=True)
    deal_id = fields.Many2one("crm.lite.deal", readonly=True)
    pipeline_id = fields.Many2one("crm.lite.pipeline", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    planned_count = fields.Integer("Planned", readonly=True, aggregator="sum")
    done_count = fields.Integer("Done", readonly=True, aggregator="sum")
    overdue_count = fields.Integer("Overdue", readonly=True, aggregator="sum")
    meeting_count = fields.Integer("Meetings Held", readonly=True, aggregator="sum")
    meeting_won_count = fields.Integer(
        "Meetings Followed by a Win",
        readonly=True,
        aggregator="sum",
        help=f"Meetings held whose deal was won within {MEETING_WON_DAYS} days.",
    )
    meeting_won_rate = fields.Float(
        "Meetings to Win (%)", readonly=True, aggregator="sum", digits=(16, 1)
    )

    def _report_query(self, today, now):
        return SQL(
            """
            SELECT a.id * 3 AS id,
                   'activity' AS kind,
                   a.user_id,
                   a.activity_type_id,
                   a.date_deadline AS date,
                   d.id AS deal_id,
                   d.pipeline_id,
                   d.company_id,
                   1 AS planned_count,
                   0 AS done_count,
                   CASE WHEN a.date_deadline < %(today)s THEN 1 ELSE 0 END
                       AS overdue_count,
                   0 AS meeting_count,
                   0 AS meeting_won_count,
                   0.0 AS meeting_won_rate
              FROM mail_activity a
              JOIN crm_lite_deal d ON d.id = a.res_id
             WHERE a.res_model = 'crm.lite.deal' AND a.active
             UNION ALL
            SELECT m.id * 3 + 1,
                   'done',
                   author.user_id,
                   m.mail_activity_type_id,
                   m.date::date,
                   d.id,
                   d.pipeline_id,
                   d.company_id,
                   0, 1, 0, 0, 0, 0.0
              FROM mail_message m
              JOIN crm_lite_deal d ON d.id = m.res_id
         LEFT JOIN LATERAL (
                    SELECT u.id AS user_id FROM res_users u
                     WHERE u.partner_id = m.author_id
                  ORDER BY u.id LIMIT 1
                   ) author ON TRUE
             WHERE m.model = 'crm.lite.deal' AND m.mail_activity_type_id IS NOT NULL
             UNION ALL
            SELECT e.id * 3 + 2,
                   'meeting',
                   e.user_id,
                   (SELECT imd.res_id FROM ir_model_data imd
                     WHERE imd.module = 'mail'
                       AND imd.name = 'mail_activity_data_meeting'),
                   e.start::date,
                   d.id,
                   d.pipeline_id,
                   d.company_id,
                   0, 0, 0, 1,
                   CASE WHEN won.deal_id IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN won.deal_id IS NULL THEN 0.0 ELSE 100.0 END
              FROM calendar_event e
              JOIN crm_lite_deal d ON d.id = e.deal_id
         LEFT JOIN LATERAL (
                    SELECT h.deal_id FROM crm_lite_stage_history h
                     WHERE h.deal_id = e.deal_id
                       AND h.stage_kind = 'won'
                       AND h.date >= e.start
                       AND h.date < e.start + make_interval(days => %(days)s)
                     LIMIT 1
                   ) won ON TRUE
             WHERE e.active AND e.start < %(now)s
            """,
            today=today,
            now=now,
            days=MEETING_WON_DAYS,
        )

    def init(self):
        # "Activity done" messages of deals, by deal.
        create_report_index(
            self.env.cr,
            "crm_reports_message_activity_done_idx",
            "mail_message",
            ["res_id"],
            include=["author_id", "mail_activity_type_id", "date"],
            where="model = 'crm.lite.deal' AND mail_activity_type_id IS NOT NULL",
        )
        create_report_index(
            self.env.cr,
            "crm_reports_activity_deal_idx",
            "mail_activity",
            ["res_id"],
            include=["user_id", "activity_type_id", "date_deadline"],
            where="res_model = 'crm.lite.deal' AND active",
        )
        return super().init()

    def action_open_documents(self):
        return self._action_open_deals(self.deal_id)
