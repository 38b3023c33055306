from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLoyaltyRewardWizard(models.TransientModel):
    """Choose a reward the customer's cards or coupons allow on a draft
    customer invoice; for rewards per point, how many points to redeem."""

    _name = "crm.loyalty.reward.wizard"
    _description = "Claim a Loyalty Reward on an Invoice"

    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, ondelete="cascade"
    )
    reward_ids = fields.Many2many(
        "loyalty.reward", compute="_compute_reward_ids", string="Rewards Available"
    )
    selected_reward_id = fields.Many2one(
        "loyalty.reward", "Reward", domain="[('id', 'in', reward_ids)]"
    )
    selected_coupon_id = fields.Many2one(
        "loyalty.card", compute="_compute_selected_coupon_id", string="Card"
    )
    multi_product_reward = fields.Boolean(related="selected_reward_id.multi_product")
    reward_product_ids = fields.Many2many(
        related="selected_reward_id.reward_product_ids"
    )
    selected_product_id = fields.Many2one(
        "product.product",
        "Product",
        domain="[('id', 'in', reward_product_ids)]",
        compute="_compute_selected_product_id",
        readonly=False,
        store=True,
    )
    is_per_point = fields.Boolean(compute="_compute_points")
    points_available = fields.Float(compute="_compute_points")
    points_to_redeem = fields.Float(
        "Points to Redeem",
        compute="_compute_points_to_redeem",
        readonly=False,
        store=True,
        help="All the points the card and the invoice allow, unless you redeem fewer.",
    )

    def _claimable(self):
        self.ensure_one()
        claimable = self.move_id._get_claimable_rewards()
        only = self.env.context.get("crm_loyalty_reward_ids")
        if only:
            claimable = {
                coupon: rewards.filtered(lambda r: r.id in only)
                for coupon, rewards in claimable.items()
            }
        return {coupon: rewards for coupon, rewards in claimable.items() if rewards}

    @api.depends("move_id")
    def _compute_reward_ids(self):
        for wizard in self:
            rewards = self.env["loyalty.reward"]
            if wizard.move_id:
                rewards = rewards.union(*wizard._claimable().values())
            wizard.reward_ids = rewards

    @api.depends("selected_reward_id")
    def _compute_selected_coupon_id(self):
        for wizard in self:
            coupon = self.env["loyalty.card"]
            if wizard.selected_reward_id:
                for card, rewards in wizard._claimable().items():
                    if wizard.selected_reward_id in rewards:
                        coupon = card
                        break
            wizard.selected_coupon_id = coupon

    @api.depends("reward_product_ids")
    def _compute_selected_product_id(self):
        for wizard in self:
            if wizard.selected_reward_id.reward_type != "product":
                wizard.selected_product_id = False
            else:
                wizard.selected_product_id = wizard.reward_product_ids[:1]

    @api.depends("selected_reward_id", "selected_coupon_id")
    def _compute_points(self):
        for wizard in self:
            reward = wizard.selected_reward_id
            wizard.is_per_point = reward.discount_mode == "per_point"
            available = 0.0
            if wizard.selected_coupon_id:
                available = wizard.move_id._get_real_points_for_coupon(
                    wizard.selected_coupon_id
                )
            wizard.points_available = available

    @api.depends("selected_reward_id", "selected_coupon_id")
    def _compute_points_to_redeem(self):
        for wizard in self:
            wizard.points_to_redeem = (
                wizard._max_points() if wizard.is_per_point else 0.0
            )

    def _max_points(self):
        """Most points the reward may redeem: the balance, within the share of
        the invoice points may pay."""
        reward = self.selected_reward_id
        move = self.move_id
        value = move._loyalty_convert(reward.discount, reward.currency_id)
        if not value:
            return 0.0
        limit = min(
            reward._loyalty_max_share() * move._loyalty_base_total(),
            move._loyalty_base_total(),
        )
        return min(self.points_available, int(limit / value * 100) / 100)

    def action_apply(self):
        self.ensure_one()
        if not self.selected_reward_id:
            raise ValidationError(self.env._("Choose a reward."))
        if not self.selected_coupon_id:
            raise ValidationError(
                self.env._(
                    "The reward %(reward)s is no longer available on this invoice.",
                    reward=self.selected_reward_id.description,
                )
            )
        kwargs = {"product": self.selected_product_id}
        if self.is_per_point:
            kwargs["points"] = self.points_to_redeem
        status = self.move_id._apply_program_reward(
            self.selected_reward_id, self.selected_coupon_id, **kwargs
        )
        if status.get("error"):
            raise ValidationError(status["error"])
        return True
