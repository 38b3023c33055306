from odoo import fields, models


class MailingMailing(models.Model):
    """A mailing announcing personal coupons: each recipient's code is
    rendered with ``{{ object.loyalty_coupon_code }}``."""

    _inherit = "mailing.mailing"

    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        "Coupons of Program",
        index="btree_not_null",
        ondelete="set null",
        domain="[('program_type', 'in', ('coupons', 'next_order_coupons'))]",
        help="The program whose coupon code {{ object.loyalty_coupon_code }} "
        "gives each contact.",
    )

    def _get_mass_mailing_context(self):
        context = super()._get_mass_mailing_context()
        if self.loyalty_program_id:
            context["crm_loyalty_program_id"] = self.loyalty_program_id.id
        return context
