from odoo import fields, models
from odoo.exceptions import ValidationError


class CrmLoyaltyCouponWizard(models.TransientModel):
    """Apply a coupon or promotion code to a draft customer invoice."""

    _name = "crm.loyalty.coupon.wizard"
    _description = "Apply a Loyalty Code to an Invoice"

    move_id = fields.Many2one(
        "account.move",
        "Invoice",
        required=True,
        ondelete="cascade",
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'draft')]",
    )
    coupon_code = fields.Char("Code", required=True)

    def action_apply(self):
        """Apply the code; its reward is applied at once when there is no
        choice to make, else the rewards wizard opens."""
        self.ensure_one()
        status = self.move_id._try_apply_code(self.coupon_code)
        if "error" in status:
            raise ValidationError(status["error"])
        rewards = self.env["loyalty.reward"].union(*status.values())
        if (
            len(status) == 1
            and len(rewards) == 1
            and not rewards.multi_product
            and (rewards.discount_mode != "per_point")
        ):
            coupon = next(iter(status))
            result = self.move_id._apply_program_reward(rewards, coupon)
            if result.get("error"):
                raise ValidationError(result["error"])
            return True
        if not rewards:
            return True
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_loyalty.crm_loyalty_reward_wizard_action"
        )
        action["context"] = {
            "default_move_id": self.move_id.id,
            "crm_loyalty_reward_ids": rewards.ids,
        }
        return action
