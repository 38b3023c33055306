from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import format_amount

from .account_move import CUSTOMER_MOVE_TYPES, NO_PAYMENT

DEAL_PAYMENT_STATES = [
    ("not_invoiced", "Not Invoiced"),
    ("not_paid", "Not Paid"),
    ("partial", "Partially Paid"),
    ("paid", "Paid"),
    ("credited", "Fully Credited"),
]


class CrmLiteDeal(models.Model):
    """Money of a deal, read from the customer invoices and credit notes
    accounting holds for it. Nothing here is typed in by hand."""

    _inherit = "crm.lite.deal"

    invoice_ids = fields.One2many(
        "account.move",
        "deal_id",
        string="Invoices",
        readonly=True,
        domain=[("move_type", "in", ("out_invoice", "out_refund"))],
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    amount_invoiced = fields.Monetary(
        compute="_compute_invoice_amounts",
        store=True,
        currency_field="currency_id",
        help="Posted invoices minus posted credit notes, in company currency.",
    )
    amount_due = fields.Monetary(
        compute="_compute_invoice_amounts",
        store=True,
        currency_field="currency_id",
        help="What the customer still owes on posted invoices, net of open "
        "credit notes (never below zero).",
    )
    amount_paid = fields.Monetary(
        compute="_compute_invoice_amounts",
        store=True,
        currency_field="currency_id",
        help="Invoiced minus due: what the customer paid, net of credit notes.",
    )
    payment_state = fields.Selection(
        DEAL_PAYMENT_STATES,
        compute="_compute_invoice_amounts",
        store=True,
        index=True,
        default="not_invoiced",
    )

    # ------------------------------------------------------------
    # DEAL PICKER OF INVOICES
    # ------------------------------------------------------------

    @api.depends_context("crm_lite_invoice_partner_id")
    def _compute_display_name(self):
        if not self.env.context.get("crm_lite_invoice_partner_id"):
            return super()._compute_display_name()
        # Picking the deal of an invoice: its expected revenue tells which.
        # sudo: the picker shows a deal's name and amount, nothing else.
        for deal in self:
            deal_sudo = deal.sudo()
            deal.display_name = (
                self.env._(
                    "%(deal)s (%(amount)s)",
                    deal=deal_sudo.name,
                    amount=format_amount(
                        self.env, deal_sudo.amount, deal_sudo.currency_id
                    ),
                )
                if deal_sudo.amount
                else deal_sudo.name
            )
        return None

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Accountants without CRM rights read only deals already invoiced;
        the invoice's deal picker (``crm_lite_invoice_partner_id`` in the
        context, set by the invoice form) also offers them the open and won
        deals of that customer, by name and amount only."""
        result = super().name_search(name, args, operator, limit)
        partner_id = self.env.context.get("crm_lite_invoice_partner_id")
        user = self.env.user
        if (
            not partner_id
            or self.env.su
            or len(result) >= limit
            or user.has_group("crm_lite.group_crm_lite_user")
            or not user.has_group("account.group_account_invoice")
        ):
            return result
        customer = self.env["res.partner"].browse(partner_id).commercial_partner_id
        customer_domain = [
            ("stage_kind", "!=", "lost"),
            ("company_id", "in", self.env.companies.ids),
            "|",
            ("organization_id", "=", customer.id),
            ("partner_id.commercial_partner_id", "=", customer.id),
        ]
        if name:
            customer_domain.append(("name", operator, name))
        known = {deal_id for deal_id, _name in result}
        # sudo: the accountant reads these deals' names and amounts only, to
        # link the invoice; _check_deal_consistency keeps it to this customer.
        deals = self.sudo().search(
            expression.AND([args or [], customer_domain]),
            limit=limit - len(result),
        )
        deals = deals.with_env(self.env)
        return result + [
            (deal.id, deal.display_name) for deal in deals if deal.id not in known
        ]

    def _compute_invoice_count(self):
        # sudo: salespeople without accounting rights still see how many
        # invoices their deal has; the invoices themselves stay hidden.
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("deal_id", "in", self.ids),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
                ["deal_id"],
                ["__count"],
            )
        )
        counts = {deal: count for deal, count in groups}
        for deal in self:
            deal.invoice_count = counts.get(deal, 0)

    @api.depends(
        "invoice_ids.state",
        "invoice_ids.move_type",
        "invoice_ids.amount_total_signed",
        "invoice_ids.amount_residual_signed",
        "invoice_ids.payment_state",
    )
    def _compute_invoice_amounts(self):
        # sudo: these figures are shown to salespeople who may not read
        # accounting; the amounts are public on the deal by design.
        deals = self.filtered(lambda d: isinstance(d.id, int))
        figures = (
            self.env["account.move"]
            .sudo()
            ._crm_get_paid_amounts([("deal_id", "in", deals.ids)], "deal_id")
            if deals
            else {}
        )
        for deal in self:
            posted = deal.sudo().invoice_ids.filtered(
                lambda m: m.state == "posted" and m.move_type in CUSTOMER_MOVE_TYPES
            )
            paid = figures.get((deal.id, deal.company_id.id), NO_PAYMENT)
            # What the customer still owes, net of open credit notes.
            due = max(sum(posted.mapped("amount_residual_signed")), 0.0)
            deal.amount_invoiced = paid.invoiced
            deal.amount_due = due
            deal.amount_paid = paid.paid
            deal.payment_state = deal._payment_state_from(posted, paid.invoiced, due)

    def _payment_state_from(self, posted, invoiced, due):
        currency = self.currency_id or self.env.company.currency_id
        if not posted:
            return "not_invoiced"
        if currency.is_zero(invoiced) and not posted.filtered(
            lambda m: m.move_type == "out_invoice" and m.payment_state == "paid"
        ):
            return "credited"
        if currency.compare_amounts(due, 0.0) <= 0:
            return "paid"
        if currency.compare_amounts(invoiced - due, 0.0) > 0:
            return "partial"
        return "not_paid"

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _get_invoice_partner(self):
        self.ensure_one()
        return self.organization_id or self.partner_id

    def _prepare_invoice_values(self):
        self.ensure_one()
        partner = self._get_invoice_partner()
        if not partner:
            raise UserError(
                self.env._(
                    "Set a contact or an organization on %(deal)s before invoicing.",
                    deal=self.name,
                )
            )
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "deal_id": self.id,
            "invoice_user_id": self.user_id.id,
            "invoice_origin": self.name,
            "invoice_line_ids": [
                fields.Command.create(line_values)
                for line_values in self._prepare_invoice_line_values()
            ],
        }

    def _prepare_invoice_line_values(self):
        """Values of the lines of the deal's invoice (one line per dict).

        By default one line for the expected revenue, none when the deal has
        no amount. Extension point: add lines (e.g. loyalty rewards) here
        rather than rewriting ``_prepare_invoice_values``.
        """
        self.ensure_one()
        if not self.amount:
            return []
        return [{"name": self.name, "quantity": 1.0, "price_unit": self.amount}]

    def action_create_invoice(self):
        """Create a draft customer invoice for the deal and open it."""
        self.ensure_one()
        if self.stage_kind == "lost":
            raise UserError(
                self.env._("A lost deal cannot be invoiced; reopen it first.")
            )
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(self._prepare_invoice_values())
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
            "context": {"default_move_type": "out_invoice"},
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [
            ("deal_id", "=", self.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        action["context"] = {
            "default_move_type": "out_invoice",
            "default_deal_id": self.id,
            "default_partner_id": self._get_invoice_partner().id,
        }
        return action

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _check_invoices_consistency(self):
        """The invoices of a deal stay with its customer and company."""
        for deal in self:
            deal.sudo().invoice_ids._check_deal_consistency()

    def _invoices_paid_hook(self):
        """Called when a customer invoice of these deals becomes paid.

        Extension point (like ``account.move._invoice_paid_hook``): ``self``
        holds the deals of the invoices that became paid, whatever their
        other invoices; the default moves the fully paid ones to the won stage
        of pipelines that ask for it.
        """
        self.filtered(lambda d: d.payment_state == "paid")._win_when_paid()

    def _win_when_paid(self):
        """Move fully paid deals to their pipeline's won stage, when it asks so."""
        # sudo: this runs when an accountant reconciles a payment; accountants
        # only read deals, and their payment must not fail because of it.
        for deal in self.sudo().filtered(
            lambda d: d.pipeline_id.auto_won_on_paid and d.stage_kind == "open"
        ):
            if deal.payment_state != "paid":
                continue
            won_stage = deal.pipeline_id._get_won_stage()
            if won_stage:
                try:
                    with self.env.cr.savepoint():
                        deal.write({"stage_id": won_stage.id})
                except UserError as error:
                    # The won stage asks for fields the deal lacks: keep the
                    # payment, leave the deal open and tell its salesperson.
                    deal.message_post(
                        body=self.env._(
                            "Invoices fully paid, but the deal could not move to "
                            "%(stage)s: %(error)s",
                            stage=won_stage.name,
                            error=error.args[0] if error.args else "",
                        ),
                    )
                    continue
                deal.message_post(
                    body=self.env._(
                        "Invoices fully paid: deal moved to %(stage)s.",
                        stage=won_stage.name,
                    ),
                )
