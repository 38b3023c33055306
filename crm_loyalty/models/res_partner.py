from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

LOYALTY_READERS = (
    "crm_lite.group_crm_lite_user,account.group_account_invoice,"
    "account.group_account_readonly"
)


class ResPartner(models.Model):
    """A customer's loyalty at a glance: tier, points, next expiry, cards."""

    _inherit = "res.partner"

    loyalty_tier_program_id = fields.Many2one(
        "loyalty.program",
        "Loyalty Tier",
        compute="_compute_loyalty_tier_program_id",
        groups=LOYALTY_READERS,
        help="The highest tier (promotion on invoices with a minimum paid spend) "
        "the customer reaches in the current company.",
    )
    loyalty_points = fields.Float(
        compute="_compute_loyalty_points",
        groups=LOYALTY_READERS,
        help="Points on the customer's loyalty cards in the current company.",
    )
    loyalty_points_expiration_date = fields.Date(
        "Points Expire On",
        compute="_compute_loyalty_points",
        groups=LOYALTY_READERS,
        help="Day the oldest points of the customer expire.",
    )
    loyalty_points_expiring = fields.Float(
        "Points Expiring",
        compute="_compute_loyalty_points",
        groups=LOYALTY_READERS,
        help="Points that expire on that day.",
    )
    loyalty_card_ids = fields.One2many(
        "loyalty.card",
        "partner_id",
        "Loyalty Cards and Coupons",
        groups=LOYALTY_READERS,
    )
    loyalty_coupon_code = fields.Char(
        "Coupon Code",
        compute="_compute_loyalty_coupon_code",
        groups=LOYALTY_READERS + ",mass_mailing.group_mass_mailing_user",
        help="In a mailing of a loyalty program: the code of the customer's "
        "coupon of that program.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    def _loyalty_cards(self, domain=()):
        """Loyalty cards of each partner's commercial entity (the company and
        its contacts) in the current company."""
        # As the user: the cards' record rules decide whose balance one sees
        # (a salesperson, their customers'), like the cards themselves.
        customers = self.commercial_partner_id
        cards = self.env["loyalty.card"].search(
            [
                ("partner_id", "child_of", customers.ids),
                ("program_id.active", "=", True),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.env.company.id),
                *domain,
            ]
        )
        by_customer = {}
        for card in cards:
            key = card.partner_id.commercial_partner_id.id
            by_customer.setdefault(key, cards.browse())
            by_customer[key] |= card
        return {
            partner: by_customer.get(partner.commercial_partner_id.id, cards.browse())
            for partner in self
        }

    @api.depends_context("uid", "company")
    def _compute_loyalty_points(self):
        partners = self.filtered("id")
        cards = partners._loyalty_cards([("program_id.program_type", "=", "loyalty")])
        all_cards = self.env["loyalty.card"].sudo().union(*cards.values())
        lots = all_cards._loyalty_points_lots()
        today = fields.Date.context_today(self)
        for partner in self:
            partner_cards = cards.get(partner, all_cards.browse())
            partner.loyalty_points = sum(partner_cards.mapped("points"))
            upcoming = [
                (expiry, remaining)
                for card in partner_cards
                for _earned, expiry, remaining in lots.get(card.id, [])
                if expiry and expiry > today and remaining > 0
            ]
            next_date = min((expiry for expiry, _r in upcoming), default=False)
            partner.loyalty_points_expiration_date = next_date
            partner.loyalty_points_expiring = sum(
                remaining for expiry, remaining in upcoming if expiry == next_date
            )

    @api.depends_context("company")
    def _compute_loyalty_tier_program_id(self):
        company = self.env.company
        tiers = self.env["loyalty.program"].search(
            [
                ("invoice_ok", "=", True),
                ("program_type", "=", "promotion"),
                ("min_paid_amount", ">", 0),
                *self.env["loyalty.program"]._check_company_domain(company.ids),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", fields.Date.context_today(self)),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", fields.Date.context_today(self)),
            ]
        )
        partners = self.filtered("id")
        reached = partners._loyalty_reached_tiers(
            tiers, company, fields.Date.context_today(self)
        )
        for partner in self:
            partner.loyalty_tier_program_id = reached.get(
                partner.commercial_partner_id.id, False
            )

    @api.depends_context(
        "uid", "allowed_company_ids", "crm_loyalty_program_id", "company"
    )
    def _compute_loyalty_coupon_code(self):
        program_id = self.env.context.get("crm_loyalty_program_id")
        codes = {}
        if program_id and self.ids:
            today = fields.Date.context_today(self)
            Card = self.env["loyalty.card"]
            if not Card.has_access("read"):
                # sudo: marketing users without loyalty rights render the
                # mailing that gives each partner their own coupon's code;
                # still only the cards of the companies they work in.
                Card = Card.sudo()
            cards = Card.search(
                [
                    ("program_id", "=", program_id),
                    ("partner_id", "in", self.ids),
                    ("points", ">", 0),
                    ("company_id", "in", [*self.env.companies.ids, False]),
                    "|",
                    ("expiration_date", "=", False),
                    ("expiration_date", ">=", today),
                ],
                order="id desc",
            )
            for card in cards:
                codes.setdefault(card.partner_id.id, card.code)
        for partner in self:
            partner.loyalty_coupon_code = codes.get(partner.id, False)

    @api.model
    def mail_allowed_qweb_expressions(self):
        # The coupon code of a loyalty mailing, for marketers who are not Mail
        # Template Editors.
        return super().mail_allowed_qweb_expressions() + ("object.loyalty_coupon_code",)

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _loyalty_paid_spend(self, company, months, date):
        """What each commercial partner paid ``company`` over the ``months``
        before ``date`` (0: ever), net of credit notes, in the company's
        currency, by crm_lite's rule: ``{commercial partner id: amount}``."""
        customers = self.commercial_partner_id
        if not customers:
            return {}
        # sudo: figures, not documents, for the customer's own benefit.
        moves = self.env["account.move"].sudo()
        domain = [
            ("commercial_partner_id", "in", customers.ids),
            ("company_id", "=", company.id),
        ]
        spend = {
            partner_id: figures.paid
            for (partner_id, _company), figures in moves._crm_get_paid_amounts(
                domain, "commercial_partner_id", date_to=date
            ).items()
        }
        if months:
            start = date - relativedelta(months=months)
            for (partner_id, _company), figures in moves._crm_get_paid_amounts(
                domain, "commercial_partner_id", date_to=start
            ).items():
                spend[partner_id] = spend.get(partner_id, 0.0) - figures.paid
        return spend

    def _loyalty_reached_tiers(self, tiers, company, date):
        """The highest of ``tiers`` (promotions with a minimum paid spend) each
        commercial partner reaches: ``{commercial partner id: program}``."""
        tiers = tiers.filtered(lambda p: p.min_paid_amount > 0)
        customers = self.commercial_partner_id
        if not tiers or not customers:
            return {}
        spend = {
            months: customers._loyalty_paid_spend(company, months, date)
            for months in set(tiers.mapped("paid_period_months"))
        }
        thresholds = {
            program: program.currency_id._convert(
                program.min_paid_amount, company.currency_id, company, date
            )
            for program in tiers
        }
        reached = {}
        for partner in self:
            customer = partner.commercial_partner_id
            tags = partner.category_id | customer.category_id
            best = None
            for program in tiers:
                if program.partner_category_ids and not (
                    program.partner_category_ids & tags
                ):
                    continue
                paid = spend[program.paid_period_months].get(customer.id, 0.0)
                if company.currency_id.compare_amounts(paid, thresholds[program]) < 0:
                    continue
                if best is None or thresholds[program] > thresholds[best]:
                    best = program
            if best:
                reached[customer.id] = best
        return reached

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

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
                (
                    "card_id.partner_id",
                    "child_of",
                    self.commercial_partner_id.ids,
                )
            ],
            "context": {"create": False},
        }
