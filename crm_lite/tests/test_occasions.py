from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.crm_lite.models import crm_lite_occasion

from .common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestOccasions(CrmLiteCommon):
    """Birthday and holiday greetings: sent once per partner, occasion and
    year, on the right day, never to people who opted out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Happy birthday",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "subject": "Happy birthday {{ object.name }}",
                "body_html": "<p>Best wishes, <t t-out='object.name'/>!</p>",
                "partner_to": "{{ object.id }}",
                "email_from": "shop@example.com",
            }
        )
        Partner = cls.env["res.partner"]
        cls.june_15, cls.june_16, cls.blocked, cls.no_email, cls.leap, cls.feb_28 = (
            Partner.create(
                [
                    {
                        "name": "June Fifteen",
                        "email": "june15@example.com",
                        "birthday": date(1980, 6, 15),
                    },
                    {
                        "name": "June Sixteen",
                        "email": "june16@example.com",
                        "birthday": date(1990, 6, 16),
                    },
                    {
                        "name": "Opted Out",
                        "email": "blocked@example.com",
                        "birthday": date(1975, 6, 15),
                    },
                    {"name": "No Mail", "birthday": date(1985, 6, 15)},
                    {
                        "name": "Leap Day",
                        "email": "leap@example.com",
                        "birthday": date(2000, 2, 29),
                    },
                    {
                        "name": "Feb Eight",
                        "email": "feb28@example.com",
                        "birthday": date(1970, 2, 28),
                    },
                ]
            )
        )
        cls.env["mail.blacklist"]._add("blocked@example.com")
        cls.birthday = cls.env["crm.lite.occasion"].create(
            {"name": "Birthday", "kind": "birthday", "template_id": cls.template.id}
        )
        cls.accountants = cls.env["res.partner.category"].create(
            {"name": "Accountants"}
        )

    def _greet(self, day):
        with freeze_time(f"{day} 10:00:00"):
            self.env["crm.lite.occasion"]._cron_greet()
        self.env.invalidate_all()

    def _mails(self, partners=None, template=None, subject=None):
        domain = [("model", "=", "res.partner")]
        if partners is not None:
            domain.append(("res_id", "in", partners.ids))
        mails = self.env["mail.mail"].search(domain)
        subject = subject or (template or self.template).subject.split("{{")[0]
        return mails.filtered(lambda m: m.subject.startswith(subject))

    def _logs(self, occasion):
        return self.env["crm.lite.occasion.log"].search(
            [("occasion_id", "=", occasion.id)]
        )

    def test_birthday_key(self):
        self.assertEqual(self.june_15.crm_birthday_key, "06-15")
        self.june_15.birthday = date(1981, 12, 1)
        self.assertEqual(self.june_15.crm_birthday_key, "12-01")
        self.june_15.birthday = False
        self.assertFalse(self.june_15.crm_birthday_key)

    def test_birthday_once_per_year(self):
        self._greet("2025-06-14")
        self.assertFalse(self._logs(self.birthday))
        self.assertFalse(self._mails())

        self._greet("2025-06-15")
        mails = self._mails()
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.res_id, self.june_15.id)
        self.assertEqual(mails.subject, "Happy birthday June Fifteen")
        self.assertEqual(mails.recipient_ids, self.june_15)
        self.assertEqual(mails.state, "outgoing", "Sent through the mail queue")
        logs = self._logs(self.birthday)
        self.assertEqual(
            {(log.partner_id, log.state, log.year, log.date) for log in logs},
            {
                (self.june_15, "sent", 2025, date(2025, 6, 15)),
                (self.blocked, "skipped", 2025, date(2025, 6, 15)),
                (self.no_email, "skipped", 2025, date(2025, 6, 15)),
            },
        )
        self.assertEqual(
            logs.filtered(lambda log: log.partner_id == self.blocked).note, "Opted out"
        )
        self.assertEqual(self.birthday.log_count, 3)

        # The job runs again the same day (restart, manual run): nothing new.
        self._greet("2025-06-15")
        self.assertEqual(self._mails(), mails)
        self.assertEqual(self._logs(self.birthday), logs)

        self._greet("2025-06-16")
        self.assertEqual(self._mails() - mails, self._mails(self.june_16))
        self.assertEqual(len(self._mails(self.june_16)), 1)
        self.assertEqual(len(self._logs(self.birthday)), 4)

        # Next year: greeted again, once.
        self._greet("2026-06-15")
        self._greet("2026-06-15")
        self.assertEqual(len(self._mails(self.june_15)), 2)
        self.assertEqual(len(self._mails(self.blocked | self.no_email)), 0)
        self.assertEqual(
            self._logs(self.birthday).filtered(lambda log: log.year == 2026).partner_id,
            self.june_15 | self.blocked | self.no_email,
        )

    def test_archived_occasion(self):
        self.birthday.active = False
        self._greet("2025-06-15")
        self.assertFalse(self._mails())
        self.assertFalse(self._logs(self.birthday))

    def test_birthday_partner_domain(self):
        self.birthday.partner_domain = f"[('id', '!=', {self.june_15.id})]"
        self._greet("2025-06-15")
        self.assertFalse(self._mails())
        self.assertEqual(
            self._logs(self.birthday).partner_id, self.blocked | self.no_email
        )

    def test_february_29(self):
        # Not a leap year: 29 February birthdays are celebrated on the 28th.
        self._greet("2025-02-28")
        self.assertEqual(self._logs(self.birthday).partner_id, self.leap | self.feb_28)
        self._greet("2025-03-01")
        self.assertEqual(len(self._mails(self.leap)), 1)
        # Leap year: on the 29th only.
        self._greet("2028-02-28")
        self.assertEqual(len(self._mails(self.leap)), 1)
        self.assertEqual(len(self._mails(self.feb_28)), 2)
        self._greet("2028-02-29")
        self._greet("2028-03-01")
        self.assertEqual(len(self._mails(self.leap)), 2)
        self.assertEqual(len(self._mails(self.feb_28)), 2)

    def test_fixed_date_with_filter(self):
        template = self.template.copy(
            {"subject": "Happy Accountants' Day {{ object.name }}"}
        )
        self.june_15.category_id = [Command.link(self.accountants.id)]
        self.june_16.category_id = [Command.link(self.accountants.id)]
        self.blocked.category_id = [Command.link(self.accountants.id)]
        occasion = self.env["crm.lite.occasion"].create(
            {
                "name": "Accountants' Day",
                "kind": "fixed",
                "day": 10,
                "month": 11,
                "partner_domain": f"[('category_id', 'in', [{self.accountants.id}])]",
                "template_id": template.id,
            }
        )
        self.birthday.active = False
        self._greet("2025-11-09")
        self.assertFalse(self._logs(occasion))
        self._greet("2025-11-10")
        self._greet("2025-11-10")
        self._greet("2025-11-11")
        mails = self._mails(template=template)
        self.assertEqual(len(mails), 2)
        self.assertEqual(
            set(mails.mapped("res_id")), set((self.june_15 | self.june_16).ids)
        )
        logs = self._logs(occasion)
        self.assertEqual(
            {(log.partner_id, log.state) for log in logs},
            {(self.june_15, "sent"), (self.june_16, "sent"), (self.blocked, "skipped")},
        )

    def test_fixed_february_29(self):
        occasion = self.env["crm.lite.occasion"].create(
            {
                "name": "Leap Day",
                "kind": "fixed",
                "day": 29,
                "month": 2,
                "partner_domain": f"[('id', '=', {self.june_15.id})]",
                "template_id": self.template.id,
            }
        )
        self._greet("2025-02-28")
        self.assertEqual(self._logs(occasion).partner_id, self.june_15)
        self._greet("2028-02-28")
        self.assertFalse(self._logs(occasion).filtered(lambda log: log.year == 2028))
        self._greet("2028-02-29")
        self.assertEqual(len(self._logs(occasion)), 2)

    def test_activity_for_salesperson(self):
        self.june_15.user_id = self.user_sales_1
        self.blocked.user_id = self.user_sales_2
        self.no_email.parent_id = self.organization
        self.organization.user_id = self.user_sales_2
        occasion = self.env["crm.lite.occasion"].create(
            {
                "name": "Call for their birthday",
                "kind": "birthday",
                "action": "activity",
                "partner_domain": repr(
                    [("id", "in", (self.june_15 | self.no_email).ids)]
                ),
            }
        )
        self.assertEqual(
            occasion.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.birthday.active = False
        self._greet("2025-06-15")
        self._greet("2025-06-15")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.june_15.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_sales_1)
        self.assertEqual(activity.summary, "Call for their birthday")
        self.assertEqual(activity.date_deadline, date(2025, 6, 15))
        # A contact without salesperson: the one of its company.
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.no_email.id)]
        )
        self.assertEqual(activity.user_id, self.user_sales_2)
        self.assertEqual(
            {(log.partner_id, log.state) for log in self._logs(occasion)},
            {(self.june_15, "planned"), (self.no_email, "planned")},
        )
        self.assertFalse(self._mails())

    def test_invalid_occasions(self):
        Occasion = self.env["crm.lite.occasion"]
        fixed = {"name": "Bad", "kind": "fixed", "template_id": self.template.id}
        with self.assertRaisesRegex(
            ValidationError, "Day 31 does not exist in month 2"
        ):
            Occasion.create({**fixed, "day": 31, "month": 2})
        with self.assertRaisesRegex(
            ValidationError, "Day 31 does not exist in month 4"
        ):
            Occasion.create({**fixed, "day": 31, "month": 4})
        with self.assertRaisesRegex(
            ValidationError, "Day 32 does not exist in month 1"
        ):
            Occasion.create({**fixed, "day": 32, "month": 1})
        with self.assertRaisesRegex(ValidationError, "Day -1 does not exist"):
            Occasion.create({**fixed, "day": -1, "month": 1})
        with self.assertRaisesRegex(ValidationError, "needs a day and a month"):
            Occasion.create({**fixed, "day": 3})
        with self.assertRaisesRegex(ValidationError, "between 1 and 12"):
            Occasion.create({**fixed, "day": 3, "month": 13})
        with self.assertRaisesRegex(ValidationError, "Choose the e-mail template"):
            Occasion.create(
                {"name": "No template", "kind": "birthday", "action": "mail"}
            )
        with self.assertRaisesRegex(ValidationError, "Choose the e-mail template"):
            self.birthday.template_id = False
        deal_template = self.env["mail.template"].create(
            {"name": "Deal", "model_id": self.env["ir.model"]._get_id("crm.lite.deal")}
        )
        with self.assertRaisesRegex(ValidationError, "template for contacts"):
            Occasion.create({"name": "Wrong model", "template_id": deal_template.id})
        with self.assertRaisesRegex(ValidationError, "not valid"):
            Occasion.create(
                {
                    "name": "Bad filter",
                    "template_id": self.template.id,
                    "partner_domain": "[('nope', '=', 1)]",
                }
            )
        self.assertFalse(
            Occasion.search(
                [("name", "in", ["Bad", "No template", "Wrong model", "Bad filter"])]
            )
        )
        self.assertEqual(self.birthday.template_id, self.template)
        # 29 February is a valid fixed date.
        Occasion.create({**fixed, "name": "Leap", "day": 29, "month": 2})

    def test_greeting_in_each_partners_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.template.write({"lang": "{{ object.lang }}"})
        self.template.with_context(
            lang="ru_RU"
        ).subject = "С днём рождения, {{ object.name }}"
        self.june_15.lang = "ru_RU"
        twin = self.env["res.partner"].create(
            {
                "name": "June Twin",
                "email": "twin@example.com",
                "birthday": date(1981, 6, 15),
            }
        )
        self._greet("2025-06-15")
        self.assertEqual(
            self._mails(self.june_15, subject="С днём рождения").subject,
            "С днём рождения, June Fifteen",
        )
        self.assertEqual(self._mails(twin).subject, "Happy birthday June Twin")

    def test_many_partners_are_greeted_in_batches(self):
        """A large occasion is greeted over several runs of the job, each
        partner once."""
        with (
            patch.object(crm_lite_occasion, "GREETING_BATCH", 1),
            patch.object(
                type(self.env["ir.cron"]), "_notify_progress", autospec=True
            ) as progress,
        ):
            self._greet("2025-06-15")
            self.assertEqual(len(self._logs(self.birthday)), 1)
            progress.assert_called_once()
            self.assertEqual(progress.call_args.kwargs["remaining"], 2)
            self._greet("2025-06-15")
            self._greet("2025-06-15")
            self._greet("2025-06-15")
        logs = self._logs(self.birthday)
        self.assertEqual(logs.partner_id, self.june_15 | self.blocked | self.no_email)
        self.assertEqual(len(self._mails(self.june_15)), 1)
