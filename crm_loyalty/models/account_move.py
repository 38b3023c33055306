from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .tools import engine_write, guarded, loyalty_guarded

# Invoice fields whose change makes the loyalty programs of a draft invoice
# worth evaluating again.
LOYALTY_TRIGGER_FIELDS = {
    "partner_id",
    "invoice_line_ids",
    "line_ids",
    "currency_id",
    "invoice_date",
    "fiscal_position_id",
    "company_id",
}
# Invoice fields only the loyalty engine writes (codes and coupons entered go
# through Apply Code, which checks them).
LOYALTY_ENGINE_FIELDS = {
    "applied_coupon_ids",
    "code_enabled_rule_ids",
    "coupon_point_ids",
    "loyalty_to_update",
}


class AccountMove(models.Model):
    """Customer invoices as a loyalty channel: the invoice side of the data
    and its life cycle (update, post, reset, cancel, copy, delete). The program
    engine is in account_move_loyalty_rewards.py, the points the invoice moves
    on cards in account_move_loyalty_points.py."""

    _inherit = "account.move"

    applied_coupon_ids = fields.Many2many(
        "loyalty.card",
        "account_move_loyalty_card_rel",
        "move_id",
        "card_id",
        string="Coupons Entered",
        copy=False,
        readonly=True,
    )
    code_enabled_rule_ids = fields.Many2many(
        "loyalty.rule",
        "account_move_loyalty_rule_rel",
        "move_id",
        "rule_id",
        string="Codes Entered",
        copy=False,
        readonly=True,
    )
    coupon_point_ids = fields.One2many(
        "account.move.coupon.points", "move_id", copy=False, readonly=True
    )
    loyalty_to_update = fields.Boolean(
        "Discounts to Update",
        default=True,
        copy=False,
        readonly=True,
        help="The invoice changed since its loyalty programs were last applied: "
        "they are applied again at the latest when it is posted.",
    )
    loyalty_program_ids = fields.Many2many(
        "loyalty.program",
        compute="_compute_loyalty_figures",
        string="Loyalty Programs",
        help="Programs that give a reward or points on this invoice.",
    )
    loyalty_discount_amount = fields.Monetary(
        "Loyalty Discounts",
        compute="_compute_loyalty_figures",
        currency_field="currency_id",
        help="Discounts of loyalty programs on this invoice, taxes included.",
    )
    loyalty_points_pending = fields.Float(
        "Points to Earn",
        compute="_compute_loyalty_figures",
        help="Points the customer earns when this invoice is paid.",
    )
    loyalty_points_earned = fields.Float(
        "Points Earned",
        compute="_compute_loyalty_figures",
        help="Points credited to the customer's cards for this invoice, net of "
        "what payments undone and credit notes took back.",
    )
    loyalty_points_spent = fields.Float(
        "Points Redeemed",
        compute="_compute_loyalty_figures",
        help="Points this invoice takes (draft) or took (posted) from the "
        "customer's cards.",
    )
    loyalty_has_data = fields.Boolean(compute="_compute_loyalty_figures")

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends(
        "invoice_line_ids.reward_id",
        "invoice_line_ids.points_cost",
        "invoice_line_ids.price_total",
        "coupon_point_ids.points",
        "applied_coupon_ids",
        "code_enabled_rule_ids",
        "state",
        "payment_state",
    )
    def _compute_loyalty_figures(self):
        saved = self.filtered(lambda m: isinstance(m.id, int))
        ledger = saved._loyalty_ledger() if saved else {}
        for move in self:
            reward_lines = move.invoice_line_ids.filtered("reward_id")
            move.loyalty_program_ids = (
                reward_lines.reward_id.program_id | move.coupon_point_ids.program_id
            )
            move.loyalty_discount_amount = -sum(
                reward_lines.filtered(
                    lambda line: line.reward_id.reward_type == "discount"
                ).mapped("price_total")
            )
            rows = ledger.get(move.id, {}) if isinstance(move.id, int) else {}
            earned = sum(values["earned"] for values in rows.values())
            move.loyalty_points_earned = earned
            if move.state == "posted":
                move.loyalty_points_spent = sum(
                    values["spent"] for values in rows.values()
                )
            else:
                move.loyalty_points_spent = sum(reward_lines.mapped("points_cost"))
            pending = 0.0
            if move.state != "cancel" and move.move_type == "out_invoice":
                pending = sum(
                    entry.points
                    for entry in move.coupon_point_ids
                    if entry.coupon_id.program_id._loyalty_credited_when_paid()
                )
            move.loyalty_points_pending = max(pending - earned, 0.0)
            move.loyalty_has_data = move._loyalty_has_data()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._loyalty_check_engine_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._loyalty_check_engine_fields(vals)
        if loyalty_guarded(self.env) or not LOYALTY_TRIGGER_FIELDS & set(vals):
            return super().write(vals)
        # Lines changed through the invoice are handled here once, not by
        # each line.
        result = super(
            AccountMove, self.with_context(crm_loyalty_move_write=True)
        ).write(vals)
        self._loyalty_invoice_changed()
        return result

    def copy(self, default=None):
        # Reward lines are copied by the application (guarded), then dropped
        # from new invoices (the programs apply again there) and turned into
        # plain lines on credit notes.
        new_moves = super(AccountMove, guarded(self)).copy(default)
        new_moves = new_moves.with_env(self.env)
        for move in new_moves:
            reward_lines = move.invoice_line_ids.filtered("reward_id")
            if not reward_lines:
                continue
            if move.move_type == "out_invoice":
                guarded(move).write(
                    {
                        "invoice_line_ids": [
                            Command.delete(line.id) for line in reward_lines
                        ]
                    }
                )
            else:
                guarded(reward_lines).write(
                    {"reward_id": False, "coupon_id": False, "points_cost": 0.0}
                )
        return new_moves

    def unlink(self):
        created_cards = (
            self.coupon_point_ids.coupon_id | self.invoice_line_ids.coupon_id
        ).filtered(lambda card: card.invoice_id in self)
        result = super().unlink()
        created_cards._loyalty_unlink_unused()
        return result

    # ------------------------------------------------------------
    # STATE CHANGES
    # ------------------------------------------------------------

    def _post(self, soft=True):
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "draft"
        )
        refunds = self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )
        # Invoices of companies without a program on invoices, carrying no
        # reward, code, coupon or points, skip the engine: posting costs them
        # one query.
        concerned = (invoices | refunds.reversed_entry_id)._loyalty_concerned()
        invoices &= concerned
        for invoice in invoices.filtered("loyalty_to_update"):
            invoice._update_programs_and_rewards()
        invoices._loyalty_check_before_post()
        posted = super()._post(soft=soft)
        (invoices & posted)._loyalty_sync_points("post")
        # Usage counts of what the invoices used changed.
        reward_lines = (invoices & posted).invoice_line_ids.filtered("reward_id")
        reward_lines.coupon_id.invalidate_recordset(["use_count"])
        reward_lines.reward_id.program_id.invalidate_recordset(
            ["total_order_count", "invoice_count"]
        )
        (refunds & posted).reversed_entry_id.filtered(
            lambda m: m in concerned
        )._loyalty_sync_points("refund")
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._loyalty_state_changed("draft")
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._loyalty_state_changed("cancel")
        return result

    def _loyalty_state_changed(self, reason):
        self.filtered(lambda m: m.move_type == "out_invoice")._loyalty_sync_points(
            reason
        )
        refunds = self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )
        refunds.reversed_entry_id._loyalty_sync_points("refund")

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        self.filtered(lambda m: m.move_type == "out_invoice")._loyalty_sync_points(
            "paid"
        )
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_loyalty_update(self):
        """The "Update discounts" button: apply the programs the invoice
        qualifies for, as they are now."""
        for move in self:
            move._loyalty_check_editable()
            move._update_programs_and_rewards()
        return True

    def action_open_loyalty_coupon_wizard(self):
        """The "Apply code" button."""
        self.ensure_one()
        self._loyalty_check_editable()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_loyalty.crm_loyalty_coupon_wizard_action"
        )
        action["context"] = {"default_move_id": self.id}
        return action

    def action_open_reward_wizard(self):
        """The "Rewards" button: claim the rewards the customer's cards and
        coupons allow; a single one without a choice to make is applied at
        once."""
        self.ensure_one()
        self._loyalty_check_editable()
        self._update_programs_and_rewards()
        claimable = self._get_claimable_rewards()
        if not claimable:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": self.env._(
                        "No reward is available for this customer on this invoice."
                    ),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        if len(claimable) == 1:
            coupon, rewards = next(iter(claimable.items()))
            if (
                len(rewards) == 1
                and not rewards.multi_product
                and rewards.discount_mode != "per_point"
            ):
                status = self._apply_program_reward(rewards, coupon)
                if status.get("error"):
                    raise UserError(status["error"])
                return True
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_loyalty.crm_loyalty_reward_wizard_action"
        )
        action["context"] = {"default_move_id": self.id}
        return action

    def action_view_loyalty_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Points History"),
            "res_model": "loyalty.history",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("crm_loyalty.loyalty_history_view_list").id, "list"),
                (False, "form"),
            ],
            "domain": [
                ("order_model", "=", "account.move"),
                ("order_id", "=", self.id),
            ],
            "context": {"create": False},
        }

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _loyalty_check_engine_fields(self, vals):
        """Codes, coupons and points of an invoice are set by the loyalty
        engine only, never written directly (RPC, imports)."""
        if (
            LOYALTY_ENGINE_FIELDS & set(vals)
            and not loyalty_guarded(self.env)
            and not self.env.su
        ):
            raise AccessError(
                self.env._(
                    "Codes, coupons and points of an invoice are set by the "
                    "loyalty programs: use Update discounts, Apply code or Rewards."
                )
            )

    def _loyalty_check_editable(self):
        """Loyalty programs change draft customer invoices only."""
        for move in self:
            if move.move_type != "out_invoice":
                raise UserError(
                    self.env._(
                        "Loyalty programs and codes apply to customer invoices only."
                    )
                )
            if move.state != "draft":
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is not a draft: loyalty programs no "
                        "longer change it.",
                        invoice=move.display_name,
                    )
                )

    def _loyalty_invoice_changed(self):
        """A draft invoice changed (customer, lines, dates): programs already
        applied are evaluated again now, others when it is posted or when the
        accountant presses "Update discounts"."""
        drafts = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "draft"
        )
        if not drafts:
            return
        to_flag = drafts.filtered(lambda m: not m.loyalty_to_update)
        if to_flag:
            engine_write(to_flag).loyalty_to_update = True
        for move in drafts:
            if move._loyalty_has_data():
                move._update_programs_and_rewards()

    def _loyalty_concerned(self):
        """These invoices that loyalty programs may concern, in one query:
        those of a company (or its parent) with an active program on
        invoices, and those carrying a reward, a code, a coupon or points."""
        move_ids = tuple(move_id for move_id in self.ids if move_id)
        if not move_ids:
            return self.browse()
        self.env["loyalty.program"].flush_model(["active", "invoice_ok", "company_id"])
        self.env["account.move.line"].flush_model(["move_id", "reward_id"])
        self.env["account.move.coupon.points"].flush_model(["move_id"])
        self.flush_recordset(
            ["company_id", "applied_coupon_ids", "code_enabled_rule_ids"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.id
                  FROM account_move move
                  JOIN res_company company ON company.id = move.company_id
                 WHERE move.id IN %(move_ids)s
                   AND (
                       EXISTS (
                           SELECT 1 FROM loyalty_program program
                            WHERE program.active AND program.invoice_ok
                              AND (program.company_id IS NULL
                                   OR program.company_id = move.company_id
                                   OR program.company_id = company.parent_id))
                       OR EXISTS (
                           SELECT 1 FROM account_move_line line
                            WHERE line.move_id = move.id
                              AND line.reward_id IS NOT NULL)
                       OR EXISTS (
                           SELECT 1 FROM account_move_coupon_points entry
                            WHERE entry.move_id = move.id)
                       OR EXISTS (
                           SELECT 1 FROM account_move_loyalty_card_rel rel
                            WHERE rel.move_id = move.id)
                       OR EXISTS (
                           SELECT 1 FROM account_move_loyalty_rule_rel rel
                            WHERE rel.move_id = move.id)
                   )
                """,
                move_ids=move_ids,
            )
        )
        return self.browse([row[0] for row in rows])

    def _loyalty_has_data(self):
        """Whether programs, codes or rewards are applied on the invoice."""
        self.ensure_one()
        return bool(
            self.coupon_point_ids
            or self.applied_coupon_ids
            or self.code_enabled_rule_ids
            or any(line.reward_id for line in self.invoice_line_ids)
        )
