from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmReportsCommon, day

REPORTS = (
    "crm.lite.report.pipeline",
    "crm.lite.report.funnel",
    "crm.lite.report.target",
    "crm.lite.report.campaign",
    "crm.lite.report.activity",
    "crm.lite.report.leakage",
    "crm.lite.report.customer",
)


@tagged("post_install", "-at_install")
class TestReportSecurity(CrmReportsCommon):
    """Record rules hold in every report: rows of Sally, of Samuel and of the
    second company, read by each kind of user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        campaign = cls.env["utm.campaign"].create(
            {"name": "Security fair", "user_id": cls.user_sales_1.id}
        )
        cls.env["crm.lite.campaign.cost"].create(
            {
                "campaign_id": campaign.id,
                "company_id": cls.company.id,
                "date": "2025-01-10",
                "description": "Stand",
                "amount": 100,
            }
        )
        cls.env["crm.lite.campaign.cost"].create(
            {
                "campaign_id": campaign.id,
                "company_id": cls.company_2.id,
                "date": "2025-01-10",
                "description": "Stand",
                "amount": 100,
            }
        )
        for user, pipeline in (
            (cls.user_sales_1, cls.pipeline),
            (cls.user_sales_2, cls.pipeline),
            (cls.user_sales_co2, cls.pipeline_co2),
        ):
            deal = cls._create_deal(
                name=f"Deal of {user.name}",
                user_id=user.id,
                pipeline_id=pipeline.id,
                campaign_id=campaign.id,
            )
            won = cls._create_deal(
                name=f"Won by {user.name}",
                user_id=user.id,
                pipeline_id=pipeline.id,
                campaign_id=campaign.id,
            )
            won.action_set_won()
            invoice = cls._invoice_deal(won, date=day("2025-01-15"))
            invoice.invoice_user_id = user
            cls._pay(invoice, amount=10, date=day("2025-01-20"))
            cls.env["mail.activity"].create(
                {
                    "res_model_id": cls.env["ir.model"]._get_id("crm.lite.deal"),
                    "res_id": deal.id,
                    "activity_type_id": cls.env.ref("mail.mail_activity_data_call").id,
                    "user_id": user.id,
                }
            )
            cls.env["crm.lite.target"].create(
                {
                    "name": f"Plan of {user.name}",
                    "user_id": user.id,
                    "company_id": pipeline.company_id.id,
                    "date_from": "2025-01-01",
                    "date_to": "2025-01-31",
                    "target_amount": 100,
                }
            )
        cls.organization.user_id = cls.user_sales_1

    def _users_seen(self, model, user):
        rows = self.env[model].with_user(user).search([])
        return rows.sudo().user_id, rows.sudo().company_id

    def test_every_report_has_rows_for_each_salesperson(self):
        for model in REPORTS:
            with self.subTest(model=model):
                users, companies = self._users_seen(model, self.user_manager)
                self.assertIn(self.company, companies)
                if model in ("crm.lite.report.campaign", "crm.lite.report.customer"):
                    self.assertIn(self.user_sales_1, users, model)
                else:
                    self.assertLessEqual(
                        self.user_sales_1 | self.user_sales_2, users, model
                    )

    def test_own_documents_salesperson_sees_only_their_rows(self):
        for model in REPORTS:
            with self.subTest(model=model):
                users, companies = self._users_seen(model, self.user_sales_1)
                self.assertEqual(users, self.user_sales_1, model)
                self.assertEqual(companies, self.company, model)

    def test_all_documents_user_sees_everything_of_their_company(self):
        # Campaign rows belong to the campaign's responsible (Sally), customer
        # rows to the customer's salesperson (Sally): both seen here too.
        for model in REPORTS:
            with self.subTest(model=model):
                users, companies = self._users_seen(model, self.user_sales_all)
                if model in ("crm.lite.report.campaign", "crm.lite.report.customer"):
                    self.assertEqual(users, self.user_sales_1, model)
                else:
                    self.assertLessEqual(
                        self.user_sales_1 | self.user_sales_2, users, model
                    )
                self.assertEqual(companies, self.company, model)

    def test_second_company_salesperson_sees_only_their_company(self):
        for model in REPORTS:
            with self.subTest(model=model):
                users, companies = self._users_seen(model, self.user_sales_co2)
                if model in ("crm.lite.report.campaign", "crm.lite.report.customer"):
                    # Sally's campaign and customer, even in the second company.
                    self.assertFalse(companies, model)
                else:
                    self.assertEqual(companies, self.company_2, model)
                    self.assertEqual(users, self.user_sales_co2, model)

    def test_manager_of_both_companies_sees_only_the_companies_they_work_in(self):
        manager = self.user_manager
        for model in ("crm.lite.report.pipeline", "crm.lite.report.funnel"):
            rows = self.env[model].with_user(manager).with_company(self.company)
            self.assertEqual(rows.search([]).company_id, self.company)
            both = rows.with_context(
                allowed_company_ids=(self.company | self.company_2).ids
            )
            self.assertEqual(both.search([]).company_id, self.company | self.company_2)

    def test_users_without_crm_rights_read_no_report(self):
        for user in (self.user_employee, self.user_accountant, self.user_portal):
            for model in REPORTS:
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])

    def test_only_administrators_set_targets(self):
        values = {
            "name": "Mine",
            "user_id": self.user_sales_1.id,
            "date_from": "2026-01-01",
            "date_to": "2026-01-31",
            "target_amount": 1,
        }
        for user in (self.user_sales_1, self.user_sales_all):
            with self.assertRaises(AccessError):
                self.env["crm.lite.target"].with_user(user).create(values)
        target = self.env["crm.lite.target"].with_user(self.user_manager).create(values)
        with self.assertRaises(AccessError):
            target.with_user(self.user_sales_1).write({"target_amount": 1000})
        # A target of the first company is not seen from the second one.
        self.assertFalse(
            self.env["crm.lite.target"]
            .with_user(self.user_manager)
            .with_company(self.company_2)
            .search([("id", "=", target.id)])
        )
