from contextlib import contextmanager

from odoo import Command, fields
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

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
                "fold": True,
            },
            {
                "name": "Lost",
                "sequence": 9,
                "pipeline_id": pipeline.id,
                "kind": "lost",
                "probability": 0,
                "fold": True,
            },
        ]
    )
    return pipeline, stages


class CrmLiteCommon(AccountTestInvoicingCommon):
    """The one test base of crm_lite (and of the addons built on it).

    Set-up data is written by the superuser (``cls.env``); tests act as the
    users below with ``with_user`` or ``@users``.

    - Two companies with a chart of accounts: ``company`` and ``company_2``,
      the second in another currency (``currency_2``, 2 units for 1 of the
      first company's currency today).
    - One user per role: ``user_sales_1`` and ``user_sales_2`` (own documents),
      ``user_sales_all`` (all documents), ``user_manager`` (CRM administrator
      of both companies), ``user_sales_co2`` (own documents, second company),
      ``user_accountant`` (Invoicing, no CRM right), ``user_employee`` (no CRM
      right), ``user_portal``, ``user_marketing`` (Email Marketing, no CRM
      right).
    - Pipelines: ``pipeline`` (Lead, Negotiation, Won, Lost), ``pipeline_2``
      (Repeat: New, Repeat: Won) and ``pipeline_co2`` in the second company.
    - Partners: ``organization`` with its contact ``contact``,
      ``other_customer``; a lost reason.
    - Helpers: ``_create_deal``, ``_invoice_deal``, ``_invoice_partner``,
      ``_pay``, ``_credit_note``.
    """

    @classmethod
    def setup_independent_user(cls):
        # No accountant as cls.env: set-up data is the superuser's, tests act
        # as the named users below.
        return None

    @classmethod
    def default_env_context(cls):
        """Context of ``cls.env``; return ``{}`` to keep chatter tracking."""
        return dict(DISABLED_MAIL_CONTEXT)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.currency_2 = cls.setup_other_currency(
            "EUR" if cls.currency.name != "EUR" else "USD",
            rates=[("2000-01-01", 2.0)],
        )
        cls.company_2_data = cls.setup_other_company(
            name="Second Co", currency_id=cls.currency_2.id
        )
        cls.company_2 = cls.company_2_data["company"]
        # The same rate seen from the second company: 1 of its currency is
        # worth half a unit of the first company's.
        cls.env["res.currency.rate"].create(
            {
                "name": "2000-01-01",
                "rate": 0.5,
                "currency_id": cls.currency.id,
                "company_id": cls.company_2.id,
            }
        )

        # ---------------------------------------------------------- users
        def user(login, name, groups, companies=None):
            companies = companies or cls.company
            return new_test_user(
                cls.env,
                login=login,
                name=name,
                email=f"{login}@example.com",
                groups=groups,
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
            )

        cls.user_sales_1 = user(
            "crm_lite_sales_1", "Sally Sales", "crm_lite.group_crm_lite_user"
        )
        cls.user_sales_2 = user(
            "crm_lite_sales_2", "Samuel Sales", "crm_lite.group_crm_lite_user"
        )
        cls.user_sales_all = user(
            "crm_lite_sales_all", "Alice All-Deals", "crm_lite.group_crm_lite_all"
        )
        cls.user_manager = user(
            "crm_lite_manager",
            "Martin Manager",
            "crm_lite.group_crm_lite_manager",
            cls.company | cls.company_2,
        )
        cls.user_sales_co2 = user(
            "crm_lite_sales_co2",
            "Carla Second-Co",
            "crm_lite.group_crm_lite_user",
            cls.company_2,
        )
        cls.user_accountant = user(
            "crm_lite_accountant",
            "Anna Accountant",
            "base.group_user,account.group_account_invoice",
        )
        cls.user_employee = user(
            "crm_lite_employee", "Emil Employee", "base.group_user"
        )
        cls.user_portal = user("crm_lite_portal", "Paula Portal", "base.group_portal")
        cls.user_marketing = user(
            "crm_lite_marketing",
            "Mia Marketing",
            "base.group_user,mass_mailing.group_mass_mailing_user",
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
        cls.stage_co2_new, cls.stage_co2_won = Stage.create(
            [
                {
                    "name": "Second Co: New",
                    "sequence": 1,
                    "pipeline_id": cls.pipeline_co2.id,
                    "kind": "open",
                    "probability": 15,
                },
                {
                    "name": "Second Co: Won",
                    "sequence": 2,
                    "pipeline_id": cls.pipeline_co2.id,
                    "kind": "won",
                    "probability": 100,
                },
            ]
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

    # ------------------------------------------------------------
    # DEALS
    # ------------------------------------------------------------

    @classmethod
    def _create_deal(cls, **vals):
        """A deal in ``cls.pipeline`` for ``cls.contact``, owned by
        ``user_sales_1``, worth 1000, in the company of its pipeline; any
        value can be overridden."""
        values = {
            "name": f"Deal for {cls.contact.name}",
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

    # ------------------------------------------------------------
    # ACCOUNTING
    # ------------------------------------------------------------

    @classmethod
    def _invoice_deal(cls, deal, post=True, date=None, user=None):
        """The invoice of the deal's "Create Invoice" button (as ``user``,
        default the superuser), dated ``date`` (today) and posted."""
        action = deal.with_user(user or cls.env.user).action_create_invoice()
        invoice = cls.env["account.move"].browse(action["res_id"])
        invoice.invoice_date = date or fields.Date.context_today(invoice)
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _invoice_partner(cls, partner, amount, date=None, post=True, **values):
        """A customer invoice of one untaxed line of ``amount`` for
        ``partner`` (in its company's currency), dated ``date`` (today)."""
        invoice = cls.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=date or fields.Date.context_today(cls.env.user),
            amounts=[amount],
            taxes=[],
            company=values.pop("company", False),
        )
        if values:
            invoice.write(values)
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount=None, date=None):
        """Register a payment (the whole residual by default) through
        accounting's own wizard, dated ``date`` (the invoice date)."""
        values = {"payment_date": date or invoice.invoice_date}
        if amount is not None:
            values["amount"] = amount
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(values)
            ._create_payments()
        )

    @classmethod
    def _credit_note(cls, invoice, amount=None, date=None):
        """A posted credit note on ``invoice`` through the reversal wizard:
        the whole invoice, or one line of ``amount``."""
        action = (
            cls.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "reason": "Refund",
                    "journal_id": invoice.journal_id.id,
                    "date": date or invoice.invoice_date,
                }
            )
            .refund_moves()
        )
        refund = cls.env["account.move"].browse(action["res_id"])
        if amount is not None:
            with Form(refund) as refund_form:
                while len(refund_form.invoice_line_ids) > 1:
                    refund_form.invoice_line_ids.remove(
                        len(refund_form.invoice_line_ids) - 1
                    )
                with refund_form.invoice_line_ids.edit(0) as line:
                    line.quantity = 1
                    line.price_unit = amount
                    line.tax_ids.clear()
        refund.action_post()
        return refund

    # ------------------------------------------------------------
    # ASSERTS
    # ------------------------------------------------------------

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
