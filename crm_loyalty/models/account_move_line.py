from odoo import api, fields, models
from odoo.exceptions import AccessError

from .tools import loyalty_guarded

REWARD_FIELDS = ("reward_id", "coupon_id", "points_cost")
# Changes of an invoice line that matter to its loyalty programs.
LOYALTY_LINE_FIELDS = {
    "product_id",
    "quantity",
    "price_unit",
    "discount",
    "tax_ids",
    "display_type",
}


class AccountMoveLine(models.Model):
    """Reward lines of customer invoices, like the reward lines of sales
    orders; and the program of the lines that book the points liability."""

    _inherit = "account.move.line"

    is_reward_line = fields.Boolean(
        "Is a Reward Line",
        compute="_compute_is_reward_line",
        search="_search_is_reward_line",
    )
    reward_id = fields.Many2one(
        "loyalty.reward",
        ondelete="restrict",
        readonly=True,
        index="btree_not_null",
    )
    coupon_id = fields.Many2one(
        "loyalty.card",
        ondelete="restrict",
        readonly=True,
        index="btree_not_null",
    )
    points_cost = fields.Float(
        readonly=True,
        help="Points this reward takes from the card or coupon.",
    )
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="On the entries booking the points liability: the program whose "
        "points the line books.",
    )

    @api.depends("reward_id")
    def _compute_is_reward_line(self):
        for line in self:
            line.is_reward_line = bool(line.reward_id)

    def _search_is_reward_line(self, operator, value):
        if operator not in ("=", "!="):
            raise ValueError(f"Unsupported operator {operator}")
        positive = (operator == "=") == bool(value)
        return [("reward_id", "!=" if positive else "=", False)]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self._loyalty_app_write() and any(
            vals.get(name)
            for vals in vals_list
            for name in (*REWARD_FIELDS, "loyalty_program_id")
        ):
            self._loyalty_refuse()
        lines = super().create(vals_list)
        lines._loyalty_lines_changed()
        return lines

    def write(self, vals):
        if not self._loyalty_app_write() and (
            set(REWARD_FIELDS) | {"loyalty_program_id"}
        ) & set(vals):
            self._loyalty_refuse()
        result = super().write(vals)
        if LOYALTY_LINE_FIELDS & set(vals):
            self._loyalty_lines_changed()
        return result

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        self.browse()._loyalty_lines_changed(moves.exists())
        return result

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _loyalty_app_write(self):
        return self.env.su or loyalty_guarded(self.env)

    def _loyalty_refuse(self):
        raise AccessError(
            self.env._(
                "Rewards, coupons and points of invoice lines are set by the "
                "loyalty programs: use Update discounts, Apply code or Rewards."
            )
        )

    def _loyalty_lines_changed(self, moves=None):
        """Lines of draft customer invoices changed outside the invoice form
        (the invoice's own write handles its lines once)."""
        if loyalty_guarded(self.env) or self.env.context.get("crm_loyalty_move_write"):
            return
        moves = self.move_id if moves is None else moves
        moves.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "draft"
        )._loyalty_invoice_changed()
