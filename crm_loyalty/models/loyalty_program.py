from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Program types a customer invoice can carry, and their reward types.
INVOICE_PROGRAM_TYPES = (
    "loyalty",
    "promotion",
    "coupons",
    "promo_code",
    "next_order_coupons",
)
INVOICE_REWARD_TYPES = ("discount", "product")


class LoyaltyProgram(models.Model):
    """Customer invoices as a loyalty channel, beside sales orders, the point
    of sale and the web shop, with the eligibility conditions invoices need:
    customer tags, paid spend over a period, a campaign, points validity."""

    _inherit = "loyalty.program"

    invoice_ok = fields.Boolean(
        "Invoices",
        compute="_compute_invoice_ok",
        store=True,
        readonly=False,
        precompute=True,
        help="The program applies on customer invoices.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        "loyalty_program_partner_category_rel",
        "program_id",
        "category_id",
        string="Customer Tags",
        help="Only customers carrying one of these tags (Family, Student, VIP...) "
        "benefit from the program on invoices. Empty: every customer.",
    )
    min_paid_amount = fields.Monetary(
        "Minimum Paid Spend",
        currency_field="currency_id",
        help="The customer must have paid at least this amount on posted invoices "
        "of the company, net of credit notes, over the period below. Tiers "
        "(Silver, Gold, Platinum) are promotions with increasing amounts: a "
        "customer benefits from the highest one reached.",
    )
    paid_period_months = fields.Integer(
        "Paid Spend Period (Months)",
        help="Months before the invoice over which the paid spend is counted; "
        "0 means since the first invoice.",
    )
    campaign_id = fields.Many2one(
        "utm.campaign",
        index="btree_not_null",
        ondelete="set null",
        help="The coupons and codes of this program, and the invoices they were "
        "used on, count in the results of this campaign.",
    )
    points_validity_months = fields.Integer(
        "Points Validity (Months)",
        help="Points expire this many months after they were earned, the oldest "
        "first; 0 means they never expire.",
    )
    points_max_share_percent = fields.Float(
        "Max. Share Paid with Points (%)",
        help="Rewards of the type 'per point' pay at most this share of an invoice; "
        "0 means no limit. A reward can set its own share.",
    )
    point_value = fields.Monetary(
        compute="_compute_point_value",
        currency_field="currency_id",
        help="What one point is worth: the discount per point of the program's "
        "'per point' reward. Used to book the points liability.",
    )
    invoice_count = fields.Integer(
        "Invoices Using It",
        compute="_compute_invoice_count",
        help="Posted customer invoices that carry a reward of this program.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("program_type")
    def _compute_invoice_ok(self):
        """New programs of a type invoices support are offered on invoices, like
        Odoo's other channels; programs that existed before the addon was
        installed keep their channels until someone opts them in."""
        for program in self:
            if program.program_type not in INVOICE_PROGRAM_TYPES:
                program.invoice_ok = False
            elif not program._origin:
                program.invoice_ok = True
            else:
                program.invoice_ok = bool(program.invoice_ok)

    @api.depends("reward_ids.discount_mode", "reward_ids.discount", "reward_ids.active")
    def _compute_point_value(self):
        for program in self:
            per_point = program.reward_ids.filtered(
                lambda r: r.reward_type == "discount" and r.discount_mode == "per_point"
            ).sorted("required_points")
            program.point_value = per_point[:1].discount

    def _compute_invoice_count(self):
        counts = self._loyalty_invoice_counts()
        for program in self:
            program.invoice_count = counts.get(program.id, 0)

    def _compute_total_order_count(self):
        result = super()._compute_total_order_count()
        counts = self._loyalty_invoice_counts()
        for program in self:
            program.total_order_count += counts.get(program.id, 0)
        return result

    def _loyalty_invoice_counts(self):
        """Posted customer invoices carrying a reward of each program, counted
        once however many of its rewards they carry: ``{program id: count}``,
        in one query."""
        program_ids = tuple(pid for pid in self.ids if pid)
        if not program_ids:
            return {}
        self.env["account.move.line"].flush_model(
            ["reward_id", "move_id", "parent_state"]
        )
        self.env["account.move"].flush_model(["move_type"])
        self.env["loyalty.reward"].flush_model(["program_id"])
        # A count of invoices, read by whoever reads the program (usage limits
        # are checked on behalf of the accountant): not filtered by what the
        # reader may see.
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT reward.program_id, COUNT(DISTINCT line.move_id)
                      FROM account_move_line line
                      JOIN loyalty_reward reward ON reward.id = line.reward_id
                      JOIN account_move move ON move.id = line.move_id
                     WHERE reward.program_id IN %s
                       AND line.parent_state = 'posted'
                       AND move.move_type = 'out_invoice'
                  GROUP BY reward.program_id
                    """,
                    program_ids,
                )
            )
        )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Programs created with their own rules and rewards (imports, RPC,
        # code) still get the trigger and scope of their type, as the form
        # gives them.
        defaults = self._program_type_default_values()
        for vals in vals_list:
            type_defaults = (
                defaults.get(
                    vals.get("program_type")
                    or self._fields["program_type"].default(self)
                )
                or {}
            )
            for name in ("trigger", "applies_on"):
                if name not in vals and name in type_defaults:
                    vals[name] = type_defaults[name]
        return super().create(vals_list)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains(
        "min_paid_amount",
        "paid_period_months",
        "points_validity_months",
        "points_max_share_percent",
    )
    def _check_loyalty_invoice_values(self):
        for program in self:
            if program.min_paid_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum paid spend of program %(program)s cannot be "
                        "negative.",
                        program=program.name,
                    )
                )
            if program.paid_period_months < 0 or program.points_validity_months < 0:
                raise ValidationError(
                    self.env._(
                        "Periods of program %(program)s are a number of months, "
                        "0 or more.",
                        program=program.name,
                    )
                )
            if not 0 <= program.points_max_share_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of an invoice paid with points must be between 0 "
                        "and 100%% (program %(program)s).",
                        program=program.name,
                    )
                )

    @api.constrains("invoice_ok", "program_type", "reward_ids")
    def _check_invoice_ok(self):
        for program in self.filtered("invoice_ok"):
            program._loyalty_check_invoice_support()

    def _loyalty_check_invoice_support(self):
        """Refuse a program on invoices that invoices cannot carry."""
        self.ensure_one()
        types = dict(self._fields["program_type"]._description_selection(self.env))
        if self.program_type not in INVOICE_PROGRAM_TYPES:
            raise ValidationError(
                self.env._(
                    "Program %(program)s cannot be used on invoices: %(type)s "
                    "programs are not supported there. Untick Invoices or choose "
                    "another program type.",
                    program=self.name,
                    type=types.get(self.program_type, self.program_type),
                )
            )
        if self.reward_ids.filtered(
            lambda r: r.reward_type not in INVOICE_REWARD_TYPES
        ):
            raise ValidationError(
                self.env._(
                    "Program %(program)s cannot be used on invoices: invoices only "
                    "carry discounts and free products.",
                    program=self.name,
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_loyalty_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [
            ("move_type", "=", "out_invoice"),
            ("invoice_line_ids.reward_id.program_id", "=", self.id),
        ]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _loyalty_is_tier(self):
        """Tiers are automatic promotions that require a paid spend: of them, a
        customer benefits from the highest reached only."""
        self.ensure_one()
        return self.program_type == "promotion" and self.min_paid_amount > 0

    def _loyalty_credited_when_paid(self):
        """Points of this program reach the customer's card when the invoice
        is paid (loyalty cards, next-order coupons), rather than being used up
        on the invoice itself (promotions, codes)."""
        self.ensure_one()
        return self.is_nominative or self.applies_on == "future"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_on_invoices(self):
        # sudo: whether any invoice line, readable or not, uses the program.
        lines = self.env["account.move.line"].sudo()
        if lines.search_count([("reward_id.program_id", "in", self.ids)], limit=1):
            raise ValidationError(
                self.env._(
                    "This program was used on invoices: archive it instead of "
                    "deleting it."
                )
            )
