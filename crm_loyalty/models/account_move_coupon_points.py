from odoo import fields, models


class AccountMoveCouponPoints(models.Model):
    """Points a customer invoice gives to a card or coupon: computed on the
    draft invoice, credited to the card when the invoice is paid (loyalty
    cards, next-order coupons) or used up on the invoice itself (promotions,
    promotion codes). Like ``sale.order.coupon.points`` for sales orders."""

    _name = "account.move.coupon.points"
    _description = "Invoice Points per Loyalty Card"
    _order = "move_id, id"

    move_id = fields.Many2one(
        "account.move", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    coupon_id = fields.Many2one(
        "loyalty.card",
        "Card",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    program_id = fields.Many2one(related="coupon_id.program_id", string="Program")
    points = fields.Float(required=True, readonly=True)

    _sql_constraints = [
        (
            "move_coupon_unique",
            "UNIQUE (move_id, coupon_id)",
            "An invoice gives points to a card once.",
        )
    ]
