from ast import literal_eval

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .crm_lite_deal import DEAL_PROTECTED_FIELDS


class CrmLiteDeal(models.Model):
    """Chatter behaviour of deals: subtypes for stage moves and deals
    created from e-mails sent to a pipeline's alias."""

    _inherit = "crm.lite.deal"

    mailing_trace_ids = fields.Many2many(
        "mailing.trace",
        string="Mailings Received",
        compute="_compute_mailing_trace_ids",
        groups="crm_lite.group_crm_lite_user,mass_mailing.group_mass_mailing_user",
        help="Mailings the deal's contact and organization received.",
    )

    def _compute_mailing_trace_ids(self):
        for deal in self:
            partners = deal.partner_id | deal.organization_id
            deal.mailing_trace_ids = (
                self.env["mailing.trace"].search(
                    [("model", "=", "res.partner"), ("res_id", "in", partners.ids)],
                    order="id desc",
                    limit=50,
                )
                if partners
                else False
            )

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            if self.stage_kind == "won":
                return self.env.ref("crm_lite.mt_deal_won")
            if self.stage_kind == "lost":
                return self.env.ref("crm_lite.mt_deal_lost")
            return self.env.ref("crm_lite.mt_deal_stage")
        return super()._track_subtype(init_values)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Create a deal from an e-mail sent to a pipeline alias.

        The sender becomes the deal's contact: found by normalized e-mail, or
        created. No salesperson is set: the gateway user is not a salesperson.

        The mail gateway runs this in superuser mode. Values that are exactly a
        deal alias's defaults were set by a CRM administrator and are applied;
        any other ``custom_values`` come from whoever called the gateway (e.g.
        ``message_process`` over RPC): they may not choose the company, the
        salesperson, money or computed figures, and the deal is then created
        with that user's own rights, as any create of theirs would be.
        """
        name, email = tools.parse_contact_from_email(
            msg_dict.get("email_from") or msg_dict.get("from") or ""
        )
        if not email:
            raise UserError(
                self.env._(
                    "The e-mail %(subject)s has no usable sender address: no deal "
                    "was created.",
                    subject=msg_dict.get("subject") or "",
                )
            )
        values = dict(custom_values or {})
        deals = self
        if not self._is_deal_alias_defaults(values):
            for fname in ("company_id", "user_id", "amount", *DEAL_PROTECTED_FIELDS):
                values.pop(fname, None)
            deals = self.sudo(False)
        pipeline = deals.env["crm.lite.pipeline"].browse(values.get("pipeline_id"))
        if pipeline:
            # Raises for a pipeline the user may not read (other company).
            pipeline.check_access("read")
        else:
            pipeline = deals._default_pipeline_id()
        partner = self._find_or_create_sender(name, email, pipeline.company_id)
        defaults = {
            "name": msg_dict.get("subject")
            or self.env._("E-mail from %(sender)s", sender=email),
            "partner_id": partner.id,
            "user_id": False,
            "pipeline_id": pipeline.id,
        }
        defaults.update(values)
        # The deal belongs to the company of its pipeline, whatever was sent.
        defaults["company_id"] = pipeline.company_id.id or self.env.company.id
        return super(
            CrmLiteDeal, deals.with_context(default_user_id=False)
        ).message_new(msg_dict, custom_values=defaults)

    @api.model
    def _is_deal_alias_defaults(self, values):
        """Whether ``values`` are exactly the defaults of an alias creating
        deals, i.e. what the gateway passes when it routes an e-mail to it."""
        # sudo: aliases are configuration the gateway reads for everyone.
        aliases = (
            self.env["mail.alias"]
            .sudo()
            .search([("alias_model_id.model", "=", self._name)])
        )
        return any(
            literal_eval(alias.alias_defaults or "{}") == values for alias in aliases
        )

    @api.model
    def _find_or_create_sender(self, name, email, company):
        partners = self.env["res.partner"].with_context(active_test=False)
        partner = partners.search(
            [
                ("email_normalized", "=", email),
                ("company_id", "in", [company.id, False] if company else [False]),
            ],
            order="active desc, id",
            limit=1,
        )
        if partner:
            return partner
        return partners.create(
            {
                "name": name or email,
                "email": email,
                "company_id": False,
            }
        )
