from odoo import fields, models
from odoo.tools import SQL


class CrmLoyaltyLiabilityReport(models.Model):
    """Points owed to customers per company and program: outstanding points
    times their value in the company's currency today, beside what the
    company's liability account holds for them. A program of all companies
    has a row per company owing points of its cards."""

    _name = "crm.loyalty.liability.report"
    _description = "Loyalty Points Liability"
    _auto = False
    _order = "company_id, program_id"
    _rec_name = "program_id"

    company_id = fields.Many2one("res.company", readonly=True)
    program_id = fields.Many2one("loyalty.program", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    card_count = fields.Integer("Cards", readonly=True)
    points = fields.Float("Outstanding Points", readonly=True)
    point_value = fields.Float(
        readonly=True,
        aggregator=None,
        help="What a point is worth in the company's currency today.",
    )
    liability = fields.Monetary(
        "Points Value",
        readonly=True,
        help="Outstanding points times the value of a point.",
    )
    booked = fields.Monetary(
        readonly=True,
        help="Balance of the points liability account for this program.",
    )
    difference = fields.Monetary(
        readonly=True,
        help="Points value not booked: points issued before the booking was set "
        "up, moved by channels that do not book them, or valued at another "
        "exchange rate when they were booked.",
    )

    _depends = {
        "loyalty.card": [
            "points",
            "program_id",
            "active",
            "company_id",
            "invoice_id",
            "partner_id",
        ],
        "loyalty.history": ["card_id", "order_model", "order_id"],
        "loyalty.program": [
            "company_id",
            "currency_id",
            "active",
            "program_type",
        ],
        "loyalty.reward": [
            "program_id",
            "discount",
            "discount_mode",
            "reward_type",
            "required_points",
            "active",
        ],
        "account.move": ["company_id"],
        "account.move.line": [
            "balance",
            "account_id",
            "loyalty_program_id",
            "parent_state",
            "company_id",
        ],
        "res.company": [
            "loyalty_liability_account_id",
            "currency_id",
            "parent_path",
        ],
        "res.currency.rate": ["rate", "name", "currency_id", "company_id"],
        "res.partner": ["company_id"],
    }

    @property
    def _table_query(self):
        # One row per program and company owing points (for a program of all
        # companies, each card's company: see loyalty.card
        # _loyalty_liability_company_sql); its id, stable, is made of both.
        return SQL(
            """
            WITH point_value AS (
                SELECT DISTINCT ON (reward.program_id)
                       reward.program_id, reward.discount AS value
                  FROM loyalty_reward reward
                 WHERE reward.active AND reward.reward_type = 'discount'
                   AND reward.discount_mode = 'per_point'
              ORDER BY reward.program_id, reward.required_points, reward.id
            ), outstanding AS (
                SELECT card.program_id, %(card_company)s AS company_id,
                       COUNT(*) AS card_count, SUM(card.points) AS points
                  FROM loyalty_card card
                 WHERE card.active
              GROUP BY 1, 2
            ), booked AS (
                SELECT line.loyalty_program_id AS program_id, line.company_id,
                       -SUM(line.balance) AS booked
                  FROM account_move_line line
                  JOIN res_company company ON company.id = line.company_id
                 WHERE line.parent_state = 'posted'
                   AND line.loyalty_program_id IS NOT NULL
                   AND line.account_id = company.loyalty_liability_account_id
              GROUP BY line.loyalty_program_id, line.company_id
            ), program_company AS (
                SELECT program_id, company_id FROM outstanding
                 UNION
                SELECT program_id, company_id FROM booked
                 UNION
                SELECT id, company_id FROM loyalty_program
                 WHERE company_id IS NOT NULL
            ), figures AS (
                SELECT program_company.program_id,
                       program_company.company_id,
                       COALESCE(company.currency_id, program.currency_id)
                           AS currency_id,
                       COALESCE(outstanding.card_count, 0) AS card_count,
                       COALESCE(outstanding.points, 0) AS points,
                       point_value.value * CASE
                           WHEN company.currency_id IS NULL
                             OR company.currency_id = program.currency_id THEN 1.0
                           ELSE %(company_rate)s / %(program_rate)s
                       END AS point_value,
                       COALESCE(booked.booked, 0) AS booked
                  FROM program_company
                  JOIN loyalty_program program
                    ON program.id = program_company.program_id
                  JOIN point_value
                    ON point_value.program_id = program_company.program_id
             LEFT JOIN res_company company
                    ON company.id = program_company.company_id
             LEFT JOIN res_company root
                    ON root.id = CAST(SPLIT_PART(company.parent_path, '/', 1) AS int)
             LEFT JOIN outstanding
                    ON outstanding.program_id = program_company.program_id
                   AND outstanding.company_id
                       IS NOT DISTINCT FROM program_company.company_id
             LEFT JOIN booked
                    ON booked.program_id = program_company.program_id
                   AND booked.company_id = program_company.company_id
                 WHERE program.program_type NOT IN ('gift_card', 'ewallet')
            )
            SELECT CAST(program_id AS bigint) * 4294967296
                       + COALESCE(company_id, 0) AS id,
                   program_id,
                   company_id,
                   currency_id,
                   card_count,
                   points,
                   point_value,
                   ROUND(CAST(points * point_value AS numeric), 2) AS liability,
                   booked,
                   ROUND(CAST(points * point_value AS numeric), 2) - booked
                       AS difference
              FROM figures
            """,
            card_company=self.env["loyalty.card"]._loyalty_liability_company_sql(),
            company_rate=self._rate_sql(SQL("company.currency_id")),
            program_rate=self._rate_sql(SQL("program.currency_id")),
        )

    def _rate_sql(self, currency):
        """Today's rate of ``currency`` in the company ``root`` (its own rate,
        else the shared one; the first known if none yet), as
        ``res.currency._get_rates`` reads it."""
        return SQL(
            """COALESCE(
                (SELECT rate.rate FROM res_currency_rate rate
                  WHERE rate.currency_id = %(currency)s
                    AND rate.name <= CURRENT_DATE
                    AND (rate.company_id IS NULL OR rate.company_id = root.id)
               ORDER BY rate.company_id, rate.name DESC LIMIT 1),
                (SELECT rate.rate FROM res_currency_rate rate
                  WHERE rate.currency_id = %(currency)s
                    AND (rate.company_id IS NULL OR rate.company_id = root.id)
               ORDER BY rate.company_id, rate.name LIMIT 1),
                1.0
            )""",
            currency=currency,
        )
