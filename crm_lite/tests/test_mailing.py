import ast
from datetime import datetime, timedelta
from html import escape
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_mail_server import IrMailServer

from .common import CrmLiteCommon

BODY = (
    "<p>Dear {{name}} from {{city}},</p>"
    "<p>Our new offer. Your contact: {{salesperson}}.</p>"
    '<p><a href="{{unsubscribe_url}}">Stop these e-mails</a></p>'
)


@tagged("post_install", "-at_install")
class TestMailing(CrmLiteCommon):
    """Mailings: recipients frozen from a segment, skipped with a reason,
    sent in batches through the mail queue, never twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("crm_lite.mailing_batch_size", 3)
        cls.category = cls.env["res.partner.category"].create({"name": "Newsletter"})
        Partner = cls.env["res.partner"].with_context(
            default_category_id=[Command.set(cls.category.ids)]
        )
        # Created in this order: the snapshot reads partners by id.
        cls.alice = Partner.create(
            {
                "name": "Alice Martin",
                "email": "alice@example.com",
                "city": "Lyon",
                "user_id": cls.user_sales_1.id,
            }
        )
        cls.no_email = Partner.create({"name": "Nora No-Mail"})
        cls.invalid = Partner.create({"name": "Ivan Invalid", "email": "not-an-email"})
        cls.blacklisted = Partner.create(
            {"name": "Betty Blocked", "email": "betty@example.com"}
        )
        cls.dup_first = Partner.create(
            {"name": "Frank First", "email": "Frank@Example.com"}
        )
        cls.bob = Partner.create(
            {"name": "Bob <b>Bold</b> & Sons", "email": "bob@example.com"}
        )
        cls.dup_second = Partner.create(
            {"name": "Frank Second", "email": "frank@EXAMPLE.COM"}
        )
        cls.carol = Partner.create(
            {"name": "Carol Jones", "email": "carol@example.com"}
        )
        cls.dave = Partner.create({"name": "Dave Brown", "email": "dave@example.com"})
        cls.env["mail.blacklist"]._add("betty@example.com")
        # Not in the segment.
        cls.outsider = cls.env["res.partner"].create(
            {"name": "Oscar Outsider", "email": "oscar@example.com"}
        )
        cls.valid = cls.alice | cls.dup_first | cls.bob | cls.carol | cls.dave
        cls.segment = cls.env["crm.lite.segment"].create(
            {
                "name": "Newsletter readers",
                "domain": f"[('category_id', 'in', [{cls.category.id}])]",
            }
        )
        cls.empty_segment = cls.env["crm.lite.segment"].create(
            {"name": "Nobody", "domain": "[('name', '=', 'No such partner at all')]"}
        )
        cls.campaign = cls.env["utm.campaign"].create({"name": "Spring offer"})

    def _create_mailing(self, **values):
        return self.env["crm.lite.mailing"].create(
            {
                "name": "Spring offer",
                "subject": "{{first_name}}, our spring offer",
                "body_html": BODY,
                "segment_id": self.segment.id,
                "campaign_id": self.campaign.id,
                "email_from": "shop@example.com",
                **values,
            }
        )

    def _run_cron(self):
        self.env["crm.lite.mailing"]._cron_send_mailings()
        self.env.invalidate_all()

    def _mails(self, mailing):
        """The queued e-mails of ``mailing``'s recipients."""
        ids = [
            mail_id
            for mail_id in mailing.recipient_ids.mapped("mail_mail_id_int")
            if mail_id
        ]
        return self.env["mail.mail"].browse(ids).exists()

    def _mails_to(self, partners):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )

    def _recipient(self, mailing, partner):
        return mailing.recipient_ids.filtered(lambda r: r.partner_id == partner)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def test_send_in_batches(self):
        mailing = self._create_mailing()
        self.assertEqual(mailing.state, "draft")

        with patch.object(
            type(self.env["ir.cron"]), "_trigger", autospec=True
        ) as trigger:
            mailing.action_send()
        self.assertEqual(mailing.state, "scheduled")
        self.assertTrue(trigger.called, "Sending wakes the mailing job up")
        # The request part neither freezes recipients nor queues e-mails.
        self.assertFalse(mailing.recipient_ids)
        self.assertFalse(self._mails_to(self.valid))

        # First run: snapshot of the whole segment, one batch of 3 e-mails.
        self._run_cron()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(len(mailing.recipient_ids), 9)
        self.assertNotIn(self.outsider, mailing.recipient_ids.partner_id)
        expected_skips = {
            self.no_email: "No e-mail address",
            self.invalid: "Invalid e-mail address",
            self.blacklisted: "Blacklisted / opted out",
            self.dup_second: "Duplicate address in this mailing",
        }
        for partner, reason in expected_skips.items():
            recipient = self._recipient(mailing, partner)
            self.assertEqual(
                (recipient.state, recipient.reason), ("skipped", reason), partner.name
            )
            self.assertFalse(recipient.mail_mail_id_int)
        first_batch = mailing.recipient_ids.filtered(lambda r: r.state == "sent")
        self.assertEqual(first_batch.partner_id, self.alice | self.dup_first | self.bob)
        self.assertEqual(
            mailing.recipient_ids.filtered(lambda r: r.state == "pending").partner_id,
            self.carol | self.dave,
        )
        self.assertEqual(
            (mailing.sent_count, mailing.pending_count, mailing.skipped_count),
            (3, 2, 4),
        )
        self.assertEqual(len(self._mails(mailing)), 3)
        self.assertEqual(len(self._mails_to(self.valid)), 3)

        # Second run: carries on where the first stopped, then the mailing is done.
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        self.assertTrue(mailing.sent_date)
        self.assertEqual((mailing.sent_count, mailing.pending_count), (5, 0))
        self.assertEqual(
            mailing.recipient_ids.filtered(lambda r: r.state == "sent").partner_id,
            self.valid,
        )

        # A third run sends nothing more.
        self._run_cron()
        mails = self._mails_to(
            self.valid
            | self.no_email
            | self.invalid
            | self.blacklisted
            | self.dup_second
        )
        self.assertEqual(len(mails), 5)
        self.assertEqual(mails, self._mails(mailing))
        for partner in self.valid:
            recipient = self._recipient(mailing, partner)
            mail = mails.filtered(lambda m, p=partner: m.res_id == p.id)
            self.assertEqual(len(mail), 1, partner.name)
            self.assertEqual(recipient.mail_mail_id_int, mail.id)
            self.assertEqual(mail.state, "outgoing", "Sent through Odoo's mail queue")
            self.assertIn(partner.email, mail.email_to)
            self.assertEqual(mail.email_from, "shop@example.com")
            self.assertEqual(
                mail.subject, f"{partner.name.split(' ')[0]}, our spring offer"
            )
            url = recipient._get_unsubscribe_url()
            self.assertIn("/crm_lite/unsubscribe?", url)
            self.assertIn(f'href="{escape(url)}"', mail.body_html)
            self.assertNotIn("{{", mail.body_html)
            self.assertNotIn("%7B", mail.body_html)
            headers = ast.literal_eval(mail.headers)
            self.assertEqual(headers["List-Unsubscribe"], f"<{url}>")
            self.assertEqual(
                headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
            )
            # Shown in the partner's chatter.
            messages = partner.message_ids.filtered(
                lambda m: m.message_type == "email_outgoing"
            )
            self.assertEqual(len(messages), 1, partner.name)
            self.assertEqual(messages, mail.mail_message_id)
            self.assertEqual(messages.subject, mail.subject)

        alice_mail = mails.filtered(lambda m: m.res_id == self.alice.id)
        self.assertIn("Dear Alice Martin from Lyon", alice_mail.body_html)
        self.assertIn("Your contact: Sally Sales.", alice_mail.body_html)
        bob_mail = mails.filtered(lambda m: m.res_id == self.bob.id)
        self.assertIn(
            "Dear Bob &lt;b&gt;Bold&lt;/b&gt; &amp; Sons from ,", bob_mail.body_html
        )
        # The duplicate address is mailed once, to the first partner holding it.
        frank_mail = mails.filtered(lambda m: m.res_id == self.dup_first.id)
        self.assertIn("Frank@Example.com", frank_mail.email_to)
        self.assertFalse(
            self.dup_second.message_ids.filtered(
                lambda m: m.message_type == "email_outgoing"
            )
        )

    def test_footer_link_without_placeholder(self):
        """A body without {{unsubscribe_url}} still gets a working link."""
        mailing = self._create_mailing(body_html="<p>Hello {{first_name}}</p>")
        mailing.action_send()
        self._run_cron()
        recipient = self._recipient(mailing, self.alice)
        mail = self._mails(mailing).filtered(lambda m: m.res_id == self.alice.id)
        self.assertIn("Hello Alice", mail.body_html)
        self.assertIn(
            f'href="{escape(recipient._get_unsubscribe_url())}"', mail.body_html
        )

    def test_default_batch_size(self):
        self.env["ir.config_parameter"].set_param("crm_lite.mailing_batch_size", False)
        self.assertEqual(self.env["crm.lite.mailing"]._get_batch_size(), 500)
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(mailing.sent_count, 5)

    def test_opt_out_between_batches(self):
        """Someone who unsubscribes after the snapshot is not mailed."""
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.env["mail.blacklist"]._add("CAROL@example.com")
        self._run_cron()
        carol = self._recipient(mailing, self.carol)
        self.assertEqual(
            (carol.state, carol.reason), ("skipped", "Blacklisted / opted out")
        )
        self.assertFalse(self._mails_to(self.carol))
        self.assertEqual(self._recipient(mailing, self.dave).state, "sent")
        self.assertEqual(mailing.state, "done")

    def test_undeliverable_mail_marks_recipient_failed(self):
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self._run_cron()
        carol = self._recipient(mailing, self.carol)
        self.assertEqual(carol.state, "sent")
        dave = self._recipient(mailing, self.dave)
        mails = self.env["mail.mail"].browse(
            [carol.mail_mail_id_int, dave.mail_mail_id_int]
        )

        # The mail queue sends them; the server refuses Carol's address.
        def send_email(server, message, *args, **kwargs):
            if "carol" in message["To"].lower():
                raise Exception("550 Mailbox unavailable")  # noqa: TRY002
            return "<accepted@example.com>"

        with (
            patch.object(
                IrMailServer, "send_email", autospec=True, side_effect=send_email
            ),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            mails.send(raise_exception=False)
        self.env.invalidate_all()
        self.assertEqual(mails.mapped("state"), ["exception", "sent"])
        self.assertEqual(
            (carol.state, carol.reason), ("failed", "550 Mailbox unavailable")
        )
        self.assertEqual(mailing.failed_count, 1)
        self.assertEqual(self._recipient(mailing, self.dave).state, "sent")

    def test_deleted_contact_is_not_mailed(self):
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        dave = self._recipient(mailing, self.dave)
        self.assertEqual(dave.state, "pending", "Dave is in the second batch")
        self.dave.unlink()
        self._run_cron()
        self.assertEqual((dave.state, dave.reason), ("skipped", "Contact deleted"))

    def test_opt_out_of_frozen_address(self):
        """The blacklist is checked on the address the e-mail goes to, even
        if the partner has changed address since the snapshot."""
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.dave.email = "dave.new@example.com"
        self.env["mail.blacklist"]._add("dave@example.com")
        self._run_cron()
        dave = self._recipient(mailing, self.dave)
        self.assertEqual(
            (dave.state, dave.reason), ("skipped", "Blacklisted / opted out")
        )
        self.assertFalse(self._mails_to(self.dave))
        self.assertEqual(self._recipient(mailing, self.carol).state, "sent")

    def test_scheduled_mailing(self):
        with freeze_time("2030-05-01 08:00:00"):
            mailing = self._create_mailing(schedule_date=datetime(2030, 5, 2, 9, 0))
            mailing.action_send()
            self.assertEqual(mailing.state, "scheduled")
            self._run_cron()
            self.assertEqual(mailing.state, "scheduled", "Not due yet")
            self.assertFalse(mailing.recipient_ids)
            # A scheduled mailing can still be edited.
            mailing.subject = "Hello {{first_name}}"
        with freeze_time("2030-05-02 09:01:00"):
            self._run_cron()
            self.assertEqual(mailing.state, "sending")
            self.assertEqual(mailing.sent_count, 3)
            self.assertEqual(
                set(self._mails(mailing).mapped("subject")),
                {"Hello Alice", "Hello Frank", "Hello Bob"},
            )

    def test_cancel_while_sending(self):
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.assertEqual(mailing.sent_count, 3)
        mailing.action_cancel()
        self.assertEqual(mailing.state, "cancelled")
        self._run_cron()
        self._run_cron()
        self.assertEqual((mailing.sent_count, mailing.pending_count), (3, 2))
        self.assertEqual(len(self._mails_to(self.valid)), 3)
        self.assertFalse(self._mails_to(self.carol | self.dave))
        # It already sent e-mails: it can neither restart nor go back to draft.
        with self.assertRaisesRegex(UserError, "Only a draft mailing can be sent"):
            mailing.action_send()
        with self.assertRaisesRegex(
            UserError, "Only a cancelled mailing that sent nothing"
        ):
            mailing.action_reset_draft()

    def test_cancel_done_mailing(self):
        self.env["ir.config_parameter"].set_param("crm_lite.mailing_batch_size", 100)
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        with self.assertRaisesRegex(UserError, "not sent yet can be cancelled"):
            mailing.action_cancel()
        self.assertEqual(mailing.state, "done")

    def test_cancel_before_sending(self):
        mailing = self._create_mailing()
        mailing.action_send()
        mailing.action_cancel()
        self._run_cron()
        self.assertFalse(mailing.recipient_ids)
        self.assertFalse(self._mails_to(self.valid))
        mailing.action_reset_draft()
        self.assertEqual(mailing.state, "draft")
        mailing.action_send()
        self._run_cron()
        self.assertEqual(mailing.sent_count, 3)

    def test_interrupted_run_sends_once(self):
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()  # snapshot + first batch (3 e-mails)
        self.assertEqual(mailing.sent_count, 3)

        MailMail = type(self.env["mail.mail"])
        create = MailMail.create

        def create_then_crash(records, vals_list):
            create(records, vals_list)  # the e-mails are queued...
            raise OSError("worker killed")  # ...but the job dies before marking them

        with patch.object(MailMail, "create", create_then_crash):
            with self.assertRaises(OSError):
                self.env["crm.lite.mailing"]._cron_send_mailings()
        self.env.invalidate_all()
        self.assertEqual((mailing.sent_count, mailing.pending_count), (3, 2))
        self.assertEqual(
            len(self._mails_to(self.valid)), 3, "The half-done batch left nothing"
        )
        self.assertEqual(mailing.state, "sending")

        # Restart: everybody gets exactly one e-mail.
        self._run_cron()
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        for partner in self.valid:
            self.assertEqual(len(self._mails_to(partner)), 1, partner.name)

    def test_interrupted_snapshot(self):
        """A crash in the first run leaves the mailing scheduled, without
        recipients; the next run starts it cleanly."""
        mailing = self._create_mailing()
        mailing.action_send()
        with (
            patch.object(
                type(self.env["mail.mail"]),
                "create",
                side_effect=OSError("worker killed"),
            ),
            self.assertRaises(OSError),
        ):
            self.env["crm.lite.mailing"]._cron_send_mailings()
        self.env.invalidate_all()
        self.assertEqual(mailing.state, "scheduled")
        self.assertFalse(mailing.recipient_ids)
        self._run_cron()
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(len(mailing.recipient_ids), 9)
        self.assertEqual(len(self._mails_to(self.valid)), 5)

    def test_cron_reports_progress(self):
        mailing = self._create_mailing()
        mailing.action_send()
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(Cron, "_notify_progress", autospec=True) as progress,
            patch.object(Cron, "_trigger", autospec=True) as trigger,
        ):
            self._run_cron()
        progress.assert_called_once()
        self.assertEqual(progress.call_args.kwargs["remaining"], 2)
        self.assertGreater(
            progress.call_args.kwargs["done"],
            0,
            "Reporting work done lets the cron run again",
        )
        trigger.assert_called_once()
        with patch.object(Cron, "_notify_progress", autospec=True) as progress:
            self._run_cron()
        self.assertEqual(mailing.state, "done")
        for call in progress.call_args_list:
            self.assertEqual(call.kwargs["remaining"], 0)

    # ------------------------------------------------------------------
    # Test e-mail
    # ------------------------------------------------------------------

    def test_send_test(self):
        mailing = self._create_mailing(test_email="tester@example.com")
        before = self.env["mail.mail"].search([])
        mailing.action_send_test()
        mail = self.env["mail.mail"].search([]) - before
        self.assertEqual(len(mail), 1)
        self.assertIn("tester@example.com", mail.email_to)
        self.assertTrue(mail.subject.startswith("[TEST]"))
        self.assertIn("our spring offer", mail.subject)
        self.assertNotIn("{{", mail.body_html)
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(mailing.recipient_ids)
        self.assertFalse(self._mails_to(self.valid))

        for address in (False, "not an address"):
            mailing.test_email = address
            with self.assertRaisesRegex(UserError, "valid test address"):
                mailing.action_send_test()
        mailing.write({"test_email": "tester@example.com", "subject": False})
        with self.assertRaisesRegex(UserError, "subject and a body"):
            mailing.action_send_test()

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def _assert_not_sent(self, mailing, error, regex):
        with self.assertRaisesRegex(error, regex):
            mailing.action_send()
        self.env.invalidate_all()
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(mailing.recipient_ids)

    def test_send_refused(self):
        self._assert_not_sent(
            self._create_mailing(subject=False), UserError, "has no subject"
        )
        self._assert_not_sent(
            self._create_mailing(body_html=False), UserError, "has no body"
        )
        self._assert_not_sent(
            self._create_mailing(body_html="<p><br></p>"), UserError, "has no body"
        )
        self._assert_not_sent(
            self._create_mailing(segment_id=False), UserError, "Choose the segment"
        )
        self._assert_not_sent(
            self._create_mailing(segment_id=self.empty_segment.id),
            UserError,
            "holds no contact",
        )
        with freeze_time("2030-05-01 08:00:00"):
            with self.assertRaisesRegex(ValidationError, "in the past"):
                self._create_mailing(schedule_date=datetime(2030, 5, 1, 7, 0))
        # Saved for 07:00, still a draft at 08:00: sending is refused.
        with freeze_time("2030-05-01 06:00:00"):
            late = self._create_mailing(schedule_date=datetime(2030, 5, 1, 7, 0))
        with freeze_time("2030-05-01 08:00:00"):
            self._assert_not_sent(late, UserError, "in the past")
        # Several at once: one bad mailing sends none of them.
        good = self._create_mailing(name="Good")
        bad = self._create_mailing(name="Bad", subject=False)
        with self.assertRaisesRegex(UserError, "has no subject"):
            (good | bad).action_send()
        self.assertEqual((good | bad).mapped("state"), ["draft", "draft"])

    def test_object_placeholders(self):
        """Odoo's own notation works too, for any field of the contact."""
        self.alice.city = "Vilnius"
        mailing = self._create_mailing(
            subject="{{ object.name }}, hello",
            body_html="<p>From {{ object.city }} ({{object.country_id.name}})</p>",
        )
        values = mailing._prepare_mail_values(self.alice, self.alice.email, "#")
        self.assertEqual(values["subject"], f"{self.alice.name}, hello")
        self.assertIn("From Vilnius ()", values["body_html"])
        with self.assertRaisesRegex(ValidationError, r"\{\{object.nickname\}\}"):
            self._create_mailing(body_html="<p>{{ object.nickname }}</p>")
        with self.assertRaisesRegex(ValidationError, r"\{\{object.city.name\}\}"):
            self._create_mailing(body_html="<p>{{ object.city.name }}</p>")

    def test_unknown_placeholder(self):
        with self.assertRaisesRegex(ValidationError, r"\{\{foo\}\}"):
            self._create_mailing(body_html="<p>Hello {{foo}}</p>")
        with self.assertRaisesRegex(ValidationError, r"\{\{surname\}\}"):
            self._create_mailing(subject="Hello {{ surname }}")
        with self.assertRaisesRegex(ValidationError, r"\{\{unsubscribe_link\}\}"):
            self._create_mailing(body_html='<a href="{{unsubscribe_link}}">Stop</a>')
        # Not only lower-case names: whatever is between braces is checked.
        with self.assertRaisesRegex(ValidationError, r"\{\{Name\}\}"):
            self._create_mailing(subject="Hello {{Name}}")
        with self.assertRaisesRegex(ValidationError, r"\{\{partner\.name\}\}"):
            self._create_mailing(body_html="<p>Hello {{ partner.name }}</p>")
        mailing = self._create_mailing()
        body = mailing.body_html
        with self.assertRaisesRegex(ValidationError, r"\{\{foo\}\}"):
            mailing.body_html = "<p>{{ foo }} and {{name}}</p>"
        self.env.invalidate_all()
        self.assertEqual(mailing.body_html, body)
        self.assertFalse(
            self.env["crm.lite.mailing"].search(
                [("name", "=", "Spring offer"), ("id", "!=", mailing.id)]
            )
        )

    def test_started_mailing_is_frozen(self):
        mailing = self._create_mailing()
        mailing.action_send()
        self._run_cron()
        self.assertEqual(mailing.state, "sending")
        for field, value in (
            ("subject", "Changed"),
            ("body_html", "<p>Changed</p>"),
            ("segment_id", self.empty_segment.id),
            ("schedule_date", datetime.now() + timedelta(days=1)),
        ):
            with self.assertRaisesRegex(UserError, "already started"):
                mailing.write({field: value})
        self.env.invalidate_all()
        self.assertEqual(mailing.subject, "{{first_name}}, our spring offer")
        self.assertEqual(mailing.segment_id, self.segment)
        # Its name is not content: it can still be renamed.
        mailing.name = "Spring offer (sent)"
        with self.assertRaisesRegex(UserError, "Cancel a mailing before deleting it"):
            mailing.unlink()
        self._run_cron()
        self.assertEqual(mailing.state, "done")
        with self.assertRaisesRegex(UserError, "already started"):
            mailing.subject = "Too late"
