from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_lite.models.tools import (
    NAME_MAX_LENGTH,
    check_companies_allowed,
    check_input,
)

from .report_tools import MONEY_GROUPS

TARGET_BASES = [
    ("won", "Deals Won"),
    ("invoiced", "Invoiced"),
    ("paid", "Paid"),
]


class CrmLiteTarget(models.Model):
    """A line of the sales plan: what a salesperson, a team (pipeline) or a
    product category should bring in over a period, on one basis."""

    _name = "crm.lite.target"
    _description = "Sales Target"
    _order = "date_from desc, user_id, pipeline_id, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        index=True,
        check_company=True,
        domain="[('share', '=', False)]",
    )
    pipeline_id = fields.Many2one(
        "crm.lite.pipeline",
        "Team (Pipeline)",
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        index=True,
        ondelete="cascade",
        help="Count only invoice lines of products of this category (and its "
        "subcategories).",
    )
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    basis = fields.Selection(
        TARGET_BASES,
        required=True,
        default="won",
        help="Deals Won: expected revenue of the deals won in the period. "
        "Invoiced: posted invoices dated in the period, net of credit notes. "
        "Paid: what customers paid in the period, by payment date.",
    )
    target_amount = fields.Monetary(
        groups=MONEY_GROUPS, required=True, currency_field="currency_id"
    )
    target_count = fields.Integer(
        help="Optional: how many deals won, invoices posted or invoices paid."
    )
    note = fields.Text()

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for target in self:
            if target.date_to < target.date_from:
                raise ValidationError(
                    self.env._(
                        "Target %(target)s ends before it starts.",
                        target=target.name,
                    )
                )

    @api.constrains("target_amount", "target_count")
    def _check_amounts(self):
        for target in self:
            if target.target_amount < 0 or target.target_count < 0:
                raise ValidationError(
                    self.env._(
                        "Target %(target)s cannot be negative.", target=target.name
                    )
                )

    # The period is always written: the check also runs on a target created
    # without any scope field.
    @api.constrains("user_id", "pipeline_id", "product_categ_id", "date_from")
    def _check_scope(self):
        for target in self:
            if not (target.user_id or target.pipeline_id or target.product_categ_id):
                raise ValidationError(
                    self.env._(
                        "Target %(target)s needs a salesperson, a team (pipeline) "
                        "or a product category.",
                        target=target.name,
                    )
                )

    @api.constrains(
        "user_id",
        "pipeline_id",
        "product_categ_id",
        "basis",
        "date_from",
        "date_to",
        "company_id",
        "active",
    )
    def _check_overlap(self):
        """One target per salesperson (team, category) and basis at a time:
        two would count the same deals and invoices twice in the plan."""
        for target in self.filtered("active"):
            domain = [
                ("id", "!=", target.id),
                ("company_id", "=", target.company_id.id),
                ("basis", "=", target.basis),
                ("user_id", "=", target.user_id.id),
                ("pipeline_id", "=", target.pipeline_id.id),
                ("product_categ_id", "=", target.product_categ_id.id),
                ("date_from", "<=", target.date_to),
                ("date_to", ">=", target.date_from),
            ]
            # sudo: the clash may be with a target the user cannot read; the
            # message only names its period.
            clash = self.sudo().search(domain, limit=1)
            if clash:
                raise ValidationError(
                    self.env._(
                        "Target %(target)s overlaps another target of %(scope)s "
                        "on the same basis, from %(start)s to %(end)s: one target "
                        "per period.",
                        target=target.name,
                        scope=target._scope_label(),
                        start=clash.date_from,
                        end=clash.date_to,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        result = super().write(vals)
        if "company_id" in vals:
            check_companies_allowed(self)
        return result

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _scope_label(self):
        self.ensure_one()
        parts = [
            record.display_name
            for record in (self.user_id, self.pipeline_id, self.product_categ_id)
            if record
        ]
        return " / ".join(parts)

    def action_view_actuals(self):
        """The deals or invoices behind the target's actual figure."""
        return (
            self.env["crm.lite.report.target"].browse(self.ids).action_open_documents()
        )
