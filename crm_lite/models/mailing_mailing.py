from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class MailingMailing(models.Model):
    """Mailings to a CRM Lite segment: recipients evaluated when sending, with
    the segment's company and its CRM figures.

    Also, like mail templates: only Mail Template Editors may save a mailing
    whose subject or body uses more than the contact fields Email Marketing
    allows (``mail_allowed_qweb_expressions``). Mailings are rendered by the
    sending job in superuser mode, where the restricted rendering no longer
    applies; refusing them at save keeps users' secrets out of e-mails.
    """

    _inherit = "mailing.mailing"

    crm_segment_id = fields.Many2one(
        "crm.lite.segment",
        "CRM Segment",
        compute="_compute_crm_segment_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The CRM Lite segment the mailing goes to.",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        mailings = super().create(vals_list)
        mailings._check_access_right_dynamic_template()
        return mailings

    def write(self, vals):
        result = super().write(vals)
        self._check_access_right_dynamic_template()
        return result

    # ------------------------------------------------------------
    # COMPUTES AND CONSTRAINTS
    # ------------------------------------------------------------

    @api.depends("mailing_filter_id")
    def _compute_crm_segment_id(self):
        for mailing in self:
            mailing.crm_segment_id = mailing.mailing_filter_id.crm_segment_id

    @api.constrains("crm_segment_id")
    def _check_crm_segment_company(self):
        """No mailing to the segment of a company the user does not work in."""
        if self.env.su:
            return
        for mailing in self.filtered("crm_segment_id"):
            segment = mailing.crm_segment_id.sudo()
            if segment.company_id not in self.env.companies:
                raise ValidationError(
                    self.env._(
                        "This segment belongs to a company you are not working in: "
                        "pick a segment of your company."
                    )
                )

    def _get_recipients_domain(self):
        """A segment's contacts, read when the mailing is sent, limited to the
        segment's company and with its CRM figures. An audience edited after
        picking the segment stays limited to the segment's company."""
        self.ensure_one()
        domain = super()._get_recipients_domain()
        if not self.crm_segment_id or self.mailing_model_real != "res.partner":
            return domain
        # sudo: the sending job and the recipient count read the segment
        # whatever the current user's segment rights; which contacts it holds
        # is limited to the segment's company by the segment.
        segment = self.crm_segment_id.sudo()
        if self.mailing_domain == segment.mailing_filter_id.mailing_domain:
            return [("id", "in", segment._search_partners())]
        company = segment.company_id
        return expression.AND(
            [domain, ["|", ("company_id", "=", False), ("company_id", "=", company.id)]]
        )
