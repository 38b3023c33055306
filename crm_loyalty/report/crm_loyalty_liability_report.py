from odoo import fields, models
from odoo.tools import SQL


class CrmLoyaltyLiabilityReport(models.Model):
    """Points owed to customers per company and program: outstanding points
    times their value, beside what the liability account holds for them."""

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
    point_value = fields.Float(readonly=True, aggregator=None)
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
        "up, or moved by channels that do not book them.",
    )

    _depends = {
        "loyalty.card": ["points", "program_id", "active"],
        "loyalty.program": ["company_id", "currency_id", "active"],
        "loyalty.reward": [
            "program_id",
            "discount",
            "discount_mode",
            "reward_type",
            "required_points",
            "active",
        ],
        "account.move.line": [
            "balance",
            "account_id",
            "loyalty_program_id",
            "parent_state",
            "company_id",
        ],
        "res.company": ["loyalty_liability_account_id", "currency_id"],
    }

    @property
    def _table_query(self):
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
                SELECT card.program_id, COUNT(*) AS card_count,
                       SUM(card.points) AS points
                  FROM loyalty_card card
                 WHERE card.active
              GROUP BY card.program_id
            ), booked AS (
                SELECT line.loyalty_program_id AS program_id, line.company_id,
                       -SUM(line.balance) AS booked
                  FROM account_move_line line
                  JOIN res_company company ON company.id = line.company_id
                 WHERE line.parent_state = 'posted'
                   AND line.loyalty_program_id IS NOT NULL
                   AND line.account_id = company.loyalty_liability_account_id
              GROUP BY line.loyalty_program_id, line.company_id
            )
            SELECT program.id AS id,
                   program.id AS program_id,
                   COALESCE(program.company_id, booked.company_id) AS company_id,
                   company.currency_id AS currency_id,
                   COALESCE(outstanding.card_count, 0) AS card_count,
                   COALESCE(outstanding.points, 0) AS points,
                   point_value.value AS point_value,
                   ROUND(CAST(COALESCE(outstanding.points, 0) * point_value.value
                              AS numeric), 2) AS liability,
                   COALESCE(booked.booked, 0) AS booked,
                   ROUND(CAST(COALESCE(outstanding.points, 0) * point_value.value
                              AS numeric), 2) - COALESCE(booked.booked, 0)
                       AS difference
              FROM loyalty_program program
              JOIN point_value ON point_value.program_id = program.id
         LEFT JOIN outstanding ON outstanding.program_id = program.id
         LEFT JOIN booked ON booked.program_id = program.id
              JOIN res_company company
                ON company.id = COALESCE(program.company_id, booked.company_id)
             WHERE program.program_type NOT IN ('gift_card', 'ewallet')
            """
        )
