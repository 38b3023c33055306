import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input

# A filter a consultant saves must answer in time, on the whole database.
DOMAIN_CHECK_TIMEOUT_MS = 5000


class CrmLiteSegment(models.Model):
    """A named, validated audience of contacts of one company, defined by a
    domain that may use the CRM figures of contacts (total paid, days since
    the last paid invoice, open deal, source...).

    Each segment is also an Email Marketing audience (``mailing.filter``), so
    that it appears in the audience picker of ``mailing.mailing``; a mailing
    sent to it reaches the segment's contacts of its company, evaluated when
    the mailing is sent.
    """

    _name = "crm.lite.segment"
    _description = "Customer Segment"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The segment holds contacts shared by all companies and those of "
        "this company, and its figures are this company's.",
    )
    domain = fields.Char(
        default="[]",
        required=True,
        help="Which contacts belong to the segment. Besides the usual contact "
        "fields, you can filter on total paid, days since the last paid "
        "invoice and open deals.",
    )
    description = fields.Text(translate=True)
    campaign_id = fields.Many2one(
        "utm.campaign",
        help="Campaign the mailings sent to this segment belong to.",
    )
    mailing_filter_id = fields.Many2one(
        "mailing.filter",
        "Email Marketing Audience",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The audience Email Marketing shows for this segment.",
    )
    partner_count = fields.Integer("Contacts", compute="_compute_partner_counts")
    mailable_count = fields.Integer(
        "Will Be Mailed",
        compute="_compute_partner_counts",
        help="Contacts of the segment a mailing sent now would reach: a valid "
        "e-mail address, not opted out, each address once.",
    )

    # ------------------------------------------------------------
    # COMPUTES AND CONSTRAINTS
    # ------------------------------------------------------------

    @api.depends("domain", "company_id")
    def _compute_partner_counts(self):
        for segment in self:
            try:
                partners = segment._search_partners()
            except (ValueError, SyntaxError, NameError, TypeError):
                segment.partner_count = segment.mailable_count = 0
                continue
            segment.partner_count = self.env["res.partner"].search_count(
                [("id", "in", partners)]
            )
            segment.mailable_count = segment._count_mailable(partners)

    def _count_mailable(self, partners):
        """Distinct valid addresses of the partners, blacklist excluded: what
        Email Marketing mails (it skips missing, invalid, opted-out and
        duplicate addresses)."""
        self.env["res.partner"].flush_model(["email_normalized"])
        self.env["mail.blacklist"].flush_model(["email", "active"])
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(DISTINCT partner.email_normalized)
                  FROM res_partner partner
                 WHERE partner.id IN %s
                   AND partner.email_normalized IS NOT NULL
                   AND NOT EXISTS (
                        SELECT 1 FROM mail_blacklist bl
                         WHERE bl.email = partner.email_normalized AND bl.active)
                """,
                partners.subselect(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.constrains("domain", "company_id")
    def _check_domain(self):
        for segment in self:
            try:
                partners = segment._search_partners()
                # A filter that takes more than a few seconds would block every
                # mailing and preview: refuse it while the consultant is here.
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL("SET LOCAL statement_timeout = %s", DOMAIN_CHECK_TIMEOUT_MS)
                    )
                    self.env["res.partner"].search_count(
                        [("id", "in", partners)], limit=1
                    )
                    self.env.cr.execute("SET LOCAL statement_timeout TO DEFAULT")
            except psycopg2.errors.QueryCanceled as error:
                raise ValidationError(
                    self.env._(
                        "The filter of segment %(segment)s takes too long to "
                        "evaluate (more than %(seconds)s seconds): simplify it.",
                        segment=segment.name,
                        seconds=DOMAIN_CHECK_TIMEOUT_MS // 1000,
                    )
                ) from error
            except Exception as error:  # noqa: BLE001 — any failure means a bad domain
                raise ValidationError(
                    self.env._(
                        "The filter of segment %(segment)s is not valid for "
                        "contacts: %(error)s",
                        segment=segment.name,
                        error=error,
                    )
                ) from error

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        segments = super().create(vals_list)
        segments._sync_mailing_filter()
        return segments

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        result = super().write(vals)
        if "company_id" in vals:
            check_companies_allowed(self)
        if {"name", "domain", "company_id", "active"} & set(vals):
            self._sync_mailing_filter()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_mailed(self):
        # sudo: a count, to explain the refusal; it names no mailing.
        mailed = (
            self.env["mailing.mailing"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("crm_segment_id", "in", self.ids)])
        )
        if mailed:
            raise UserError(
                self.env._(
                    "%(count)s mailing(s) went or go to this segment: archive it "
                    "instead, so that they keep their audience.",
                    count=mailed,
                )
            )

    def unlink(self):
        filters = self.sudo().mailing_filter_id
        result = super().unlink()
        filters.unlink()
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "domain": [("id", "in", self._get_partners().ids)],
        }

    def action_send_mailing(self):
        """A new Email Marketing mailing to the segment's contacts, in the
        segment's campaign; the chatter of each contact keeps a copy."""
        self.ensure_one()
        self.check_access("read")
        self._sync_mailing_filter()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Mailing"),
            "res_model": "mailing.mailing",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_mailing_type": "mail",
                "default_mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "default_mailing_filter_id": self.mailing_filter_id.id,
                "default_mailing_domain": self.mailing_filter_id.mailing_domain,
                "default_crm_segment_id": self.id,
                "default_campaign_id": self.campaign_id.id,
                "default_keep_archives": True,
            },
        }

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _get_segment_domain(self):
        """The domain typed in, as a list of conditions on searchable fields."""
        self.ensure_one()
        domain = safe_eval(self.domain or "[]", {"uid": self.env.uid})
        if not isinstance(domain, list | tuple):
            raise ValueError(self.env._("A filter must be a list of conditions."))
        for leaf in domain:
            if isinstance(leaf, list | tuple) and len(leaf) == 3:
                self._check_searchable_path(leaf[0])
        return list(domain)

    def _check_searchable_path(self, path):
        """Odoo ignores a condition on a field it cannot search: a segment
        would then silently hold everyone. Refuse it instead."""
        if not isinstance(path, str):
            return
        model = self.env["res.partner"]
        for name in path.split("."):
            field = model._fields.get(name)
            if field is None:
                raise ValueError(
                    self.env._("Contacts have no field %(field)s.", field=name)
                )
            if not field._description_searchable:
                raise ValueError(
                    self.env._(
                        "%(field)s cannot be used in a filter: it is computed "
                        "on the fly and cannot be searched.",
                        field=field._description_string(self.env),
                    )
                )
            if field.relational:
                model = self.env[field.comodel_name]

    def _get_partner_domain(self):
        """The segment's domain, limited to the contacts of its company (and
        those shared by all companies)."""
        self.ensure_one()
        return expression.AND(
            [
                self._get_segment_domain(),
                [
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "=", self.company_id.id),
                ],
            ]
        )

    def _search_partners(self):
        """The segment's contacts as a query, with the CRM figures read in the
        segment's company (whatever company the caller works in)."""
        self.ensure_one()
        partners = self.env["res.partner"].with_context(
            allowed_company_ids=self.company_id.ids
        )
        return partners._search(self._get_partner_domain())

    def _get_partners(self):
        return self.env["res.partner"].search([("id", "in", self._search_partners())])

    def _sync_mailing_filter(self):
        """Keep the Email Marketing audience of each segment up to date."""
        # sudo: audiences are Email Marketing records; the segment is the
        # source of truth and its managers may not hold marketing rights.
        partner_model = self.env["ir.model"]._get_id("res.partner")
        for segment in self:
            values = {
                "name": segment.name,
                "mailing_domain": repr(segment._get_partner_domain()),
                "mailing_model_id": partner_model,
                "crm_segment_id": segment.id,
            }
            mailing_filter = segment.sudo().mailing_filter_id
            if not segment.active:
                mailing_filter.unlink()
            elif mailing_filter:
                mailing_filter.write(values)
            else:
                segment.sudo().mailing_filter_id = (
                    self.env["mailing.filter"].sudo().create(values)
                )
