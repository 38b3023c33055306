import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize
from odoo.tools.sql import index_exists

# A number phone_validation cannot read (too short, unknown country...) is
# compared on its digits, when there are enough of them to mean something.
RAW_KEY_MIN_DIGITS = 7
# On mail's column, named for crm_lite: its uninstall hook drops it.
EMAIL_INDEX = "crm_lite_res_partner_email_normalized_index"


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
    crm_can_merge_duplicates = fields.Boolean(
        compute="_compute_crm_can_merge_duplicates",
        help="Whether you may merge this contact with its possible duplicates "
        "yourself; otherwise you can ask an administrator to.",
    )

    def init(self):
        result = super().init()
        # Duplicates are looked up by normalized e-mail, which mail stores but
        # does not index: without it every partner form scans all contacts.
        if not index_exists(self.env.cr, EMAIL_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON res_partner (email_normalized)"
                    " WHERE email_normalized IS NOT NULL",
                    SQL.identifier(EMAIL_INDEX),
                )
            )
        return result

    @api.depends("phone", "mobile", "country_id")
    def _compute_crm_phone_keys(self):
        for partner in self:
            partner.crm_phone_key = partner._crm_phone_key(partner.phone)
            partner.crm_mobile_key = partner._crm_phone_key(partner.mobile)

    def _crm_phone_key(self, number):
        """The number in E.164 form, read as Odoo's phone_validation reads it:
        in the partner's country, else the company's. "+370 612 34567",
        "8 612 34567" and "612 34567" of a Lithuanian client are one number;
        the same digits in another country are another one."""
        self.ensure_one()
        if not number:
            return False
        country = self.country_id or self.company_id.country_id
        key = self._phone_format(number=number, country=country or False)
        if key:
            return key
        digits = re.sub(r"\D", "", number)
        return f"?{digits}" if len(digits) >= RAW_KEY_MIN_DIGITS else False

    @api.depends("email", "phone", "mobile", "country_id")
    def _compute_crm_duplicate_ids(self):
        for partner in self:
            duplicates = partner._crm_find_duplicates()
            partner.crm_duplicate_ids = duplicates
            partner.crm_duplicate_count = len(duplicates)

    @api.depends_context("uid")
    @api.depends("email", "crm_duplicate_ids")
    def _compute_crm_can_merge_duplicates(self):
        # Odoo's merge wizard: contact managers merge contacts with the same
        # e-mail, administrators any contacts (base_partner_merge.py).
        user = self.env.user
        is_admin = self.env.is_admin()
        manager = user.has_group("base.group_partner_manager")
        for partner in self:
            partners = partner | partner.crm_duplicate_ids[:2]
            same_email = len(set(partners.mapped("email"))) == 1
            partner.crm_can_merge_duplicates = bool(partner.crm_duplicate_ids) and (
                is_admin or (manager and same_email)
            )

    def _crm_duplicate_domain(self):
        self.ensure_one()
        email = email_normalize(self.email) if self.email else False
        keys = [
            key
            for key in (
                self._crm_phone_key(self.phone),
                self._crm_phone_key(self.mobile),
            )
            if key
        ]
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

    @api.onchange("email", "phone", "mobile", "country_id")
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

    def action_crm_ask_merge(self):
        """Ask an administrator to merge the contact with its duplicates: a
        to-do on the contact for one of them, with the contacts to look at."""
        self.ensure_one()
        if not self.crm_duplicate_ids:
            raise UserError(self.env._("This contact has no possible duplicate."))
        admin = self._crm_merge_administrator()
        if not admin:
            raise UserError(
                self.env._(
                    "No administrator can merge contacts in this company: ask "
                    "your Odoo administrator to give someone the Access Rights "
                    "administration right."
                )
            )
        names = ", ".join(self.crm_duplicate_ids.mapped("display_name"))
        # sudo: salespeople may not plan activities for others on contacts
        # they cannot edit; the request is the whole point of the button.
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Merge duplicate contacts"),
            note=self.env._(
                "%(user)s asks to merge %(partner)s with: %(names)s.",
                user=self.env.user.name,
                partner=self.display_name,
                names=names,
            ),
            user_id=admin.id,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(admin)s was asked to merge the duplicates.", admin=admin.name
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _crm_merge_administrator(self):
        """Who merges contacts: a user of the current company allowed to merge
        any contacts, CRM administrators first."""
        # sudo: finding who to ask is not reading users' data.
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("share", "=", False),
                    ("company_ids", "in", self.env.company.ids),
                    ("groups_id", "in", self.env.ref("base.group_erp_manager").ids),
                    ("id", "!=", self.env.ref("base.user_root").id),
                ],
                order="id",
            )
        )
        crm_admins = users.filtered(
            lambda u: u.has_group("crm_lite.group_crm_lite_manager")
        )
        return (crm_admins or users)[:1]

    def action_crm_merge_duplicates(self):
        """Open Odoo's partner merge wizard on this partner and its duplicates."""
        self.ensure_one()
        if not self.crm_can_merge_duplicates:
            raise UserError(
                self.env._(
                    "Only an administrator can merge contacts with different "
                    'e-mails: use "Ask an administrator" instead.'
                )
            )
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
