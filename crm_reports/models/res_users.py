import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

DIGEST_DAYS = 7


class ResUsers(models.Model):
    """The weekly CRM digest: users opt in from their preferences."""

    _inherit = "res.users"

    crm_reports_digest = fields.Boolean(
        "Weekly CRM Digest",
        help="Receive every week an e-mail with the headline CRM figures: "
        "pipeline, funnel, plan achievement, campaigns, money leaking and "
        "customers at risk.",
    )
    crm_reports_digest_date = fields.Date(
        "Last CRM Digest",
        readonly=True,
        copy=False,
        help="Day the last weekly CRM digest was queued for the user.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "crm_reports_digest",
            "crm_reports_digest_date",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["crm_reports_digest"]

    # ------------------------------------------------------------
    # DIGEST
    # ------------------------------------------------------------

    @api.model
    def _cron_send_crm_digest(self):
        """Queue the weekly digest of every opted-in CRM user who has not got
        it this week (weeks start on Monday), each in their language, with
        the figures they can see."""
        today = fields.Date.context_today(self)
        week_start = today - timedelta(days=today.weekday())
        users = self.search(
            [
                ("crm_reports_digest", "=", True),
                ("share", "=", False),
                ("email", "!=", False),
                ("groups_id", "in", self.env.ref("crm_lite.group_crm_lite_user").ids),
                "|",
                ("crm_reports_digest_date", "=", False),
                ("crm_reports_digest_date", "<", week_start),
            ]
        )
        for user in users:
            user._crm_reports_queue_digest(today)
        return users

    def _crm_reports_queue_digest(self, today):
        """Queue this user's digest for the week ending ``today``."""
        self.ensure_one()
        # The figures are read as the user, in their companies and language.
        user_env = self.with_user(self).with_context(
            lang=self.lang,
            tz=self.tz,
            allowed_company_ids=(self.company_id | self.company_ids).ids,
        )
        user_env = user_env.with_company(self.company_id)
        date_from = today - timedelta(days=DIGEST_DAYS - 1)
        summary = user_env.env["crm.reports.dashboard"]._get_summary(date_from, today)
        body = (
            user_env.env["ir.qweb"]
            .with_context(lang=self.lang)
            ._render(
                "crm_reports.crm_reports_digest_mail",
                {"summary": summary, "user": self},
            )
        )
        subject = user_env.env._(
            "Your weekly CRM digest: %(start)s - %(end)s",
            start=format_date(user_env.env, date_from),
            end=format_date(user_env.env, today),
        )
        # sudo: the digest is the system's e-mail to the user; salespeople
        # cannot create mail.mail records themselves.
        self.env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "body_html": body,
                "email_from": self.company_id.email_formatted
                or self.env.user.email_formatted,
                "recipient_ids": [fields.Command.link(self.partner_id.id)],
                "auto_delete": True,
            }
        )
        # sudo: a date the job writes, not the user.
        self.sudo().crm_reports_digest_date = today
        _logger.info("Weekly CRM digest queued for user %s", self.id)
