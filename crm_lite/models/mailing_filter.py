from odoo import fields, models


class MailingFilter(models.Model):
    """Email Marketing audiences: those made from a CRM Lite segment belong
    to the segment's company, and only its users see and pick them."""

    _inherit = "mailing.filter"

    crm_segment_id = fields.Many2one(
        "crm.lite.segment",
        "CRM Segment",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The CRM Lite segment this audience comes from; edit the segment "
        "to change it.",
    )
    crm_company_id = fields.Many2one(
        related="crm_segment_id.company_id", store=True, string="Segment Company"
    )
