import re
from datetime import timedelta
from html import escape

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

# The HTML sanitizer percent-encodes braces (and spaces) inside link and image
# addresses: href="{{unsubscribe_url}}" is stored as href="%7B%7Bunsubscribe_url%7D%7D".
# Any name between double braces is caught ({{Name}}, {{partner.name}}), so
# that a typo is refused instead of reaching the clients verbatim.
PLACEHOLDER_RE = re.compile(
    r"(?:\{\{|%7[Bb]%7[Bb])(?:\s|%20)*([^{}%\s]+)(?:\s|%20)*(?:\}\}|%7[Dd]%7[Dd])"
)
MAILING_STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("sending", "Sending"),
    ("done", "Sent"),
    ("cancelled", "Cancelled"),
]
# Fields that can no longer change once the mailing has started.
FROZEN_FIELDS = {
    "subject",
    "body_html",
    "segment_id",
    "campaign_id",
    "schedule_date",
    "email_from",
}
DEFAULT_BATCH_SIZE = 500
SNAPSHOT_CHUNK = 2000


class CrmLiteMailing(models.Model):
    """An e-mail sent to the partners of a segment, in batches through
    Odoo's mail queue, with a one-click unsubscribe link."""

    _name = "crm.lite.mailing"
    _description = "Mailing"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    subject = fields.Char(tracking=True)
    body_html = fields.Html(
        "Body",
        sanitize_style=True,
        help="Placeholders: {{name}}, {{first_name}}, {{email}}, {{company}}, "
        "{{city}}, {{salesperson}}, {{unsubscribe_url}}, or any field of the "
        "contact as {{object.field}}.",
    )
    email_from = fields.Char(
        "From",
        default=lambda self: self.env.company.email_formatted
        or self.env.user.email_formatted,
    )
    segment_id = fields.Many2one("crm.lite.segment", tracking=True, ondelete="restrict")
    campaign_id = fields.Many2one("utm.campaign", tracking=True, ondelete="set null")
    schedule_date = fields.Datetime(
        tracking=True, help="Leave empty to start sending as soon as you click Send."
    )
    state = fields.Selection(
        MAILING_STATES, required=True, default="draft", tracking=True, copy=False
    )
    test_email = fields.Char("Test Address", copy=False)
    recipient_ids = fields.One2many(
        "crm.lite.mailing.recipient", "mailing_id", copy=False
    )
    recipient_count = fields.Integer(compute="_compute_recipient_stats")
    pending_count = fields.Integer("To Send", compute="_compute_recipient_stats")
    sent_count = fields.Integer("Sent", compute="_compute_recipient_stats")
    failed_count = fields.Integer("Failed", compute="_compute_recipient_stats")
    skipped_count = fields.Integer("Skipped", compute="_compute_recipient_stats")
    sent_date = fields.Datetime(readonly=True, copy=False)

    def _compute_recipient_stats(self):
        counts = {
            (mailing, state): count
            for mailing, state, count in self.env[
                "crm.lite.mailing.recipient"
            ]._read_group(
                [("mailing_id", "in", self.ids)], ["mailing_id", "state"], ["__count"]
            )
        }
        for mailing in self:
            mailing.pending_count = counts.get((mailing, "pending"), 0)
            mailing.sent_count = counts.get((mailing, "sent"), 0)
            mailing.failed_count = counts.get((mailing, "failed"), 0)
            mailing.skipped_count = counts.get((mailing, "skipped"), 0)
            mailing.recipient_count = sum(
                counts.get((mailing, state), 0)
                for state in ("pending", "sent", "failed", "skipped")
            )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("subject", "body_html")
    def _check_placeholders(self):
        allowed = set(self._placeholder_values(self.env["res.partner"], "").keys())
        for mailing in self:
            used = set(PLACEHOLDER_RE.findall(mailing.subject or ""))
            used |= set(PLACEHOLDER_RE.findall(mailing.body_html or ""))
            unknown = sorted(
                name for name in used - allowed if not self._is_object_placeholder(name)
            )
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Unknown placeholder(s) %(unknown)s in mailing %(mailing)s. "
                        "Available: %(allowed)s.",
                        unknown=", ".join("{{%s}}" % name for name in unknown),
                        mailing=mailing.name,
                        allowed=", ".join("{{%s}}" % name for name in sorted(allowed)),
                    )
                )

    @api.constrains("schedule_date")
    def _check_schedule_date(self):
        # A minute of slack for the time the form took to be saved.
        limit = fields.Datetime.now() - timedelta(minutes=1)
        for mailing in self:
            if (
                mailing.state in ("draft", "scheduled")
                and mailing.schedule_date
                and mailing.schedule_date < limit
            ):
                raise ValidationError(
                    self.env._(
                        "The schedule date of mailing %(mailing)s is in the past.",
                        mailing=mailing.name,
                    )
                )

    def write(self, vals):
        if FROZEN_FIELDS & set(vals):
            started = self.filtered(lambda m: m.state in ("sending", "done"))
            if started:
                raise UserError(
                    self.env._(
                        "Mailing %(mailing)s has already started: its content and "
                        "recipients can no longer change.",
                        mailing=", ".join(started.mapped("name")),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sending(self):
        if any(mailing.state == "sending" for mailing in self):
            raise UserError(self.env._("Cancel a mailing before deleting it."))

    def _check_ready_to_send(self):
        for mailing in self:
            if mailing.state != "draft":
                raise UserError(self.env._("Only a draft mailing can be sent."))
            if not mailing.subject:
                raise UserError(
                    self.env._(
                        "Mailing %(mailing)s has no subject.", mailing=mailing.name
                    )
                )
            if tools.is_html_empty(mailing.body_html):
                raise UserError(
                    self.env._("Mailing %(mailing)s has no body.", mailing=mailing.name)
                )
            if not mailing.segment_id:
                raise UserError(
                    self.env._(
                        "Choose the segment mailing %(mailing)s goes to.",
                        mailing=mailing.name,
                    )
                )
            if not mailing.segment_id.partner_count:
                raise UserError(
                    self.env._(
                        "Segment %(segment)s holds no contact.",
                        segment=mailing.segment_id.name,
                    )
                )
            if mailing.schedule_date and mailing.schedule_date < fields.Datetime.now():
                raise UserError(
                    self.env._(
                        "The schedule date of mailing %(mailing)s is in the past.",
                        mailing=mailing.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_send(self):
        """Queue the mailing: the scheduled job freezes the recipients and
        sends them in batches, so no request waits for thousands of e-mails."""
        self._check_ready_to_send()
        self.write({"state": "scheduled"})
        cron = self.env.ref("crm_lite.ir_cron_mailing_send", raise_if_not_found=False)
        if cron:
            for mailing in self:
                cron._trigger(at=mailing.schedule_date or fields.Datetime.now())
        return True

    def action_cancel(self):
        for mailing in self:
            if mailing.state not in ("draft", "scheduled", "sending"):
                raise UserError(
                    self.env._("Only a mailing that is not sent yet can be cancelled.")
                )
        self.write({"state": "cancelled"})
        return True

    def action_reset_draft(self):
        if any(
            mailing.state != "cancelled" or mailing.recipient_ids for mailing in self
        ):
            raise UserError(
                self.env._(
                    "Only a cancelled mailing that sent nothing can go back to "
                    "draft; duplicate it instead."
                )
            )
        self.write({"state": "draft"})
        return True

    def action_send_test(self, email=None):
        """Send the mailing once to the test address (or ``email``), rendered
        for the user."""
        self.ensure_one()
        email = tools.email_normalize(email or self.test_email or "")
        if not email:
            raise UserError(self.env._("Enter a valid test address."))
        if not self.subject or tools.is_html_empty(self.body_html):
            raise UserError(self.env._("Write a subject and a body before testing."))
        partner = self.env.user.partner_id
        values = self._prepare_mail_values(partner, email, unsubscribe_url="#")
        values["subject"] = self.env._("[TEST] %(subject)s", subject=values["subject"])
        values.pop("model", None)
        values.pop("res_id", None)
        self.env["mail.mail"].sudo().create(values).send()
        return True

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    @api.model
    def _get_batch_size(self):
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_lite.mailing_batch_size")
        )
        return max(int(param or DEFAULT_BATCH_SIZE), 1)

    @api.model
    def _cron_send_mailings(self):
        """Start due mailings, then send one batch of each mailing in progress.

        Each batch is queued and its recipients marked in one transaction: an
        interrupted run leaves them pending, so nobody gets the e-mail twice.
        """
        due = self.search(
            [
                ("state", "=", "scheduled"),
                "|",
                ("schedule_date", "=", False),
                ("schedule_date", "<=", fields.Datetime.now()),
            ]
        )
        for mailing in due:
            mailing._snapshot_recipients()
        processed = 0
        batch_size = self._get_batch_size()
        sending = self.search([("state", "=", "sending")])
        for mailing in sending:
            processed += len(mailing._send_batch(batch_size))
        remaining = self.env["crm.lite.mailing.recipient"].search_count(
            [("mailing_id", "in", sending.ids), ("state", "=", "pending")]
        )
        if remaining:
            # Work done and work left: ir.cron commits and runs the job again
            # at once (done=0 would make it consider the job finished).
            self.env["ir.cron"]._notify_progress(done=processed, remaining=remaining)
            self.env.ref("crm_lite.ir_cron_mailing_send")._trigger()

    def _snapshot_recipients(self):
        """Freeze the segment into recipients, noting who is skipped and why."""
        self.ensure_one()
        Recipient = self.env["crm.lite.mailing.recipient"]
        # A snapshot interrupted half-way resumes: who is already in is kept.
        existing = Recipient.search_fetch(
            [("mailing_id", "=", self.id)], ["email_normalized", "partner_id"]
        )
        seen = set(existing.mapped("email_normalized"))
        done_partners = set(existing.partner_id.ids)
        partners = self.env["res.partner"].with_context(active_test=True)
        domain = self.segment_id._get_partner_domain()
        offset = 0
        while True:
            chunk = partners.search_fetch(
                domain,
                ["email", "email_normalized"],
                offset=offset,
                limit=SNAPSHOT_CHUNK,
                order="id",
            )
            if not chunk:
                break
            offset += len(chunk)
            values = []
            for partner in chunk:
                if partner.id in done_partners:
                    continue
                state, reason, normalized = "pending", False, partner.email_normalized
                if not partner.email:
                    state, reason = "skipped", self.env._("No e-mail address")
                elif not normalized:
                    state, reason = "skipped", self.env._("Invalid e-mail address")
                # mail.thread.blacklist checks the whole chunk in one query.
                elif partner.is_blacklisted:
                    state, reason = "skipped", self.env._("Blacklisted / opted out")
                elif normalized in seen:
                    state, reason = (
                        "skipped",
                        self.env._("Duplicate address in this mailing"),
                    )
                if normalized:
                    seen.add(normalized)
                values.append(
                    {
                        "mailing_id": self.id,
                        "partner_id": partner.id,
                        "email": partner.email,
                        "email_normalized": normalized,
                        "state": state,
                        "reason": reason,
                    }
                )
            Recipient.create(values)
            partners.invalidate_model()
        self.state = "sending"

    def _send_batch(self, batch_size):
        """Queue the e-mails of the next ``batch_size`` pending recipients;
        return the recipients handled (sent or skipped)."""
        self.ensure_one()
        recipients = self.env["crm.lite.mailing.recipient"].search(
            [("mailing_id", "=", self.id), ("state", "=", "pending")], limit=batch_size
        )
        if recipients:
            # Lock the batch: a second job running at the same time skips it.
            self.env.cr.execute(
                "SELECT id FROM crm_lite_mailing_recipient "
                "WHERE id IN %s FOR UPDATE SKIP LOCKED",
                (tuple(recipients.ids),),
            )
            locked = {row[0] for row in self.env.cr.fetchall()}
            recipients = recipients.filtered(lambda r: r.id in locked)
        now = fields.Datetime.now()
        # Opted out since the snapshot (e.g. through another mailing's link):
        # checked on the address the e-mail goes to, not on the partner's
        # current one, which may have changed since.
        addresses = [email for email in recipients.mapped("email_normalized") if email]
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", addresses)])
            .mapped("email")
        )
        opted_out = recipients.filtered(lambda r: r.email_normalized in blacklisted)
        opted_out.write(
            {"state": "skipped", "reason": self.env._("Blacklisted / opted out")}
        )
        deleted = (recipients - opted_out).filtered(lambda r: not r.partner_id)
        deleted.write({"state": "skipped", "reason": self.env._("Contact deleted")})
        sendable = recipients - opted_out - deleted
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create(
                [
                    self._prepare_mail_values(
                        recipient.partner_id,
                        recipient.email,
                        unsubscribe_url=recipient._get_unsubscribe_url(),
                    )
                    for recipient in sendable
                ]
            )
        )
        for recipient, mail in zip(sendable, mails, strict=True):
            recipient.write(
                {"state": "sent", "mail_mail_id_int": mail.id, "sent_date": now}
            )
        if not self.env["crm.lite.mailing.recipient"].search_count(
            [("mailing_id", "=", self.id), ("state", "=", "pending")], limit=1
        ):
            self.write({"state": "done", "sent_date": now})
        return recipients

    def _prepare_mail_values(self, partner, email, unsubscribe_url):
        self.ensure_one()
        placeholders = self._placeholder_values(partner, unsubscribe_url)
        body = self.body_html or ""
        if "unsubscribe_url" not in PLACEHOLDER_RE.findall(body):
            body += Markup(
                '<p style="font-size: 12px; color: #888888;">%s <a href="%s">%s</a></p>'
            ) % (
                self.env._(
                    "You receive this e-mail as a client of %(company)s.",
                    company=self.env.company.name,
                ),
                unsubscribe_url,
                self.env._("Unsubscribe"),
            )
        for match in PLACEHOLDER_RE.finditer(f"{body} {self.subject or ''}"):
            name = match.group(1)
            if name not in placeholders and self._is_object_placeholder(name):
                placeholders[name] = self._object_placeholder_value(partner, name)
        html_values = {key: escape(value or "") for key, value in placeholders.items()}
        body = PLACEHOLDER_RE.sub(
            lambda m: html_values.get(m.group(1), m.group(0)), str(body)
        )
        subject = PLACEHOLDER_RE.sub(
            lambda m: placeholders.get(m.group(1)) or "", self.subject or ""
        )
        return {
            "subject": subject,
            "body_html": body,
            "body": Markup(body),
            "email_from": self.email_from,
            "email_to": tools.formataddr((partner.name or "", email))
            if partner
            else email,
            "recipient_ids": [],
            "model": "res.partner",
            "res_id": partner.id,
            "author_id": self.env.user.partner_id.id,
            "message_type": "email_outgoing",
            "auto_delete": False,
            "state": "outgoing",
            "headers": repr(
                {
                    "List-Unsubscribe": f"<{unsubscribe_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    "Precedence": "bulk",
                }
            ),
        }

    @api.model
    def _placeholder_values(self, partner, unsubscribe_url):
        name = partner.name or ""
        return {
            "name": name,
            # A company has no first name: "Dear Wood Corner", not "Dear Wood".
            "first_name": name if partner.is_company else name.split(" ")[0],
            "email": partner.email or "",
            "company": partner.commercial_partner_id.name if partner.parent_id else "",
            "city": partner.city or "",
            "salesperson": partner.user_id.name or "",
            "unsubscribe_url": unsubscribe_url,
        }

    @api.model
    def _is_object_placeholder(self, name):
        """``object.<field>[.<field>...]``: Odoo's template notation, for any
        stored or computed field of the contact (``{{ object.city }}``,
        ``{{ object.country_id.name }}``)."""
        parts = name.split(".")
        if len(parts) < 2 or parts[0] != "object":
            return False
        model = self.env["res.partner"]
        for part in parts[1:]:
            field = model._fields.get(part)
            if not field or field.type in ("binary", "properties", "json"):
                return False
            if field.relational:
                model = self.env[field.comodel_name]
            elif part != parts[-1]:
                return False
        return True

    @api.model
    def _object_placeholder_value(self, partner, name):
        value = partner.sudo()  # read for rendering only, as templates do
        for part in name.split(".")[1:]:
            value = value[part] if value else False
        if isinstance(value, models.BaseModel):
            return ", ".join(value.mapped("display_name"))
        if value is False or value is None:
            return ""
        return str(value)
