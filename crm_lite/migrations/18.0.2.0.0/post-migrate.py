"""18.0.2.0.0: CRM Lite mails through Odoo's Email Marketing (mass_mailing).

The hand-written mailings (``crm_lite_mailing``) and their recipients
(``crm_lite_mailing_recipient``) become ``mailing.mailing`` records on
``res.partner``:

- draft, scheduled and cancelled ones become draft mailings to their segment's
  audience (their schedule is not kept: scheduling again is the marketer's
  decision, a note says when it was planned);
- mailings that sent anything keep their history: each recipient becomes a
  ``mailing.trace`` (sent, failed or skipped with mass_mailing's reason), so
  that Email Marketing's statistics show the same figures;
- placeholders become mass_mailing's (``{{name}}`` -> ``object.name``...);
- their chatter, followers and attachments move to the new mailing;
- segments become Email Marketing audiences (``mailing.filter``).

The old tables are dropped by Odoo once the module is updated.
"""

import logging
import re

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Old placeholder -> expression of mass_mailing (allowed without the Mail
# Template Editor right, see res.partner.mail_allowed_qweb_expressions).
PLACEHOLDERS = {
    "name": "object.name",
    "first_name": "object.name",
    "email": "object.email",
    "company": "object.commercial_company_name",
    "city": "object.city",
    "salesperson": "object.user_id.name",
}
PLACEHOLDER_RE = re.compile(
    r"(?:\{\{|%7[Bb]%7[Bb])(?:\s|%20)*([^{}%\s]+)(?:\s|%20)*(?:\}\}|%7[Dd]%7[Dd])"
)
SKIP_REASONS = {
    "No e-mail address": "mail_email_missing",
    "Invalid e-mail address": "mail_email_invalid",
    "Blacklisted / opted out": "mail_bl",
    "Duplicate address in this mailing": "mail_dup",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    migrate_segments(env)
    migrate_mailings(env)


def migrate_segments(env):
    segments = env["crm.lite.segment"].with_context(active_test=False).search([])
    segments._sync_mailing_filter()


def _table_exists(cr, table):
    cr.execute("SELECT to_regclass(%s)", (table,))
    return bool(cr.fetchone()[0])


def convert_subject(text):
    """Old placeholders of a subject, as inline template expressions."""

    def replace(match):
        name = match.group(1)
        expression = PLACEHOLDERS.get(name, name if name.startswith("object.") else "")
        return "{{ %s }}" % expression if expression else match.group(0)

    return PLACEHOLDER_RE.sub(replace, text or "")


def convert_body(html):
    """Old placeholders of a body, as QWeb of mass_mailing; the unsubscribe
    link becomes mass_mailing's own."""

    def replace(match):
        name = match.group(1)
        if name == "unsubscribe_url":
            return "/unsubscribe_from_list"
        expression = PLACEHOLDERS.get(name, name if name.startswith("object.") else "")
        if not expression:
            return match.group(0)
        return '<t t-out="%s"/>' % expression

    return PLACEHOLDER_RE.sub(replace, html or "")


def migrate_mailings(env):
    cr = env.cr
    if not _table_exists(cr, "crm_lite_mailing"):
        return
    has_recipients = _table_exists(cr, "crm_lite_mailing_recipient")
    cr.execute(
        """
        SELECT id, name, subject, body_html, email_from, segment_id, campaign_id,
               schedule_date, state, sent_date, create_uid, create_date
          FROM crm_lite_mailing
      ORDER BY id
        """
    )
    partner_model = env["ir.model"]._get_id("res.partner")
    Mailing = env["mailing.mailing"].with_context(
        mail_create_nolog=True, mail_notrack=True, tracking_disable=True
    )
    for row in cr.dictfetchall():
        segment = env["crm.lite.segment"].browse(row["segment_id"]).exists()
        body = convert_body(row["body_html"])
        values = {
            "subject": convert_subject(row["subject"]) or row["name"],
            "body_arch": body,
            "body_html": body,
            "mailing_type": "mail",
            "mailing_model_id": partner_model,
            "campaign_id": row["campaign_id"],
            "keep_archives": True,
            "user_id": row["create_uid"],
        }
        if row["email_from"]:
            values["email_from"] = row["email_from"]
        if segment and segment.mailing_filter_id:
            values["mailing_filter_id"] = segment.mailing_filter_id.id
            values["mailing_domain"] = segment.mailing_filter_id.mailing_domain
        else:
            values["mailing_domain"] = "[('id', 'in', [])]"
        traces = []
        if has_recipients:
            traces = _trace_values(cr, row["id"])
        sent_something = any(trace["trace_status"] != "cancel" for trace in traces)
        if sent_something:
            values.update(
                state="done", sent_date=row["sent_date"] or row["create_date"]
            )
        mailing = Mailing.create(values)
        if sent_something:
            env["mailing.trace"].create(
                [dict(trace, mass_mailing_id=mailing.id) for trace in traces]
            )
        _move_chatter(cr, row["id"], mailing.id)
        mailing.message_post(
            body=_migration_note(row, len(traces), sent_something),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
        _logger.info(
            "crm_lite mailing %s (%s) migrated to mailing.mailing %s with %s traces",
            row["id"],
            row["state"],
            mailing.id,
            len(traces) if sent_something else 0,
        )
    # Odoo keeps the tables of models removed from the code: drop them, their
    # content now lives in Email Marketing.
    cr.execute("DROP TABLE IF EXISTS crm_lite_mailing_recipient, crm_lite_mailing")


def _trace_values(cr, old_mailing_id):
    cr.execute(
        """
        SELECT partner_id, email, email_normalized, state, reason,
               mail_mail_id_int, sent_date
          FROM crm_lite_mailing_recipient
         WHERE mailing_id = %s AND partner_id IS NOT NULL AND state != 'pending'
      ORDER BY id
        """,
        (old_mailing_id,),
    )
    traces = []
    for recipient in cr.dictfetchall():
        trace = {
            "trace_type": "mail",
            "model": "res.partner",
            "res_id": recipient["partner_id"],
            "email": recipient["email_normalized"] or recipient["email"],
            "mail_mail_id_int": recipient["mail_mail_id_int"],
        }
        if recipient["state"] == "sent":
            trace.update(trace_status="sent", sent_datetime=recipient["sent_date"])
        elif recipient["state"] == "failed":
            trace.update(
                trace_status="error",
                failure_type="unknown",
                failure_reason=recipient["reason"],
                sent_datetime=recipient["sent_date"],
            )
        else:
            trace.update(
                trace_status="cancel",
                failure_type=SKIP_REASONS.get(recipient["reason"], "unknown"),
                failure_reason=recipient["reason"],
            )
        traces.append(trace)
    return traces


def _move_chatter(cr, old_id, new_id):
    """The old mailing's messages, followers and attachments, on the new one."""
    for table, model_column, id_column in (
        ("mail_message", "model", "res_id"),
        ("mail_followers", "res_model", "res_id"),
        ("ir_attachment", "res_model", "res_id"),
    ):
        cr.execute(
            SQL(
                "UPDATE %(table)s "
                "SET %(model)s = 'mailing.mailing', %(res_id)s = %(new)s "
                "WHERE %(model)s = 'crm.lite.mailing' AND %(res_id)s = %(old)s",
                table=SQL.identifier(table),
                model=SQL.identifier(model_column),
                res_id=SQL.identifier(id_column),
                new=new_id,
                old=old_id,
            )
        )


def _migration_note(row, trace_count, sent_something):
    lines = [
        escape("Moved from the CRM Lite mailing “%s” (state: %s).")
        % (row["name"], row["state"])
    ]
    if row["schedule_date"] and not sent_something:
        lines.append(
            escape("It was scheduled for %s: schedule it again to send it.")
            % fields.Datetime.to_string(row["schedule_date"])
        )
    if sent_something:
        lines.append(
            escape("Its %s recipients are kept as this mailing's statistics.")
            % trace_count
        )
    return Markup("<br/>").join(lines)
