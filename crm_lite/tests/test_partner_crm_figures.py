from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.crm_lite.tests.common import CrmLiteCommon, create_pipeline


@tagged("post_install", "-at_install")
class TestPartnerCrmFigures(CrmLiteCommon):
    """What the contact card says about a client's deals and meetings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="fig_salesman",
            name="Figures Salesman",
            groups="base.group_user,base.group_partner_manager,crm_lite.group_crm_lite_all",
        )
        cls.pipeline, stages = create_pipeline(cls.env, "Figures Funnel")
        cls.stage_new, cls.stage_won, cls.stage_lost = stages
        cls.lost_reason = cls.env["crm.lite.lost.reason"].create({"name": "Budget"})
        cls.org = cls.env["res.partner"].create(
            {"name": "Acme Furniture", "is_company": True}
        )
        cls.org_contact = cls.env["res.partner"].create(
            {
                "name": "Carla Acme",
                "parent_id": cls.org.id,
                "email": "carla@acme.example",
            }
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "Pete Private", "email": "pete@private.example"}
        )
        cls.stranger = cls.env["res.partner"].create({"name": "Nobody Special"})

    def _deal(self, partner, amount, **values):
        return (
            self.env["crm.lite.deal"]
            .with_user(self.salesman)
            .create(
                {
                    "name": f"{partner.name} {amount}",
                    "pipeline_id": self.pipeline.id,
                    "partner_id": partner.id,
                    "amount": amount,
                    **values,
                }
            )
        )

    def _meeting(self, partners, start, **values):
        return (
            self.env["calendar.event"]
            .with_user(self.salesman)
            .create(
                {
                    "name": "Meeting",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "partner_ids": [fields.Command.set(partners.ids)],
                    **values,
                }
            )
        )

    # ------------------------------------------------------------
    # DEALS
    # ------------------------------------------------------------

    def test_deal_figures_of_person(self):
        self._deal(self.person, 100.0)
        self._deal(self.person, 200.0)
        self._deal(self.person, 500.0).action_set_won()
        self._deal(self.person, 70.0).action_set_lost(self.lost_reason.id)
        self.assertEqual(self.person.deal_count, 4)
        self.assertEqual(self.person.open_pipeline_amount, 300.0)
        self.assertEqual(self.person.crm_currency_id, self.env.company.currency_id)
        self.assertEqual(self.stranger.deal_count, 0)
        self.assertEqual(self.stranger.open_pipeline_amount, 0.0)

    def test_deal_figures_of_organization(self):
        via_contact = self._deal(self.org_contact, 1000.0)
        self.assertEqual(via_contact.organization_id, self.org)
        self._deal(self.org, 50.0)
        self._deal(self.org_contact, 400.0).action_set_won()
        # A deal of another client must not count.
        self._deal(self.person, 999.0)

        self.assertEqual(self.org.deal_count, 3)
        self.assertEqual(self.org.open_pipeline_amount, 1050.0)
        # The contact only sees her own deals.
        self.assertEqual(self.org_contact.deal_count, 2)
        self.assertEqual(self.org_contact.open_pipeline_amount, 1000.0)

        action = self.org.action_view_deals()
        deals = self.env["crm.lite.deal"].search(action["domain"])
        self.assertEqual(len(deals), 3)

    def test_deal_count_refreshes(self):
        self.assertEqual(self.person.deal_count, 0)
        deal = self._deal(self.person, 100.0)
        self.person.invalidate_recordset(["deal_count", "open_pipeline_amount"])
        self.assertEqual(self.person.deal_count, 1)
        self.assertEqual(self.person.open_pipeline_amount, 100.0)
        deal.action_set_won()
        self.person.invalidate_recordset(["deal_count", "open_pipeline_amount"])
        self.assertEqual(self.person.deal_count, 1)
        self.assertEqual(self.person.open_pipeline_amount, 0.0)

    # ------------------------------------------------------------
    # MEETINGS
    # ------------------------------------------------------------

    def test_meeting_dates(self):
        now = fields.Datetime.now().replace(microsecond=0)
        self._meeting(self.org_contact, now - timedelta(days=10))
        past_recent = self._meeting(self.org_contact, now - timedelta(days=2))
        future_far = self._meeting(self.org, now + timedelta(days=20))
        future_near = self._meeting(self.org_contact, now + timedelta(days=3))
        self._meeting(self.person, now + timedelta(days=1))

        # The organization sees the meetings of its people.
        self.assertEqual(self.org.last_meeting_date, past_recent.start)
        self.assertEqual(self.org.next_meeting_date, future_near.start)
        # The contact sees only her own.
        self.assertEqual(self.org_contact.last_meeting_date, past_recent.start)
        self.assertEqual(self.org_contact.next_meeting_date, future_near.start)
        self.assertNotEqual(self.org_contact.next_meeting_date, future_far.start)
        self.assertFalse(self.person.last_meeting_date)
        self.assertFalse(self.stranger.last_meeting_date)
        self.assertFalse(self.stranger.next_meeting_date)

    def test_meeting_planned_from_deal(self):
        deal = self._deal(self.org_contact, 300.0)
        self.assertEqual(deal.meeting_count, 0)
        action = deal.with_user(self.salesman).action_schedule_meeting()
        self.assertEqual(action["res_model"], "calendar.event")
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=1)
        meeting = (
            self.env["calendar.event"]
            .with_user(self.salesman)
            .with_context(**action["context"])
            .create({"start": start, "stop": start + timedelta(hours=1)})
        )
        self.assertEqual(meeting.deal_id, deal)
        self.assertEqual(meeting.name, deal.name)
        self.assertEqual(meeting.res_model, "crm.lite.deal")
        self.assertEqual(meeting.res_id, deal.id)
        self.assertIn(self.org_contact, meeting.partner_ids)
        deal.invalidate_recordset(["meeting_count"])
        self.assertEqual(deal.meeting_count, 1)
        self.assertEqual(self.env["calendar.event"].search(action["domain"]), meeting)
        self.assertEqual(self.org.next_meeting_date, start)

    def test_meeting_from_chatter_gets_deal(self):
        """Planning from the chatter only gives the document, not the deal."""
        deal = self._deal(self.person, 300.0)
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=1)
        meeting = (
            self.env["calendar.event"]
            .with_user(self.salesman)
            .with_context(default_res_model="crm.lite.deal", default_res_id=deal.id)
            .create(
                {"name": "Demo", "start": start, "stop": start + timedelta(hours=1)}
            )
        )
        self.assertEqual(meeting.deal_id, deal)
        self.assertEqual(deal.meeting_count, 1)

    # ------------------------------------------------------------
    # INTERACTIONS
    # ------------------------------------------------------------

    def test_last_interaction_from_note_on_deal(self):
        deal = self._deal(self.org_contact, 300.0)
        # Creating the deal (a notification) is not an interaction.
        self.assertFalse(self.org.last_interaction_date)
        note = deal.with_user(self.salesman).message_post(
            body="Called Carla, she wants a demo.",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.org.invalidate_recordset()
        self.org_contact.invalidate_recordset()
        self.assertEqual(self.org.last_interaction_date, note.date)
        self.assertEqual(self.org_contact.last_interaction_date, note.date)
        self.assertFalse(self.person.last_interaction_date)

    def test_last_interaction_includes_meeting(self):
        now = fields.Datetime.now().replace(microsecond=0)
        meeting = self._meeting(self.person, now - timedelta(hours=3))
        self.assertEqual(self.person.last_interaction_date, meeting.start)

    # ------------------------------------------------------------
    # CALENDAR FILTERS
    # ------------------------------------------------------------

    def _search_filter_domain(self, filter_name, today):
        arch = self.env["calendar.event"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        node = etree.fromstring(arch).find(f".//filter[@name='{filter_name}']")
        self.assertIsNotNone(node, f"search filter {filter_name} is missing")
        return safe_eval(
            node.get("domain"),
            {
                "context_today": lambda: today,
                "relativedelta": relativedelta,
                "datetime": datetime,
            },
        )

    def test_meetings_last_month_with_won_deal(self):
        today = fields.Date.context_today(self.env.user)
        first_this_month = today.replace(day=1)
        first_last_month = first_this_month - relativedelta(months=1)
        won = self._deal(self.person, 100.0)
        won.action_set_won()
        open_deal = self._deal(self.person, 200.0)
        last_month = datetime.combine(first_last_month + timedelta(days=3), time(10))
        expected = self._meeting(self.person, last_month, deal_id=won.id)
        self._meeting(self.person, last_month + timedelta(days=1), deal_id=won.id)
        self._meeting(self.person, last_month, deal_id=open_deal.id)
        self._meeting(self.person, last_month)  # no deal
        self._meeting(
            self.person, datetime.combine(first_this_month, time(10)), deal_id=won.id
        )
        self._meeting(
            self.person,
            datetime.combine(first_last_month - timedelta(days=1), time(10)),
            deal_id=won.id,
        )

        domain = [
            ("deal_id.stage_kind", "=", "won"),
            ("start", ">=", first_last_month.strftime("%Y-%m-01")),
            ("start", "<", first_this_month.strftime("%Y-%m-01")),
        ]
        found = self.env["calendar.event"].search(domain)
        self.assertEqual(len(found), 2)
        self.assertIn(expected, found)

        # The same through the filters of the meetings search view.
        view_domain = self._search_filter_domain(
            "filter_deal_won", today
        ) + self._search_filter_domain("filter_last_month", today)
        self.assertEqual(self.env["calendar.event"].search(view_domain), found)
        self.assertEqual(
            self.env["calendar.event"].search(
                domain + [("deal_stage_kind", "=", "won")]
            ),
            found,
        )
