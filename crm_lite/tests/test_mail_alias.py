from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon
from odoo.addons.mail.models.mail_alias import Alias
from odoo.addons.mail.tests.common import MockEmail

# A plain customer e-mail, as a mail server hands it to the gateway.
MAIL_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
Received: by mail1.buyer.example (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Aug 2012 16:16:39 +0200 (CEST)
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: multipart/alternative;
    boundary="----=_Part_4200734_24778174.1344608186754"
Date: Fri, 10 Aug 2012 14:16:26 +0000
Message-ID: {msg_id}
{extra}
------=_Part_4200734_24778174.1344608186754
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

We need 20 office chairs before March, could you send us an offer?

--
Jane
------=_Part_4200734_24778174.1344608186754
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html>
 <body>
  <p>We need 20 office chairs before March, could you send us an offer?</p>
  <p>--<br/>Jane</p>
 </body>
</html>
------=_Part_4200734_24778174.1344608186754--
"""


@tagged("post_install", "-at_install")
class TestMailAlias(CrmLiteCommon, MockEmail):
    """E-mails sent to a pipeline's alias become deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.mail_alias_domain.company_ids = [(4, cls.company.id)]
        cls.company.alias_domain_id = cls.mail_alias_domain
        company = cls.company
        cls.pipeline = cls.env["crm.lite.pipeline"].create(
            {
                "name": "Inbound Sales",
                "company_id": company.id,
                "alias_name": "sales",
                "alias_domain_id": cls.mail_alias_domain.id,
            }
        )
        cls.stage_first, cls.stage_second = cls.env["crm.lite.stage"].create(
            [
                {"name": "Incoming", "sequence": 1, "pipeline_id": cls.pipeline.id},
                {"name": "Qualified", "sequence": 2, "pipeline_id": cls.pipeline.id},
            ]
        )
        # Another pipeline without alias: mails must not land there.
        cls.other_pipeline = cls.env["crm.lite.pipeline"].create(
            {"name": "Repeat Sales", "company_id": company.id}
        )
        cls.env["crm.lite.stage"].create(
            {"name": "Other New", "sequence": 1, "pipeline_id": cls.other_pipeline.id}
        )
        cls.john = cls.env["res.partner"].create(
            {"name": "John Existing", "email": "john@example.com"}
        )
        cls.sales_email = f"sales@{cls.alias_domain}"

    def _deliver(self, email_from, subject, to=None):
        with self.mock_mail_gateway():
            return self.format_and_process(
                MAIL_TEMPLATE,
                email_from,
                to or self.sales_email,
                subject=subject,
                target_model="crm.lite.deal",
                target_field="name",
            )

    def test_alias_configuration(self):
        self.assertEqual(self.pipeline.alias_email, self.sales_email)
        alias = self.pipeline.alias_id
        self.assertEqual(alias.alias_model_id.model, "crm.lite.deal")
        self.assertIn(f"'pipeline_id': {self.pipeline.id}", alias.alias_defaults)

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_mail_from_new_sender_creates_deal(self):
        partners_before = self.env["res.partner"].search_count([])
        deal = self._deliver(
            '"Jane Buyer" <jane@buyer.example>', "Office chairs for HQ"
        )

        self.assertEqual(len(deal), 1)
        self.assertRecordValues(
            deal,
            [
                {
                    "name": "Office chairs for HQ",
                    "pipeline_id": self.pipeline.id,
                    "stage_id": self.stage_first.id,
                    "company_id": self.company.id,
                    "user_id": False,
                    "stage_kind": "open",
                }
            ],
        )
        # The sender became a new contact.
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before + 1)
        jane = deal.partner_id
        self.assertEqual(jane.email, "jane@buyer.example")
        self.assertEqual(jane.name, "Jane Buyer")
        self.assertFalse(jane.company_id)
        # The mail itself is in the chatter.
        incoming = deal.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(incoming), 1)
        self.assertIn("We need 20 office chairs before March", incoming.body)
        self.assertEqual(incoming.subject, "Office chairs for HQ")
        self.assertEqual(incoming.email_from, '"Jane Buyer" <jane@buyer.example>')
        # The history of the deal starts with its first stage.
        history = deal.stage_history_ids
        self.assertEqual(len(history), 1)
        self.assertRecordValues(
            history,
            [
                {
                    "stage_from_id": False,
                    "stage_id": self.stage_first.id,
                    "pipeline_id": self.pipeline.id,
                    "stage_kind": "open",
                    "salesperson_id": False,
                }
            ],
        )
        # Nothing in the other pipeline.
        self.assertFalse(
            self.env["crm.lite.deal"].search(
                [("pipeline_id", "=", self.other_pipeline.id)]
            )
        )

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_mail_from_known_sender_links_existing_partner(self):
        partners_before = (
            self.env["res.partner"].with_context(active_test=False).search_count([])
        )
        deal = self._deliver("JOHN@Example.com ", "Repeat order of desks")
        self.assertEqual(len(deal), 1)
        self.assertEqual(deal.partner_id, self.john)
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            partners_before,
            "No new partner for a sender already known under another spelling",
        )
        incoming = deal.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(incoming.author_id, self.john)

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_mail_from_known_sender_stored_in_other_case(self):
        """Same, the other way round: the partner was typed in upper case."""
        mary = self.env["res.partner"].create(
            {"name": "Mary Upper", "email": " Mary.Upper@Example.COM "}
        )
        deal = self._deliver("Mary <mary.upper@example.com>", "Chairs for Mary")
        self.assertEqual(deal.partner_id, mary)

    @mute_logger(
        "odoo.addons.mail.models.mail_thread", "odoo.addons.mail.models.mail_alias"
    )
    def test_mail_without_usable_sender_creates_no_deal(self):
        deals_before = self.env["crm.lite.deal"].search_count([])
        partners_before = self.env["res.partner"].search_count([])
        for email_from in ("undisclosed", ""):
            with self.subTest(email_from=email_from):
                with patch.object(
                    Alias, "_alias_bounce_incoming_email", autospec=True
                ) as bounce:
                    deal = self._deliver(
                        email_from, f"No sender {email_from or 'empty'}"
                    )
                self.assertFalse(deal)
                # Refused at routing: bounced, but the alias stays valid.
                bounce.assert_called_once()
                self.assertEqual(bounce.call_args.args[0], self.pipeline.alias_id)
                self.assertFalse(bounce.call_args.kwargs.get("set_invalid"))
                self.assertNotEqual(self.pipeline.alias_id.alias_status, "invalid")
                self.assertEqual(
                    self.env["crm.lite.deal"].search_count([]), deals_before
                )
                self.assertEqual(
                    self.env["res.partner"].search_count([]), partners_before
                )

    def test_message_new_without_sender_raises(self):
        """The model refuses it too, e.g. when called by an integration."""
        with self.assertRaisesRegex(UserError, "no usable sender"):
            self.env["crm.lite.deal"].message_new(
                {"email_from": "undisclosed", "subject": "Hi"},
                {"pipeline_id": self.pipeline.id},
            )
