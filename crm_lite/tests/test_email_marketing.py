import importlib.util
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import file_path, mute_logger

from odoo.addons.crm_lite.models import crm_lite_segment
from odoo.addons.crm_lite.tests.common import CrmLiteCommon
from odoo.addons.mail.tests.common import MockEmail


def _load_migration(version):
    spec = importlib.util.spec_from_file_location(
        f"crm_lite_migrate_{version}",
        file_path(f"crm_lite/migrations/{version}/post-migrate.py"),
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestEmailMarketing(CrmLiteCommon, MockEmail):
    """Segments are Email Marketing audiences: a mailing sent to one reaches
    exactly its contacts of the segment's company, through mass_mailing's own
    queue, exclusions, rendering and statistics."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.user_marketing.write(
            {
                "groups_id": [
                    Command.link(cls.env.ref("crm_lite.group_crm_lite_manager").id)
                ],
            }
        )
        cls.campaign = cls.env["utm.campaign"].create({"title": "Spring newsletter"})
        cls.tag = cls.env["res.partner.category"].create({"name": "Newsletter"})
        Partner = cls.env["res.partner"]

        def partner(name, email, **values):
            return Partner.create(
                {"name": name, "email": email, "category_id": cls.tag.ids, **values}
            )

        cls.alice = partner("Alice Reader", "alice@reader.example")
        cls.bob = partner("Bob Reader", "bob@reader.example")
        cls.bob_again = partner("Bob Typed Twice", "BOB@reader.example")
        cls.blocked = partner("Blocked Reader", "blocked@reader.example")
        cls.invalid = partner("Invalid Reader", "not an address")
        cls.no_email = partner("No E-mail Reader", False)
        cls.elsewhere = partner(
            "Second Co Reader", "elsewhere@reader.example", company_id=cls.company_2.id
        )
        cls.unrelated = Partner.create(
            {"name": "Not Tagged", "email": "no@tag.example"}
        )
        cls.env["mail.blacklist"]._add("blocked@reader.example")
        cls.segment = cls.env["crm.lite.segment"].create(
            {
                "name": "Newsletter readers",
                "domain": repr([("category_id", "in", cls.tag.ids)]),
                "campaign_id": cls.campaign.id,
            }
        )
        cls.deal_alice = cls._create_deal(name="Alice's order", partner_id=cls.alice.id)

    def _new_mailing(self, segment, subject="Spring is here", user=None):
        env = self.env(user=user or self.user_marketing)
        action = segment.with_env(env).action_send_mailing()
        form = Form(env["mailing.mailing"].with_context(**action["context"]))
        form.subject = subject
        mailing = form.save()
        mailing.body_html = mailing.body_arch = "<p>Hello <t t-out='object.name'/></p>"
        return mailing

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    def test_mailing_reaches_exactly_the_segment(self):
        self.assertEqual(self.segment.partner_count, 6, "company 2's reader is out")
        self.assertEqual(self.segment.mailable_count, 2, "Alice and Bob, once")
        mailing = self._new_mailing(self.segment)
        self.assertEqual(mailing.crm_segment_id, self.segment)
        self.assertEqual(mailing.campaign_id, self.campaign)
        self.assertEqual(mailing.mailing_filter_id, self.segment.mailing_filter_id)
        self.assertTrue(mailing.keep_archives)
        mailing.action_launch()
        self.assertEqual(mailing.state, "in_queue")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()

        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        by_partner = {trace.res_id: trace for trace in traces}
        readers = (
            self.alice | self.bob | self.bob_again | self.blocked | self.invalid
            | self.no_email
        )  # fmt: skip
        self.assertEqual(set(by_partner), set(readers.ids))
        sent = traces.filtered(lambda t: t.trace_status == "sent")
        self.assertEqual(len(sent), self.segment.mailable_count)
        self.assertIn(self.alice.id, sent.mapped("res_id"))
        bob_traces = by_partner[self.bob.id] | by_partner[self.bob_again.id]
        self.assertEqual(
            sorted(bob_traces.mapped("failure_type"), key=str), [False, "mail_dup"]
        )
        self.assertEqual(by_partner[self.blocked.id].failure_type, "mail_bl")
        self.assertEqual(by_partner[self.invalid.id].failure_type, "mail_email_invalid")
        self.assertEqual(
            by_partner[self.no_email.id].failure_type, "mail_email_missing"
        )
        for partner in (self.blocked, self.invalid, self.no_email):
            self.assertEqual(by_partner[partner.id].trace_status, "cancel")

        # The campaign's results show the mailing, for salespeople too.
        campaign = self.campaign.with_user(self.user_sales_1)
        self.assertEqual(campaign.crm_mail_sent, 2)
        self.assertEqual(campaign.crm_mail_opened, 0)
        by_partner[self.alice.id].set_opened()
        by_partner[self.alice.id].set_clicked()
        by_partner[self.bob.id].set_bounced()
        campaign.invalidate_recordset()
        self.assertEqual(
            (
                campaign.crm_mail_opened,
                campaign.crm_mail_clicked,
                campaign.crm_mail_bounced,
            ),
            (1, 1, 1),
        )
        # The salesperson sees it on the deal and the contact, and the bulk
        # e-mail is no interaction with the client.
        deal = self.deal_alice.with_user(self.user_sales_1)
        self.assertEqual(deal.mailing_trace_ids, by_partner[self.alice.id])
        self.assertEqual(
            self.alice.with_user(self.user_sales_1).crm_mailing_trace_count, 1
        )
        archive = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.alice.id)]
        )
        self.assertTrue(archive.filtered(lambda m: m.message_type == "email_outgoing"))
        self.assertFalse(self.alice.last_interaction_date)

    def test_a_mailed_segment_is_archived_not_deleted(self):
        self._new_mailing(self.segment)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.segment.with_user(self.user_marketing).unlink()
        self.assertTrue(self.segment.exists())
        self.segment.with_user(self.user_marketing).action_archive()
        self.assertFalse(self.segment.active)
        unused = self.env["crm.lite.segment"].create(
            {"name": "Unused", "domain": "[('is_company', '=', True)]"}
        )
        audience = unused.mailing_filter_id
        unused.unlink()
        self.assertFalse(audience.exists(), "its Email Marketing audience goes too")

    def test_segment_counts_follow_its_company(self):
        segment_co2 = (
            self.env["crm.lite.segment"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=self.company_2.ids)
            .create(
                {
                    "name": "Readers of the second company",
                    "domain": repr([("category_id", "in", self.tag.ids)]),
                }
            )
        )
        self.assertEqual(segment_co2.company_id, self.company_2)
        self.assertIn(self.elsewhere, segment_co2._get_partners())
        self.assertNotIn(self.elsewhere, self.segment._get_partners())
        # Its audience is not offered to the first company's marketers.
        Filter = self.env["mailing.filter"].with_user(self.user_marketing)
        self.assertFalse(Filter.search([("id", "=", segment_co2.mailing_filter_id.id)]))
        with self.assertRaisesRegex(ValidationError, "company you are not working in"):
            self.env["mailing.mailing"].with_user(self.user_marketing).create(
                {
                    "subject": "Not mine",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "crm_segment_id": segment_co2.id,
                }
            )

    def test_edited_audience_stays_in_the_segments_company(self):
        mailing = self._new_mailing(self.segment)
        mailing.mailing_domain = repr([("email", "ilike", "reader.example")])
        domain = mailing._get_recipients_domain()
        mailed = self.env["res.partner"].search(domain)
        self.assertIn(self.alice, mailed)
        self.assertNotIn(self.elsewhere, mailed)

    # ------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------

    @users("crm_lite_marketing")
    def test_marketer_cannot_render_private_fields(self):
        """A CRM administrator and marketer, not Mail Template Editor: secrets
        of users are out of reach, contact fields are not."""
        self.assertFalse(self.env.user.has_group("mail.group_mail_template_editor"))
        model = self.env["ir.model"]._get_id("res.partner")
        Mailing = self.env["mailing.mailing"]
        for values in (
            {"subject": "{{ object.user_id.totp_secret }}"},
            {"body_html": "<p><t t-out='object.user_id.password'/></p>"},
            {"subject": "{{ object.user_id.sudo().api_key_ids }}"},
        ):
            with self.subTest(values=values):
                with self.assertRaises(AccessError):
                    Mailing.create(
                        dict({"subject": "Hi", "mailing_model_id": model}, **values)
                    )
        mailing = Mailing.create(
            {
                "subject": "Hello {{ object.name }} from {{ object.city }}",
                "mailing_model_id": model,
                "body_html": "<p><t t-out='object.email'/></p>",
            }
        )
        rendered = mailing._render_field("subject", self.alice.ids)[self.alice.id]
        self.assertEqual(rendered, "Hello Alice Reader from ")

    # ------------------------------------------------------------
    # BAD INPUT
    # ------------------------------------------------------------

    @users("crm_lite_manager")
    @mute_logger("odoo.osv.expression", "odoo.models", "odoo.sql_db")
    def test_bad_segment_filters_are_refused(self):
        Segment = self.env["crm.lite.segment"]
        for domain, message in (
            ("[('name', '=', 'Acme'", "not valid"),
            ("[('no_such_field', '=', 1)]", "not valid"),
            ("[('crm_can_merge_duplicates', '=', True)]", "not valid"),
            ("'everybody'", "not valid"),
        ):
            with self.subTest(domain=domain):
                with self.assertRaisesRegex(ValidationError, message):
                    Segment.create({"name": "Broken", "domain": domain})
        self.assertFalse(Segment.search([("name", "=", "Broken")]))
        self.assertFalse(
            self.env["mailing.filter"].sudo().search([("name", "=", "Broken")])
        )

    @users("crm_lite_manager")
    @mute_logger("odoo.sql_db")
    def test_slow_segment_filter_is_refused(self):
        original = type(self.env["res.partner"]).search_count

        def slow_count(records, domain, limit=None):
            records.env.cr.execute("SELECT pg_sleep(0.2)")
            return original(records, domain, limit=limit)

        with (
            patch.object(crm_lite_segment, "DOMAIN_CHECK_TIMEOUT_MS", 50),
            patch.object(type(self.env["res.partner"]), "search_count", slow_count),
        ):
            with self.assertRaisesRegex(ValidationError, "takes too long"):
                self.env["crm.lite.segment"].create(
                    {"name": "Slow", "domain": "[('city', '=', 'Lyon')]"}
                )
        # The transaction goes on with the usual statement timeout.
        self.env.cr.execute("SHOW statement_timeout")
        self.assertNotEqual(self.env.cr.fetchone()[0], "50ms")

    # ------------------------------------------------------------
    # MIGRATION
    # ------------------------------------------------------------

    def test_migration_of_the_hand_written_mailings(self):
        """A database of the previous version: its draft mailing becomes a
        draft Email Marketing mailing to the segment's audience, its sent one
        keeps its figures as traces and its chatter."""
        cr = self.env.cr
        cr.execute(
            """
            DROP TABLE IF EXISTS crm_lite_mailing_recipient, crm_lite_mailing;
            CREATE TABLE crm_lite_mailing (
                id serial PRIMARY KEY, name varchar, subject varchar, body_html text,
                email_from varchar, segment_id int, campaign_id int,
                schedule_date timestamp, state varchar, sent_date timestamp,
                create_uid int, create_date timestamp
            );
            CREATE TABLE crm_lite_mailing_recipient (
                id serial PRIMARY KEY, mailing_id int, partner_id int, email varchar,
                email_normalized varchar, state varchar, reason varchar,
                mail_mail_id_int int, sent_date timestamp
            );
            """
        )
        cr.execute(
            """
            INSERT INTO crm_lite_mailing (name, subject, body_html, email_from,
                   segment_id, campaign_id, schedule_date, state, sent_date,
                   create_uid, create_date)
            VALUES ('Draft one', '{{first_name}}, news', '<p>Hi {{name}}</p>
                     <a href="%%7B%%7Bunsubscribe_url%%7D%%7D">Stop</a>',
                    'shop@example.com', %(segment)s, %(campaign)s,
                    '2030-01-01 09:00', 'scheduled', NULL, %(uid)s, now()),
                   ('Sent one', 'Hello {{ object.city }}', '<p>Done</p>',
                    'shop@example.com', %(segment)s, %(campaign)s, NULL, 'done',
                    '2025-05-01 10:00', %(uid)s, now())
            RETURNING id
            """,
            {
                "segment": self.segment.id,
                "campaign": self.campaign.id,
                "uid": self.env.uid,
            },
        )
        _draft_id, sent_id = (row[0] for row in cr.fetchall())
        cr.execute(
            """
            INSERT INTO crm_lite_mailing_recipient (mailing_id, partner_id, email,
                   email_normalized, state, reason, sent_date)
            VALUES (%(m)s, %(alice)s, 'alice@reader.example', 'alice@reader.example',
                    'sent', NULL, '2025-05-01 10:05'),
                   (%(m)s, %(bob)s, 'bob@reader.example', 'bob@reader.example',
                    'failed', '550 no such user', '2025-05-01 10:05'),
                   (%(m)s, %(blocked)s, 'blocked@reader.example',
                    'blocked@reader.example', 'skipped', 'Blacklisted / opted out',
                    NULL)
            """,
            {"m": sent_id, "alice": self.alice.id, "bob": self.bob.id,
             "blocked": self.blocked.id},
        )  # fmt: skip
        # A note in the old mailing's chatter (its model is gone from the code).
        note = self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": self.alice.id,
                "body": "Sent to the newsletter readers.",
                "message_type": "comment",
            }
        )
        self.env.flush_all()
        cr.execute(
            "UPDATE mail_message SET model = 'crm.lite.mailing', res_id = %s "
            "WHERE id = %s",
            (sent_id, note.id),
        )
        before = self.env["mailing.mailing"].search([]).ids

        _load_migration("18.0.2.0.0").migrate(cr, "18.0.1.1.0")

        migrated = self.env["mailing.mailing"].search([("id", "not in", before)])
        draft = migrated.filtered(lambda m: m.state == "draft")
        done = migrated - draft
        self.assertRecordValues(
            draft,
            [
                {
                    "subject": "{{ object.name }}, news",
                    "mailing_model_real": "res.partner",
                    "mailing_filter_id": self.segment.mailing_filter_id.id,
                    "crm_segment_id": self.segment.id,
                    "campaign_id": self.campaign.id,
                    "email_from": "shop@example.com",
                }
            ],
        )
        self.assertIn('t-out="object.name"', draft.body_html)
        self.assertIn("/unsubscribe_from_list", draft.body_html)
        self.assertIn("2030-01-01", str(draft.message_ids.mapped("body")))
        self.assertEqual(done.state, "done")
        self.assertEqual(done.subject, "Hello {{ object.city }}")
        self.assertEqual((done.sent, done.failed, done.canceled), (2, 1, 1))
        traces = done.mailing_trace_ids
        self.assertEqual(
            {(t.res_id, t.trace_status, t.failure_type) for t in traces},
            {
                (self.alice.id, "sent", False),
                (self.bob.id, "error", "unknown"),
                (self.blocked.id, "cancel", "mail_bl"),
            },
        )
        note.invalidate_recordset()
        self.assertEqual(note.model, "mailing.mailing")
        self.assertEqual(note.res_id, done.id)
        cr.execute("SELECT to_regclass('crm_lite_mailing')")
        self.assertIsNone(cr.fetchone()[0], "The old tables are gone")
