from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmReportsCommon, day, moment


@tagged("post_install", "-at_install")
class TestEverydayReports(CrmReportsCommon):
    """What a head of sales opens: the activity report, the dashboard, the
    printed sales summary and the weekly digest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal = cls._deal_on("2025-01-02 09:00", name="Big deal", amount=4000)
        cls._move_on(cls.deal, cls.stage_negotiation, "2025-01-05 09:00")
        cls._move_on(cls.deal, cls.stage_won, "2025-01-25 09:00")
        cls.other = cls._deal_on(
            "2025-01-02 09:00", name="Slow deal", user_id=cls.user_sales_2.id
        )
        Event = cls.env["calendar.event"]
        Event.create(
            [
                {
                    "name": "Demo",
                    "start": moment("2025-01-10 10:00"),
                    "stop": moment("2025-01-10 11:00"),
                    "user_id": cls.user_sales_1.id,
                    "deal_id": cls.deal.id,
                },
                {
                    "name": "Kick-off",
                    "start": moment("2024-12-01 10:00"),
                    "stop": moment("2024-12-01 11:00"),
                    "user_id": cls.user_sales_1.id,
                    "deal_id": cls.deal.id,
                },
                {
                    "name": "Intro",
                    "start": moment("2025-01-11 10:00"),
                    "stop": moment("2025-01-11 11:00"),
                    "user_id": cls.user_sales_2.id,
                    "deal_id": cls.other.id,
                },
            ]
        )
        call = cls.env.ref("mail.mail_activity_data_call")
        Activity = cls.env["mail.activity"]
        deal_model = cls.env["ir.model"]._get_id("crm.lite.deal")
        # One by one: two activities of a user on a deal created together
        # subscribe the user twice.
        cls.late, cls.planned, cls.done = (
            Activity.create(values)
            for values in [
                {
                    "res_model_id": deal_model,
                    "res_id": cls.other.id,
                    "activity_type_id": call.id,
                    "user_id": cls.user_sales_2.id,
                    "date_deadline": day("2025-01-05"),
                },
                {
                    "res_model_id": deal_model,
                    "res_id": cls.other.id,
                    "activity_type_id": call.id,
                    "user_id": cls.user_sales_2.id,
                    "date_deadline": day("2025-03-05"),
                },
                {
                    "res_model_id": deal_model,
                    "res_id": cls.deal.id,
                    "activity_type_id": call.id,
                    "user_id": cls.user_sales_1.id,
                    "date_deadline": day("2025-01-08"),
                },
            ]
        )
        with freeze_time("2025-01-08 15:00"):
            cls.done.with_user(cls.user_sales_1).action_feedback("Called")

    @freeze_time("2025-02-01 12:00")
    def test_activity_report_counts_planned_done_overdue_and_meetings(self):
        totals = self._read_totals(
            "crm.lite.report.activity",
            [("deal_id", "in", (self.deal | self.other).ids)],
            ["user_id"],
            [
                "planned_count:sum",
                "done_count:sum",
                "overdue_count:sum",
                "meeting_count:sum",
                "meeting_won_count:sum",
            ],
        )
        # Sally: one call done, two meetings held on a deal won 15 and 55
        # days later (only the first within 30 days). Samuel: two calls still
        # planned, one overdue, one meeting on a deal never won.
        self.assertEqual(totals[(self.user_sales_1,)], (0, 1, 0, 2, 1))
        self.assertEqual(totals[(self.user_sales_2,)], (2, 0, 1, 1, 0))
        done = self.env["crm.lite.report.activity"].search(
            [("deal_id", "=", self.deal.id), ("kind", "=", "done")]
        )
        self.assertEqual(done.date, day("2025-01-08"))
        self.assertEqual(
            self.env["crm.lite.report.activity"]
            .with_user(self.user_sales_1)
            .search([("deal_id", "in", (self.deal | self.other).ids)])
            .user_id,
            self.user_sales_1,
        )

    @freeze_time("2025-01-31 12:00")
    def test_head_of_sales_opens_the_dashboard(self):
        data = (
            self.env["crm.reports.dashboard"]
            .with_user(self.user_manager)
            .with_company(self.company)
            .get_dashboard_data()
        )
        kpis = {kpi["key"]: kpi for kpi in data["kpis"]}
        self.assertEqual(
            set(kpis), {"open_pipeline", "won", "plan", "leakage", "at_risk"}
        )
        self.assertIn("1", kpis["won"]["detail"])
        self.assertEqual(len(data["panels"]), 6)
        for panel in data["panels"]:
            self.env["ir.actions.act_window"]._for_xml_id(panel["action"])

    def test_digest_is_queued_once_a_week_for_users_who_asked_for_it(self):
        self.user_sales_1.crm_reports_digest = True
        Mail = self.env["mail.mail"]

        def digests():
            return Mail.search(
                [
                    ("recipient_ids", "in", self.user_sales_1.partner_id.id),
                    ("subject", "ilike", "digest"),
                ]
            )

        Users = self.env["res.users"]
        with freeze_time("2025-02-03 06:00"):  # a Monday
            Users._cron_send_crm_digest()
            Users._cron_send_crm_digest()
        self.assertEqual(len(digests()), 1)
        self.assertFalse(
            Mail.search(
                [("recipient_ids", "in", self.user_sales_2.partner_id.id)]
            ).filtered(lambda m: "digest" in (m.subject or "").lower()),
            "Samuel did not opt in",
        )
        with freeze_time("2025-02-07 06:00"):  # same week
            Users._cron_send_crm_digest()
        self.assertEqual(len(digests()), 1)
        with freeze_time("2025-02-10 06:00"):  # next week
            Users._cron_send_crm_digest()
        self.assertEqual(len(digests()), 2)
        self.assertEqual(self.user_sales_1.crm_reports_digest_date, day("2025-02-10"))
        self.assertIn("Funnel", digests()[0].body_html)

    def test_digest_comes_in_the_language_of_the_user(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"].search(
            [("name", "=", "crm_reports")]
        )._load_module_terms(["crm_reports"], ["ru_RU"], overwrite=True)
        self.user_sales_2.write({"crm_reports_digest": True, "lang": "ru_RU"})
        with freeze_time("2025-02-03 06:00"):
            self.env["res.users"]._cron_send_crm_digest()
        mail = self.env["mail.mail"].search(
            [("recipient_ids", "in", self.user_sales_2.partner_id.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Ваша еженедельная сводка CRM", mail.subject)
        self.assertIn("Воронка недели", mail.body_html)

    def test_salesperson_opts_in_to_the_digest_from_preferences(self):
        me = self.user_sales_1.with_user(self.user_sales_1)
        me.write({"crm_reports_digest": True})
        self.assertTrue(self.user_sales_1.crm_reports_digest)
