from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .tools import NAME_MAX_LENGTH, check_input


class CrmLiteSegment(models.Model):
    """A named, reusable selection of partners, defined by a domain."""

    _name = "crm.lite.segment"
    _description = "Customer Segment"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    domain = fields.Char(
        default="[]",
        required=True,
        help="Which partners belong to the segment. Besides the usual partner "
        "fields, you can filter on total paid, days since the last paid "
        "invoice and open deals.",
    )
    description = fields.Text(translate=True)
    partner_count = fields.Integer("Partners", compute="_compute_partner_count")

    @api.depends("domain")
    def _compute_partner_count(self):
        for segment in self:
            try:
                segment.partner_count = self.env["res.partner"].search_count(
                    segment._get_partner_domain()
                )
            except (ValueError, SyntaxError, NameError, TypeError):
                segment.partner_count = 0

    @api.constrains("domain")
    def _check_domain(self):
        for segment in self:
            try:
                domain = segment._get_partner_domain()
                self.env["res.partner"].search_count(domain, limit=1)
            except Exception as error:  # noqa: BLE001 — any failure means a bad domain
                raise ValidationError(
                    self.env._(
                        "The filter of segment %(segment)s is not valid for "
                        "contacts: %(error)s",
                        segment=segment.name,
                        error=error,
                    )
                ) from error

    def _get_partner_domain(self):
        """The segment's domain, always limited to partners that can be mailed
        to as customers: no internal users' own partners are excluded here,
        the caller decides."""
        self.ensure_one()
        domain = safe_eval(self.domain or "[]", {"uid": self.env.uid})
        if not isinstance(domain, list | tuple):
            raise ValueError(self.env._("A filter must be a list of conditions."))
        return list(domain)

    def _get_partners(self):
        return self.env["res.partner"].search(self._get_partner_domain())

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "domain": self._get_partner_domain(),
        }

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        return super().write(vals)
