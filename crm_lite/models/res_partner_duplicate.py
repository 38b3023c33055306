import re

from odoo import api, fields, models
from odoo.tools import email_normalize

# Phone numbers are compared on their last digits so that "+370 612 34567",
# "8 612 34567" and "61234567" written by different people still match.
PHONE_KEY_DIGITS = 8


def phone_key(number):
    digits = re.sub(r"\D", "", number or "")
    return digits[-PHONE_KEY_DIGITS:] if len(digits) >= PHONE_KEY_DIGITS else False


class ResPartner(models.Model):
    """Possible duplicates of a contact: same normalized e-mail or phone."""

    _inherit = "res.partner"

    crm_phone_key = fields.Char(
        compute="_compute_crm_phone_keys", store=True, index="btree_not_null"
    )
    crm_mobile_key = fields.Char(
        compute="_compute_crm_phone_keys", store=True, index="btree_not_null"
    )
    crm_duplicate_ids = fields.Many2many(
        "res.partner",
        string="Possible Duplicates",
        compute="_compute_crm_duplicate_ids",
    )
    crm_duplicate_count = fields.Integer(compute="_compute_crm_duplicate_ids")

    @api.depends("phone", "mobile")
    def _compute_crm_phone_keys(self):
        for partner in self:
            partner.crm_phone_key = phone_key(partner.phone)
            partner.crm_mobile_key = phone_key(partner.mobile)

    @api.depends("email", "phone", "mobile")
    def _compute_crm_duplicate_ids(self):
        for partner in self:
            duplicates = partner._crm_find_duplicates()
            partner.crm_duplicate_ids = duplicates
            partner.crm_duplicate_count = len(duplicates)

    def _crm_duplicate_domain(self):
        self.ensure_one()
        email = email_normalize(self.email) if self.email else False
        keys = [k for k in (phone_key(self.phone), phone_key(self.mobile)) if k]
        conditions = []
        if email:
            conditions.append([("email_normalized", "=", email)])
        if keys:
            conditions.append([("crm_phone_key", "in", keys)])
            conditions.append([("crm_mobile_key", "in", keys)])
        if not conditions:
            return None
        domain = ["|"] * (len(conditions) - 1) + [
            c for cond in conditions for c in cond
        ]
        own_id = self._origin.id or self.id
        if isinstance(own_id, int):
            domain = [("id", "!=", own_id), *domain]
        return domain

    def _crm_find_duplicates(self, limit=20):
        """Other partners sharing this partner's e-mail or phone number."""
        self.ensure_one()
        domain = self._crm_duplicate_domain()
        if domain is None:
            return self.browse()
        return self.search(domain, limit=limit, order="id")

    @api.onchange("email", "phone", "mobile")
    def _onchange_crm_warn_duplicates(self):
        duplicates = self._crm_find_duplicates(limit=5)
        if duplicates:
            return {
                "warning": {
                    "title": self.env._("Possible duplicate"),
                    "message": self.env._(
                        "These contacts have the same e-mail or phone: %(names)s. "
                        "Open the existing one instead of creating a new contact, "
                        "or merge them later.",
                        names=", ".join(duplicates.mapped("display_name")),
                    ),
                }
            }
        return None

    def action_crm_merge_duplicates(self):
        """Open Odoo's partner merge wizard on this partner and its duplicates."""
        self.ensure_one()
        partners = self | self.crm_duplicate_ids[:2]
        return {
            "type": "ir.actions.act_window",
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "default_partner_ids": partners.ids,
                "default_dst_partner_id": partners.sorted("id")[0].id,
            },
        }
