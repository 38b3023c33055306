import calendar
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .tools import NAME_MAX_LENGTH, check_input

# Partners greeted per occasion in one run of the job.
GREETING_BATCH = 500

OCCASION_KINDS = [
    ("birthday", "Birthday"),
    ("fixed", "Fixed Date"),
]


class CrmLiteOccasion(models.Model):
    """A reason to greet clients: their birthday or a date of the year
    (a professional holiday, New Year...)."""

    _name = "crm.lite.occasion"
    _description = "Greeting Occasion"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    kind = fields.Selection(OCCASION_KINDS, required=True, default="birthday")
    day = fields.Integer(help="Day of the month, for a fixed date.")
    month = fields.Integer(help="Month (1-12), for a fixed date.")
    partner_domain = fields.Char(
        "Clients",
        default="[]",
        required=True,
        help="Which partners are greeted on this occasion.",
    )
    action = fields.Selection(
        [
            ("mail", "Send an E-mail"),
            ("activity", "Plan an Activity for the Salesperson"),
        ],
        required=True,
        default="mail",
    )
    template_id = fields.Many2one(
        "mail.template",
        "E-mail Template",
        domain="[('model', '=', 'res.partner')]",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        ),
    )
    log_ids = fields.One2many(
        "crm.lite.occasion.log", "occasion_id", string="Greetings Sent"
    )
    log_count = fields.Integer(compute="_compute_log_count")

    def _compute_log_count(self):
        counts = dict(
            self.env["crm.lite.occasion.log"]._read_group(
                [("occasion_id", "in", self.ids)], ["occasion_id"], ["__count"]
            )
        )
        for occasion in self:
            occasion.log_count = counts.get(occasion, 0)

    @api.constrains("kind", "day", "month")
    def _check_date(self):
        for occasion in self.filtered(lambda o: o.kind == "fixed"):
            if not occasion.month or not occasion.day:
                raise ValidationError(
                    self.env._("A fixed-date occasion needs a day and a month.")
                )
            if not 1 <= occasion.month <= 12:
                raise ValidationError(self.env._("The month must be between 1 and 12."))
            # 2024 is a leap year: 29 February is a valid occasion.
            last_day = calendar.monthrange(2024, occasion.month)[1]
            if not 1 <= occasion.day <= last_day:
                raise ValidationError(
                    self.env._(
                        "Day %(day)s does not exist in month %(month)s.",
                        day=occasion.day,
                        month=occasion.month,
                    )
                )

    @api.constrains("action", "template_id", "activity_type_id")
    def _check_action(self):
        for occasion in self:
            if occasion.action == "mail" and not occasion.template_id:
                raise ValidationError(
                    self.env._(
                        "Choose the e-mail template of %(name)s.", name=occasion.name
                    )
                )
            if occasion.action == "activity" and not occasion.activity_type_id:
                raise ValidationError(
                    self.env._(
                        "Choose the activity type of %(name)s.", name=occasion.name
                    )
                )
            if occasion.template_id and occasion.template_id.model != "res.partner":
                raise ValidationError(
                    self.env._("The e-mail template must be a template for contacts.")
                )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for occasion in self:
            try:
                self.env["res.partner"].search_count(
                    occasion._get_partner_domain(), limit=1
                )
            except Exception as error:  # noqa: BLE001 — any failure means a bad domain
                raise ValidationError(
                    self.env._(
                        "The client filter of %(name)s is not valid: %(error)s",
                        name=occasion.name,
                        error=error,
                    )
                ) from error

    def _get_partner_domain(self):
        self.ensure_one()
        return list(safe_eval(self.partner_domain or "[]", {"uid": self.env.uid}))

    # ------------------------------------------------------------
    # GREETING
    # ------------------------------------------------------------

    @api.model
    def _birthday_keys(self, today):
        """Month-day keys celebrated today; 29 February is greeted on the 28th
        in years without it."""
        keys = [today.strftime("%m-%d")]
        if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
            keys.append("02-29")
        return keys

    def _is_today(self, today):
        self.ensure_one()
        if self.kind != "fixed":
            return True
        day = self.day
        if self.month == 2 and day == 29 and not calendar.isleap(today.year):
            day = 28
        return date(today.year, self.month, day) == today

    def _get_partners_domain_for(self, today):
        self.ensure_one()
        domain = self._get_partner_domain()
        if self.kind == "birthday":
            domain.append(("crm_birthday_key", "in", self._birthday_keys(today)))
        already = self.env["crm.lite.occasion.log"].search(
            [("occasion_id", "=", self.id), ("year", "=", today.year)]
        )
        domain.append(("id", "not in", already.partner_id.ids))
        return domain

    def _get_partners_for(self, today, limit=None):
        """Partners to greet today who were not greeted this year yet."""
        self.ensure_one()
        return self.env["res.partner"].search(
            self._get_partners_domain_for(today), limit=limit, order="id"
        )

    @api.model
    def _cron_greet(self):
        """Greet today's partners once per occasion and year, in batches: a
        run greets up to ``GREETING_BATCH`` partners per occasion and, when
        more are left, asks the scheduler to run again at once."""
        today = fields.Date.context_today(self)
        done = remaining = 0
        for occasion in self.search([]):
            if not occasion._is_today(today):
                continue
            partners = occasion._get_partners_for(today, limit=GREETING_BATCH)
            occasion._greet(partners, today)
            done += len(partners)
            if len(partners) == GREETING_BATCH:
                remaining += self.env["res.partner"].search_count(
                    occasion._get_partners_domain_for(today)
                )
        if remaining:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _greet(self, partners, today):
        """Greet ``partners``: one e-mail each from the occasion's template (in
        each partner's language, opted-out and address-less partners skipped),
        or one activity each for their salesperson; one log row each."""
        self.ensure_one()
        values = []
        if self.action == "mail":
            no_address = partners.filtered(lambda p: not p.email_normalized)
            opted_out = (partners - no_address).filtered("is_blacklisted")
            to_mail = partners - no_address - opted_out
            for lang, people in to_mail.grouped("lang").items():
                self.template_id.with_context(lang=lang or None).send_mail_batch(
                    people.ids, email_layout_xmlid="mail.mail_notification_light"
                )
            values += self._log_values(to_mail, today, "sent")
            values += self._log_values(
                no_address, today, "skipped", self.env._("No valid e-mail address")
            )
            values += self._log_values(
                opted_out, today, "skipped", self.env._("Opted out")
            )
        else:
            admin = self.env.ref("base.user_admin")
            for user, people in partners.grouped(
                lambda p: p.user_id or p.commercial_partner_id.user_id or admin
            ).items():
                people.activity_schedule(
                    activity_type_id=self.activity_type_id.id,
                    summary=self.name,
                    user_id=user.id,
                    date_deadline=today,
                )
            values += self._log_values(partners, today, "planned")
        return self.env["crm.lite.occasion.log"].create(values)

    def _log_values(self, partners, today, state, note=False):
        return [
            {
                "occasion_id": self.id,
                "partner_id": partner.id,
                "year": today.year,
                "date": today,
                "state": state,
                "note": note,
            }
            for partner in partners
        ]

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        return super().write(vals)
