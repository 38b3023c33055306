from odoo.exceptions import AccessError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon

RAW_MAIL = (
    "From: Mallory Maker <mallory@outside.example>\r\n"
    "To: nobody@crm-lite.example\r\n"
    "Subject: {subject}\r\n"
    "Message-ID: <{message_id}@outside.example>\r\n"
    "Date: Fri, 10 Oct 2025 10:00:00 +0000\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Please call me.\r\n"
)


@tagged("post_install", "-at_install")
class TestGatewaySecurity(CrmLiteCommon):
    """Someone calls the mail gateway over RPC (``message_process``) with
    values of their own: they get no deal they could not create themselves,
    and never choose its company, salesperson or money."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.forged = {
            "company_id": cls.company_2.id,
            "pipeline_id": cls.pipeline_co2.id,
            "user_id": cls.user_sales_co2.id,
            "amount": 123456789,
        }

    def _process(self, subject, custom_values):
        message = RAW_MAIL.format(subject=subject, message_id=subject.replace(" ", "-"))
        return self.env["mail.thread"].message_process(
            "crm.lite.deal", message, custom_values=custom_values
        )

    def _deals(self, subject):
        return (
            self.env["crm.lite.deal"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "=", subject)])
        )

    @users("crm_lite_employee", "crm_lite_sales_1")
    @mute_logger("odoo.addons.mail.models.mail_thread", "odoo.models")
    def test_no_deal_in_another_company_through_the_gateway(self):
        subject = f"Forged by {self.env.user.login}"
        with self.assertRaises(AccessError):
            self._process(subject, dict(self.forged))
        self.assertFalse(self._deals(subject))

    @users("crm_lite_employee")
    @mute_logger("odoo.addons.mail.models.mail_thread", "odoo.models")
    def test_employee_without_crm_rights_creates_no_deal(self):
        with self.assertRaises(AccessError):
            self._process("Employee deal", {"pipeline_id": self.pipeline.id})
        self.assertFalse(self._deals("Employee deal"))

    @users("crm_lite_sales_1")
    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_salesperson_values_do_not_set_company_salesperson_or_money(self):
        deal_id = self._process(
            "Own pipeline",
            {
                "pipeline_id": self.pipeline.id,
                "company_id": self.company_2.id,
                "user_id": self.user_sales_2.id,
                "amount": 123456789,
                "amount_paid": 999,
                "stage_kind": "won",
            },
        )
        deal = self.env["crm.lite.deal"].sudo().browse(deal_id)
        self.assertRecordValues(
            deal,
            [
                {
                    "pipeline_id": self.pipeline.id,
                    "company_id": self.company.id,
                    "user_id": False,
                    "amount": 0.0,
                    "amount_paid": 0.0,
                    "stage_id": self.stage_lead.id,
                    "stage_kind": "open",
                }
            ],
        )

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_alias_defaults_still_apply_and_company_follows_pipeline(self):
        """What the gateway itself passes (an alias's defaults, set by a CRM
        administrator) is applied; the company is always the pipeline's."""
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "crm-lite.example", "company_ids": [(4, self.company_2.id)]}
        )
        self.pipeline_co2.write(
            {"alias_name": "second", "alias_domain_id": alias_domain.id}
        )
        defaults = {
            "pipeline_id": self.pipeline_co2.id,
            "user_id": self.user_sales_co2.id,
        }
        self.pipeline_co2.alias_id.alias_defaults = repr(defaults)
        message = RAW_MAIL.format(
            subject="Through the alias", message_id="alias-1"
        ).replace("nobody@crm-lite.example", "second@crm-lite.example")
        deal = self.env["crm.lite.deal"].browse(
            self.env["mail.thread"].message_process(False, message)
        )
        self.assertRecordValues(
            deal,
            [
                {
                    "pipeline_id": self.pipeline_co2.id,
                    "company_id": self.company_2.id,
                    "user_id": self.user_sales_co2.id,
                    "stage_id": self.stage_co2_new.id,
                }
            ],
        )
