from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestDealAccess(CrmLiteCommon):
    """Who sees and edits which deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_sales_1 = cls._create_deal(name="Sally's deal")
        cls.deal_sales_2 = cls._create_deal(
            name="Samuel's deal", user_id=cls.user_sales_2.id
        )
        cls.deal_unassigned = cls._create_deal(name="From the web", user_id=False)
        cls.deal_co2 = cls._create_deal(
            name="Second Co deal",
            pipeline_id=cls.pipeline_co2.id,
            user_id=cls.user_sales_co2.id,
        )
        cls.deal_co2_unassigned = cls._create_deal(
            name="Second Co unassigned",
            pipeline_id=cls.pipeline_co2.id,
            user_id=False,
        )
        cls.all_deals = (
            cls.deal_sales_1
            | cls.deal_sales_2
            | cls.deal_unassigned
            | cls.deal_co2
            | cls.deal_co2_unassigned
        )

    def _visible_deals(self, user, **context):
        Deal = self.env["crm.lite.deal"].with_user(user).with_context(**context)
        return Deal.search([("id", "in", self.all_deals.ids)])

    # ------------------------------------------------------------------
    # Own documents
    # ------------------------------------------------------------------

    def test_own_documents_user_sees_own_and_unassigned(self):
        self.assertEqual(
            self._visible_deals(self.user_sales_1),
            self.deal_sales_1 | self.deal_unassigned,
        )
        self.assertEqual(
            self._visible_deals(self.user_sales_2),
            self.deal_sales_2 | self.deal_unassigned,
        )
        # Grouped figures of the kanban count only those as well.
        groups = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_1)
            ._read_group([("pipeline_id", "=", self.pipeline.id)], [], ["amount:sum"])
        )
        self.assertEqual(groups[0][0], 2000)

    def test_own_documents_user_cannot_read_or_write_colleague_deal(self):
        colleague_deal = self.deal_sales_2.with_user(self.user_sales_1)
        with self.assertRaises(AccessError):
            colleague_deal.read(["name"])
        with self.assertRaises(AccessError):
            colleague_deal.write({"amount": 1})
        with self.assertRaises(AccessError):
            colleague_deal.unlink()
        self.assertEqual(self.deal_sales_2.amount, 1000)

    def test_own_documents_user_works_on_own_and_unassigned(self):
        own = self.deal_sales_1.with_user(self.user_sales_1)
        own.write({"amount": 1500, "stage_id": self.stage_negotiation.id})
        self.assertEqual(self.deal_sales_1.amount, 1500)
        self.assertEqual(self.deal_sales_1.stage_id, self.stage_negotiation)
        # An unassigned deal can be taken.
        self.deal_unassigned.with_user(self.user_sales_1).user_id = self.user_sales_1
        self.assertEqual(self.deal_unassigned.user_id, self.user_sales_1)
        own.unlink()
        self.assertFalse(self.deal_sales_1.exists())

    def test_own_documents_user_cannot_create_deal_for_colleague(self):
        Deal = self.env["crm.lite.deal"].with_user(self.user_sales_1)
        with self.assertRaises(AccessError):
            Deal.create(
                {
                    "name": "For Samuel",
                    "pipeline_id": self.pipeline.id,
                    "user_id": self.user_sales_2.id,
                }
            )
        deal = Deal.create({"name": "For me", "pipeline_id": self.pipeline.id})
        self.assertEqual(deal.user_id, self.user_sales_1)

    def test_follower_reads_but_cannot_write(self):
        self.deal_sales_1.message_subscribe(
            partner_ids=self.user_sales_2.partner_id.ids
        )
        followed = self.deal_sales_1.with_user(self.user_sales_2)
        self.assertEqual(followed.read(["name"])[0]["name"], "Sally's deal")
        self.assertEqual(
            self._visible_deals(self.user_sales_2),
            self.deal_sales_1 | self.deal_sales_2 | self.deal_unassigned,
        )
        with self.assertRaises(AccessError):
            followed.write({"amount": 1})
        with self.assertRaises(AccessError):
            followed.unlink()
        self.assertEqual(self.deal_sales_1.amount, 1000)

    # ------------------------------------------------------------------
    # All documents, companies
    # ------------------------------------------------------------------

    def test_all_documents_user(self):
        self.assertEqual(
            self._visible_deals(self.user_sales_all),
            self.deal_sales_1 | self.deal_sales_2 | self.deal_unassigned,
        )
        self.deal_sales_2.with_user(self.user_sales_all).write({"amount": 3000})
        self.assertEqual(self.deal_sales_2.amount, 3000)
        with self.assertRaises(AccessError):
            self.deal_co2.with_user(self.user_sales_all).read(["name"])

    def test_company_isolation(self):
        self.assertEqual(
            self._visible_deals(self.user_sales_co2),
            self.deal_co2 | self.deal_co2_unassigned,
        )
        with self.assertRaises(AccessError):
            self.deal_unassigned.with_user(self.user_sales_co2).read(["name"])
        with self.assertRaises(AccessError):
            self.deal_co2_unassigned.with_user(self.user_sales_1).read(["name"])

        # The manager works in both companies: the company switcher decides.
        self.assertEqual(
            self._visible_deals(
                self.user_manager, allowed_company_ids=self.company.ids
            ),
            self.deal_sales_1 | self.deal_sales_2 | self.deal_unassigned,
        )
        self.assertEqual(
            self._visible_deals(
                self.user_manager, allowed_company_ids=self.company_2.ids
            ),
            self.deal_co2 | self.deal_co2_unassigned,
        )
        self.assertEqual(
            self._visible_deals(
                self.user_manager,
                allowed_company_ids=(self.company | self.company_2).ids,
            ),
            self.all_deals,
        )

    def test_pipelines_and_stages_per_company(self):
        Pipeline = self.env["crm.lite.pipeline"]
        pipelines = self.pipeline | self.pipeline_2 | self.pipeline_co2
        self.assertEqual(
            Pipeline.with_user(self.user_sales_co2).search(
                [("id", "in", pipelines.ids)]
            ),
            self.pipeline_co2,
        )
        self.assertEqual(
            Pipeline.with_user(self.user_sales_1).search([("id", "in", pipelines.ids)]),
            self.pipeline | self.pipeline_2,
        )
        self.assertEqual(
            self.env["crm.lite.stage"]
            .with_user(self.user_sales_co2)
            .search([("pipeline_id", "in", pipelines.ids)]),
            self.stage_co2_new | self.stage_co2_won,
        )

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_only_manager_configures(self):
        tag = self.env["crm.lite.tag"].create({"name": "VIP"})
        configuration = {
            "crm.lite.pipeline": (self.pipeline_2, {"name": "New pipeline"}),
            "crm.lite.stage": (
                self.stage_negotiation,
                {"name": "New stage", "pipeline_id": self.pipeline.id},
            ),
            "crm.lite.tag": (tag, {"name": "New tag"}),
            "crm.lite.lost.reason": (self.lost_reason, {"name": "New reason"}),
        }
        for user in (self.user_sales_1, self.user_sales_all):
            for model, (record, create_values) in configuration.items():
                with self.subTest(user=user.login, model=model):
                    # Salespeople read the configuration...
                    self.assertTrue(record.with_user(user).read(["name"]))
                    # ... but do not change it.
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).create(create_values)
                    with self.assertRaises(AccessError):
                        record.with_user(user).write({"name": "Changed"})
                    with self.assertRaises(AccessError):
                        record.with_user(user).unlink()
        self.assertEqual(self.pipeline_2.name, "Repeat Sales")

        for model, (record, create_values) in configuration.items():
            with self.subTest(user="manager", model=model):
                created = (
                    self.env[model].with_user(self.user_manager).create(create_values)
                )
                self.assertEqual(created.name, create_values["name"])
                record.with_user(self.user_manager).write({"name": f"Changed {model}"})
                self.assertEqual(record.name, f"Changed {model}")
                created.unlink()
                self.assertFalse(created.exists())

    def test_manager_adds_members(self):
        self.pipeline_2.with_user(self.user_manager).member_ids = [
            Command.link(self.user_sales_all.id)
        ]
        self.assertEqual(self.pipeline_2.member_ids, self.user_sales_all)

    def test_salesperson_uses_lost_wizard_on_own_deal_only(self):
        Wizard = self.env["crm.lite.deal.lost"].with_user(self.user_sales_1)
        # A colleague's deal passed in the context is refused, without naming it.
        with self.assertRaises(AccessError) as catcher:
            Wizard.with_context(active_ids=self.deal_sales_2.ids).create(
                {"lost_reason_id": self.lost_reason.id}
            )
        self.assertNotIn(self.deal_sales_2.name, str(catcher.exception))
        self.assertEqual(self.deal_sales_2.stage_id, self.stage_lead)
        self.assertFalse(self.deal_sales_2.lost_reason_id)
        with self.assertRaises(AccessError):
            self.deal_sales_2.with_user(self.user_sales_1).action_set_lost(
                self.lost_reason.id
            )
        self.assertEqual(self.deal_sales_2.stage_id, self.stage_lead)
        wizard = Wizard.with_context(active_ids=self.deal_sales_1.ids).create(
            {"lost_reason_id": self.lost_reason.id}
        )
        wizard.action_mark_lost()
        self.assertEqual(self.deal_sales_1.stage_id, self.stage_lost)


@tagged("post_install", "-at_install")
class TestAccountantAccess(CrmLiteCommon):
    """An accountant reads the deals of the invoices they handle, nothing more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_invoiced = cls._create_deal(
            name="Invoiced deal", partner_id=cls.contact.id
        )
        cls.deal_draft_invoice = cls._create_deal(
            name="Deal with a draft invoice", partner_id=cls.contact.id
        )
        cls.deal_not_invoiced = cls._create_deal(
            name="Not invoiced deal", partner_id=cls.contact.id
        )
        cls.invoice, cls.draft_invoice = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.organization.id,
                    "deal_id": deal.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Consulting", "quantity": 1, "price_unit": 1000}
                        )
                    ],
                }
                for deal in (cls.deal_invoiced, cls.deal_draft_invoice)
            ]
        )
        cls.invoice.action_post()

    def test_accountant_reads_invoiced_deal_only(self):
        self.assertEqual(self.deal_invoiced.invoice_ids, self.invoice)
        Deal = self.env["crm.lite.deal"].with_user(self.user_accountant)
        # Posted invoices open their deal to accountants; a draft one does not.
        self.assertEqual(
            Deal.search(
                [
                    (
                        "id",
                        "in",
                        (
                            self.deal_invoiced
                            | self.deal_not_invoiced
                            | self.deal_draft_invoice
                        ).ids,
                    )
                ]
            ),
            self.deal_invoiced,
        )
        values = self.deal_invoiced.with_user(self.user_accountant).read(
            ["name", "amount", "stage_id", "user_id"]
        )[0]
        self.assertEqual(values["name"], "Invoiced deal")
        self.assertEqual(values["amount"], 1000)
        self.assertEqual(values["stage_id"][0], self.stage_lead.id)
        # From the invoice, the deal's name shows.
        self.assertEqual(
            self.invoice.with_user(self.user_accountant).deal_id.display_name,
            "Invoiced deal",
        )
        with self.assertRaises(AccessError):
            self.deal_not_invoiced.with_user(self.user_accountant).read(["name"])

    def test_accountant_cannot_write_deals(self):
        with self.assertRaises(AccessError):
            self.deal_invoiced.with_user(self.user_accountant).write({"amount": 1})
        with self.assertRaises(AccessError):
            self.deal_invoiced.with_user(self.user_accountant).unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lite.deal"].with_user(self.user_accountant).create(
                {"name": "Accountant deal", "pipeline_id": self.pipeline.id}
            )
        self.assertEqual(self.deal_invoiced.amount, 1000)

    def test_salesperson_cannot_read_invoices(self):
        """The invoiced deal shows its amounts to the salesperson without
        giving access to accounting."""
        deal = self.deal_invoiced.with_user(self.user_sales_1)
        values = deal.read(["amount_invoiced", "payment_state"])[0]
        self.assertEqual(values["amount_invoiced"], 1000)
        self.assertEqual(values["payment_state"], "not_paid")
        # A draft invoice is not invoiced money yet.
        values = self.deal_draft_invoice.with_user(self.user_sales_1).read(
            ["amount_invoiced", "payment_state"]
        )[0]
        self.assertEqual(values["amount_invoiced"], 0)
        self.assertEqual(values["payment_state"], "not_invoiced")
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.user_sales_1).read(["name"])
