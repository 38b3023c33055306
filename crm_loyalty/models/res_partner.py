from odoo import api, fields, models
from odoo.tools import SQL

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
        its contacts) in the current company (``_loyalty_points_query`` is the
        same rule in SQL: change both together)."""
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
        partners = self.filtered("id")
        reached = partners._loyalty_fetch_tiers(
            self.env.company, fields.Date.context_today(self)
        )
        for partner in self:
            partner.loyalty_tier_program_id = reached.get(partner.id, False)

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

    def _loyalty_reached_tiers(self, tiers, company, date):
        """The highest of ``tiers`` (promotions with a minimum paid spend) each
        commercial partner reaches in ``company`` on ``date``, by the rule of
        ``_loyalty_reached_tiers_query``: ``{commercial partner id: program}``."""
        tiers = tiers.filtered(lambda p: p.min_paid_amount > 0)
        if not tiers or not self.commercial_partner_id:
            return {}
        reached = self._loyalty_fetch_tiers(company, date, tiers)
        return {
            partner.commercial_partner_id.id: reached[partner.id]
            for partner in self
            if partner.id in reached
        }

    def _loyalty_fetch_tiers(self, company, date, tiers=None):
        """``{partner id: program}``: the tier each of these partners reaches
        in ``company`` on ``date``, among ``tiers`` (default: those in force)."""
        partners = self.filtered("id")
        if not partners:
            return {}
        self.env.cr.execute(
            self._loyalty_reached_tiers_query(
                date, companies=company, partners=partners, programs=tiers
            )
        )
        Program = self.env["loyalty.program"]
        return {
            partner_id: Program.browse(program_id)
            for partner_id, _company_id, program_id in self.env.cr.fetchall()
        }

    @api.model
    def _loyalty_reached_tiers_query(
        self,
        today,
        companies=None,
        partners=None,
        programs=None,
        customer_moves=None,
        reconciliations=None,
    ):
        """The one rule of loyalty tiers, as SQL: the highest tier each partner
        reaches in each company, one row ``(partner_id, company_id,
        program_id)`` per partner and company that reaches one.

        - A tier is a promotion with a minimum paid spend (``min_paid_amount``,
          in the program's currency, converted to the company's at the rate of
          ``today`` like ``res.currency._convert``), of the company or of none.
        - The partner reaches it when its commercial partner paid the company
          at least that much over the ``paid_period_months`` before ``today``
          (0: ever), by crm_lite's rule of what customers paid
          (``account.move._crm_get_paid_amounts``: posted invoices minus credit
          notes, paid = min(reconciled, invoiced) as of a date, reconciliations
          dated by payment): paid as of ``today`` minus paid as of the start of
          the period; and, when the program has customer tags, when the
          partner or its commercial partner carries one of them.
        - Of the tiers reached, the highest threshold wins (then the lowest
          sequence, then the oldest program).

        Set-based: one pass over the customer invoices and their
        reconciliations for all partners and periods; nothing per partner.

        :param today: ``date`` or SQL expression of the day
        :param companies: ``res.company`` to answer for (default: all)
        :param partners: ``res.partner`` to answer for, contacts included
            (default: every commercial partner with posted customer invoices
            dated up to ``today``)
        :param programs: ``loyalty.program`` tiers to choose from (default:
            the tiers in force ``today``: active promotions on invoices, within
            their dates)
        :param customer_moves: SQL selecting ``(id, partner_id, company_id,
            move_type, total, date)`` of the posted customer invoices and
            credit notes dated up to ``today`` (partner: the commercial
            partner; total: ``amount_total_signed``), for a report that already
            selected them (default: read from ``account_move``)
        :param reconciliations: SQL selecting ``(move_id, amount, max_date)``,
            the partial reconciliations of the receivable lines of
            ``customer_moves`` (default: read from accounting)
        :return: ``odoo.tools.SQL``
        """
        self._loyalty_flush_tier_sources()
        today = SQL("%s::date", today)
        company_filter = (
            SQL("company.id IN %s", tuple(companies.ids) or (None,))
            if companies is not None
            else SQL("TRUE")
        )
        if programs is None:
            program_filter = SQL(
                """program.active AND program.invoice_ok
                   AND program.program_type = 'promotion'
                   AND (program.date_from IS NULL OR program.date_from <= %(today)s)
                   AND (program.date_to IS NULL OR program.date_to >= %(today)s)""",
                today=today,
            )
        else:
            program_filter = (
                SQL("program.id IN %s", tuple(programs.ids))
                if programs
                else SQL("FALSE")
            )
        if partners is not None:
            customers = SQL(
                """SELECT partner.id AS partner_id,
                          partner.commercial_partner_id AS commercial_id
                     FROM res_partner partner
                    WHERE partner.id IN %s""",
                tuple(partners.ids) or (None,),
            )
            customer_filter = SQL(
                "m.commercial_partner_id IN "
                "(SELECT commercial_partner_id FROM res_partner WHERE id IN %s)",
                tuple(partners.ids) or (None,),
            )
        else:
            customers = SQL(
                "SELECT DISTINCT partner_id, partner_id AS commercial_id "
                "FROM tier_spend"
            )
            customer_filter = SQL("TRUE")
        materialized = SQL()
        if customer_moves is None:
            customer_moves = SQL(
                """SELECT m.id, m.commercial_partner_id AS partner_id, m.company_id,
                          m.move_type, m.amount_total_signed AS total, m.date
                     FROM account_move m
                    WHERE m.state = 'posted'
                      AND m.move_type IN ('out_invoice', 'out_refund')
                      AND m.commercial_partner_id IS NOT NULL
                      AND m.date <= %(today)s
                      AND m.company_id IN (SELECT company_id FROM tier_periods)
                      AND %(customer_filter)s""",
                today=today,
                customer_filter=customer_filter,
            )
        else:
            # Rows a report already selected: read them where they are.
            materialized = SQL("NOT MATERIALIZED")
        if reconciliations is None:
            reconciliations = SQL(
                """SELECT l.move_id, p.amount, p.max_date
                     FROM account_move_line l
                     JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                    WHERE l.move_id IN (SELECT id FROM tier_moves)
                      AND l.display_type = 'payment_term'
                    UNION ALL
                   SELECT l.move_id, p.amount, p.max_date
                     FROM account_move_line l
                     JOIN account_partial_reconcile p ON p.credit_move_id = l.id
                    WHERE l.move_id IN (SELECT id FROM tier_moves)
                      AND l.display_type = 'payment_term'"""
            )
        # A company's rate of a currency on a day, as res.currency._get_rates
        # reads it: the company's own rates (of its root company) first, the
        # latest up to the day, else the oldest, else 1.
        rates = {
            currency: SQL(
                """COALESCE(
                       (SELECT r.rate FROM res_currency_rate r
                         WHERE r.currency_id = %(currency)s AND r.name <= %(today)s
                           AND (r.company_id IS NULL OR r.company_id = %(root)s)
                      ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1),
                       (SELECT r.rate FROM res_currency_rate r
                         WHERE r.currency_id = %(currency)s
                           AND (r.company_id IS NULL OR r.company_id = %(root)s)
                      ORDER BY r.company_id NULLS LAST, r.name LIMIT 1),
                       1.0)""",
                currency=SQL(currency),
                today=today,
                root=SQL(
                    "COALESCE(NULLIF(split_part(company.parent_path, '/', 1), '')"
                    "::integer, company.id)"
                ),
            )
            for currency in ("company.currency_id", "program.currency_id")
        }
        return SQL(
            """
            WITH tier_programs AS (
                SELECT program.id AS program_id, company.id AS company_id,
                       program.sequence,
                       COALESCE(program.paid_period_months, 0) AS months,
                       (%(today)s - make_interval(months => COALESCE(
                           program.paid_period_months, 0)))::date AS start,
                       ROUND(program.min_paid_amount
                             * CASE WHEN program.currency_id = company.currency_id
                                    THEN 1.0
                                    ELSE %(company_rate)s / %(program_rate)s END
                             / currency.rounding) * currency.rounding AS threshold
                  FROM loyalty_program program
                  JOIN res_company company
                    ON program.company_id IS NULL OR program.company_id = company.id
                  JOIN res_currency currency ON currency.id = company.currency_id
                 WHERE program.min_paid_amount > 0
                   AND %(company_filter)s
                   AND %(program_filter)s
            ), tier_periods AS (
                SELECT DISTINCT company_id, months, start FROM tier_programs
            ), tier_moves AS %(materialized)s (
                %(customer_moves)s
            ), tier_reconciled AS (
                %(reconciliations)s
            ), tier_rows AS (
                -- what was invoiced and what was reconciled, with their dates
                SELECT m.partner_id, m.company_id, m.date, m.total AS invoiced,
                       0 AS reconciled, NULL::date AS paid_on
                  FROM tier_moves m
                 WHERE m.company_id IN (SELECT company_id FROM tier_periods)
                 UNION ALL
                SELECT m.partner_id, m.company_id, m.date, 0 AS invoiced,
                       CASE WHEN m.move_type = 'out_invoice' THEN r.amount
                            ELSE -r.amount END AS reconciled,
                       r.max_date AS paid_on
                  FROM tier_reconciled r
                  JOIN tier_moves m ON m.id = r.move_id
                 WHERE r.max_date <= %(today)s
                   AND m.company_id IN (SELECT company_id FROM tier_periods)
            ), tier_spend AS (
                -- paid today minus paid at the start of each period
                SELECT s.partner_id, s.company_id, period.months,
                       LEAST(SUM(s.reconciled), SUM(s.invoiced))
                       - CASE WHEN period.months = 0 THEN 0 ELSE LEAST(
                           COALESCE(SUM(s.reconciled) FILTER (
                               WHERE s.date <= period.start
                                 AND s.paid_on <= period.start), 0),
                           COALESCE(SUM(s.invoiced) FILTER (
                               WHERE s.date <= period.start), 0)) END AS amount
                  FROM tier_rows s
                  JOIN tier_periods period ON period.company_id = s.company_id
              GROUP BY s.partner_id, s.company_id, period.months
            ), tier_customers AS (
                %(customers)s
            ), tier_tags AS (
                SELECT rel.program_id, rel.category_id
                  FROM loyalty_program_partner_category_rel rel
                  JOIN res_partner_category category
                    ON category.id = rel.category_id AND category.active
                 WHERE rel.program_id IN (SELECT program_id FROM tier_programs)
            ), tier_tagged AS (
                -- the tiers whose tags the partner or its commercial partner carry
                SELECT customer.partner_id, tag.program_id
                  FROM tier_customers customer
                  JOIN res_partner_res_partner_category_rel partner_tag
                    ON partner_tag.partner_id = customer.partner_id
                  JOIN tier_tags tag ON tag.category_id = partner_tag.category_id
                 UNION
                SELECT customer.partner_id, tag.program_id
                  FROM tier_customers customer
                  JOIN res_partner_res_partner_category_rel partner_tag
                    ON partner_tag.partner_id = customer.commercial_id
                  JOIN tier_tags tag ON tag.category_id = partner_tag.category_id
            )
            SELECT DISTINCT ON (customer.partner_id, tier.company_id)
                   customer.partner_id, tier.company_id, tier.program_id
              FROM tier_customers customer
              JOIN tier_spend spend ON spend.partner_id = customer.commercial_id
              JOIN tier_programs tier
                ON tier.company_id = spend.company_id
               AND tier.months = spend.months
               AND spend.amount >= tier.threshold
         LEFT JOIN tier_tagged tagged
                ON tagged.partner_id = customer.partner_id
               AND tagged.program_id = tier.program_id
             WHERE tagged.program_id IS NOT NULL
                OR tier.program_id NOT IN (SELECT program_id FROM tier_tags)
          ORDER BY customer.partner_id, tier.company_id, tier.threshold DESC,
                   tier.sequence, tier.program_id
            """,
            today=today,
            company_rate=rates["company.currency_id"],
            program_rate=rates["program.currency_id"],
            company_filter=company_filter,
            program_filter=program_filter,
            customers=customers,
            materialized=materialized,
            customer_moves=customer_moves,
            reconciliations=reconciliations,
        )

    @api.model
    def _loyalty_points_query(self):
        """The cards ``_loyalty_cards`` counts in ``loyalty_points``, as SQL
        for reports: rows ``(partner_id, company_id, points)``, the points on
        the active cards of active loyalty programs of each commercial partner
        (its own and its contacts') that count in each company, the cards of
        the company and those of no company.

        Record rules are not applied: show the figures only to users who read
        those cards (crm_loyalty's card rules follow the customer's
        salesperson like the CRM reports' rows do).
        """
        self.env["loyalty.card"].flush_model(
            ["points", "partner_id", "program_id", "company_id", "active"]
        )
        self.env["loyalty.program"].flush_model(["active", "program_type"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        return SQL(
            """
            SELECT partner.commercial_partner_id AS partner_id,
                   company.id AS company_id, SUM(card.points) AS points
              FROM loyalty_card card
              JOIN loyalty_program program
                ON program.id = card.program_id AND program.active
               AND program.program_type = 'loyalty'
              JOIN res_partner partner ON partner.id = card.partner_id
              JOIN res_company company
                ON card.company_id IS NULL OR card.company_id = company.id
             WHERE card.active
          GROUP BY partner.commercial_partner_id, company.id
            """
        )

    def _loyalty_flush_tier_sources(self):
        """Pending ORM changes the tier rule reads must reach the database."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "amount_total_signed",
                "date",
                "company_id",
                "commercial_partner_id",
            ]
        )
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount", "max_date"]
        )
        self.env["loyalty.program"].flush_model(
            [
                "active",
                "invoice_ok",
                "program_type",
                "date_from",
                "date_to",
                "company_id",
                "currency_id",
                "sequence",
                "min_paid_amount",
                "paid_period_months",
                "partner_category_ids",
            ]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id", "category_id"])
        self.env["res.partner.category"].flush_model(["active"])
        self.env["res.currency.rate"].flush_model(
            ["rate", "name", "company_id", "currency_id"]
        )

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
