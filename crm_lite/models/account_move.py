from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountMove(models.Model):
    _inherit = "account.move"

    deal_id = fields.Many2one(
        "crm.lite.deal",
        index="btree_not_null",
        copy=True,
        tracking=True,
        domain="[('company_id', '=', company_id), "
        "'|', ('organization_id', '=', commercial_partner_id), "
        "('partner_id.commercial_partner_id', '=', commercial_partner_id)]",
        help="The deal this invoice or credit note belongs to; credit notes "
        "and copies keep it.",
    )

    @api.constrains("deal_id", "partner_id", "company_id", "move_type")
    def _check_deal_consistency(self):
        for move in self.filtered("deal_id"):
            # sudo: the accountant may not see the deal (other company, not
            # invoiced yet); the check must still say what is wrong.
            deal = move.deal_id.sudo()
            if move.move_type not in ("out_invoice", "out_refund"):
                raise ValidationError(
                    self.env._(
                        "Only customer invoices and credit notes can be linked "
                        "to a deal."
                    )
                )
            if deal.company_id != move.company_id:
                raise ValidationError(
                    self.env._(
                        "Invoice %(move)s belongs to %(move_company)s but deal "
                        "%(deal)s belongs to %(deal_company)s.",
                        move=move.display_name,
                        move_company=move.company_id.name,
                        deal=deal.name,
                        deal_company=deal.company_id.name,
                    )
                )
            customers = (deal.organization_id | deal.partner_id).commercial_partner_id
            if move.commercial_partner_id not in customers:
                raise ValidationError(
                    self.env._(
                        "Invoice %(move)s is for %(customer)s, not for the customer "
                        "of deal %(deal)s (%(deal_customer)s).",
                        move=move.display_name,
                        customer=move.commercial_partner_id.name,
                        deal=deal.name,
                        deal_customer=", ".join(customers.mapped("name")),
                    )
                )

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        self.filtered(lambda m: m.move_type == "out_invoice").deal_id._win_when_paid()
        return result
