from contextlib import contextmanager

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

# Chatter side effects are not what most tests look at: switching them off
# makes record creation much faster. Tests about tracking or followers
# override ``default_env_context`` (return ``{}``) or re-enable them locally
# with ``with_context(tracking_disable=False, mail_notrack=False, ...)``.
DISABLED_MAIL_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


def create_pipeline(env, name, open_stages=("New",), **values):
    """A pipeline whose open stages (names, in order) end in Won and Lost.

    Returns the pipeline and its stages in that order.
    """
    pipeline = env["crm.lite.pipeline"].create({"name": name, **values})
    stages = env["crm.lite.stage"].create(
        [
            {"name": stage, "sequence": sequence, "pipeline_id": pipeline.id}
            for sequence, stage in enumerate(open_stages, start=1)
        ]
        + [
            {
                "name": "Won",
                "sequence": 8,
                "pipeline_id": pipeline.id,
                "kind": "won",
                "probability": 100,
            },
            {
                "name": "Lost",
                "sequence": 9,
                "pipeline_id": pipeline.id,
                "kind": "lost",
                "probability": 0,
            },
        ]
    )
    return pipeline, stages


class CrmLiteCommon(TransactionCase):
    """Shared data of the crm_lite tests.

    Two companies, salespeople of every access level, an accountant, three
    pipelines with their stages, an organization with one of its contacts,
    another customer and a lost reason. ``_create_deal`` makes a deal with
    sensible defaults (test pipeline, ``contact``, ``user_sales_1``, 1000).
    """

    @classmethod
    def default_env_context(cls):
        """Context of ``cls.env``; return ``{}`` to keep chatter tracking."""
        return dict(DISABLED_MAIL_CONTEXT)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **cls.default_env_context()))

        cls.company = cls.env.company
        cls.company_2 = cls.env["res.company"].create({"name": "Second Co"})
        cls.currency = cls.company.currency_id

        # ---------------------------------------------------------- users
        cls.user_sales_1 = new_test_user(
            cls.env,
            login="crm_lite_sales_1",
            name="Sally Sales",
            email="sally.sales@example.com",
            groups="crm_lite.group_crm_lite_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_sales_2 = new_test_user(
            cls.env,
            login="crm_lite_sales_2",
            name="Samuel Sales",
            email="samuel.sales@example.com",
            groups="crm_lite.group_crm_lite_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_sales_all = new_test_user(
            cls.env,
            login="crm_lite_sales_all",
            name="Alice All-Deals",
            email="alice.all@example.com",
            groups="crm_lite.group_crm_lite_all",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="crm_lite_manager",
            name="Martin Manager",
            email="martin.manager@example.com",
            groups="crm_lite.group_crm_lite_manager",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
        )
        cls.user_sales_co2 = new_test_user(
            cls.env,
            login="crm_lite_sales_co2",
            name="Carla Second-Co",
            email="carla.co2@example.com",
            groups="crm_lite.group_crm_lite_user",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.user_accountant = new_test_user(
            cls.env,
            login="crm_lite_accountant",
            name="Anna Accountant",
            email="anna.accountant@example.com",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

        # ------------------------------------------------------ pipelines
        Stage = cls.env["crm.lite.stage"]
        cls.pipeline = cls.env["crm.lite.pipeline"].create(
            {
                "name": "Test Pipeline",
                "sequence": 1,
                "company_id": cls.company.id,
                "member_ids": [Command.set((cls.user_sales_1 | cls.user_sales_2).ids)],
            }
        )
        cls.stage_lead, cls.stage_negotiation, cls.stage_won, cls.stage_lost = (
            Stage.create(
                [
                    {
                        "name": "Lead",
                        "sequence": 1,
                        "pipeline_id": cls.pipeline.id,
                        "kind": "open",
                        "probability": 10,
                        "rotting_days": 5,
                    },
                    {
                        "name": "Negotiation",
                        "sequence": 2,
                        "pipeline_id": cls.pipeline.id,
                        "kind": "open",
                        "probability": 40,
                    },
                    {
                        "name": "Won",
                        "sequence": 3,
                        "pipeline_id": cls.pipeline.id,
                        "kind": "won",
                        "probability": 100,
                        "fold": True,
                    },
                    {
                        "name": "Lost",
                        "sequence": 4,
                        "pipeline_id": cls.pipeline.id,
                        "kind": "lost",
                        "probability": 0,
                        "fold": True,
                    },
                ]
            )
        )
        cls.pipeline_2 = cls.env["crm.lite.pipeline"].create(
            {"name": "Repeat Sales", "sequence": 2, "company_id": cls.company.id}
        )
        cls.stage2_new, cls.stage2_won = Stage.create(
            [
                {
                    "name": "Repeat: New",
                    "sequence": 1,
                    "pipeline_id": cls.pipeline_2.id,
                    "kind": "open",
                    "probability": 20,
                },
                {
                    "name": "Repeat: Won",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline_2.id,
                    "kind": "won",
                    "probability": 100,
                },
            ]
        )
        cls.pipeline_co2 = cls.env["crm.lite.pipeline"].create(
            {
                "name": "Second Co Sales",
                "company_id": cls.company_2.id,
                "member_ids": [Command.set(cls.user_sales_co2.ids)],
            }
        )
        cls.stage_co2_new = Stage.create(
            {
                "name": "Second Co: New",
                "pipeline_id": cls.pipeline_co2.id,
                "kind": "open",
                "probability": 15,
            }
        )

        # ------------------------------------------------------- partners
        cls.organization = cls.env["res.partner"].create(
            {
                "name": "Acme Corp",
                "is_company": True,
                "email": "info@acme-corp.example.com",
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "John Smith",
                "parent_id": cls.organization.id,
                "email": "john.smith@acme-corp.example.com",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Globex Ltd",
                "is_company": True,
                "email": "sales@globex.example.com",
            }
        )

        cls.lost_reason = cls.env["crm.lite.lost.reason"].create({"name": "Budget cut"})

    @classmethod
    def _create_deal(cls, **vals):
        """A deal in ``cls.pipeline`` for ``cls.contact``, owned by
        ``user_sales_1``, worth 1000, in the company of its pipeline; any
        value can be overridden."""
        values = {
            "name": "Deal for %s" % cls.contact.name,
            "pipeline_id": cls.pipeline.id,
            "partner_id": cls.contact.id,
            "user_id": cls.user_sales_1.id,
            "amount": 1000.0,
        }
        values.update(vals)
        if "company_id" not in values:
            pipeline = cls.env["crm.lite.pipeline"].browse(values["pipeline_id"])
            values["company_id"] = pipeline.company_id.id
        return cls.env["crm.lite.deal"].create(values)

    def assertRaisesRegex(self, expected_exception, expected_regex, *args, **kwargs):
        """``assertRaises`` with a check of the message.

        Unlike unittest's version, it rolls back to a savepoint like Odoo's
        ``assertRaises`` does, so that the test can go on and check that the
        failed operation left nothing behind.
        """
        if args:
            func, *args = args
            with self._assert_raises_regex(expected_exception, expected_regex):
                func(*args, **kwargs)
            return None
        return self._assert_raises_regex(
            expected_exception, expected_regex, msg=kwargs.get("msg")
        )

    @contextmanager
    def _assert_raises_regex(self, expected_exception, expected_regex, msg=None):
        with self.assertRaises(expected_exception, msg=msg) as catcher:
            yield catcher
        self.assertRegex(str(catcher.exception), expected_regex, msg=msg)
