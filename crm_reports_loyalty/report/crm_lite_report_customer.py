from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_loyalty.models.res_partner import LOYALTY_READERS

# Context key of the uninstall hook: the report's view is rebuilt without the
# loyalty columns while this addon's code is still loaded.
WITHOUT_LOYALTY = "crm_reports_loyalty_without_loyalty"


class CrmLiteReportCustomer(models.Model):
    """Each customer's loyalty tier and points beside their value, in the
    company of the row, by crm_loyalty's own rules (the partner form shows the
    same figures for that company):

    - ``loyalty_tier_program_id``: ``res.partner._loyalty_reached_tiers_query``,
      fed with the report's own selection of invoices and reconciliations;
    - ``loyalty_points``: ``res.partner._loyalty_points_query``, one aggregate
      of the cards joined on customer and company;
    - next expiry date and points expiring: computed for the rows shown, by
      the cards' first-in, first-out lots (not searchable).
    """

    _inherit = "crm.lite.report.customer"
    _depends = {
        "loyalty.program": [
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
        ],
        "loyalty.card": ["points", "partner_id", "program_id", "company_id", "active"],
        "res.partner": ["commercial_partner_id", "category_id"],
        "res.partner.category": ["active"],
        "res.currency.rate": ["rate", "name", "company_id", "currency_id"],
    }

    loyalty_tier_program_id = fields.Many2one(
        "loyalty.program",
        "Loyalty Tier",
        readonly=True,
        groups=LOYALTY_READERS,
        help="The highest tier (promotion on invoices with a minimum paid spend) "
        "the customer reaches in the company.",
    )
    loyalty_points = fields.Float(
        readonly=True,
        aggregator="sum",
        groups=LOYALTY_READERS,
        help="Points on the customer's loyalty cards in the company.",
    )
    loyalty_points_expiration_date = fields.Date(
        "Points Expire On",
        compute="_compute_loyalty_points_expiration",
        groups=LOYALTY_READERS,
        help="Day the oldest points of the customer expire.",
    )
    loyalty_points_expiring = fields.Float(
        "Points Expiring",
        compute="_compute_loyalty_points_expiration",
        groups=LOYALTY_READERS,
        help="Points that expire on that day.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_loyalty_points_expiration(self):
        # The partner form's figures in the row's company, as the user: the
        # cards' record rules apply as they do there.
        for row in self:
            partner = row.partner_id.with_company(row.company_id)
            row.loyalty_points_expiration_date = partner.loyalty_points_expiration_date
            row.loyalty_points_expiring = partner.loyalty_points_expiring

    # ------------------------------------------------------------
    # QUERY
    # ------------------------------------------------------------

    def _customer_extra_columns(self, today):
        columns = super()._customer_extra_columns(today)
        if self.env.context.get(WITHOUT_LOYALTY):
            return columns
        return SQL(
            "%s, tier.program_id AS loyalty_tier_program_id, "
            "COALESCE(points.points, 0) AS loyalty_points",
            columns,
        )

    def _customer_extra_joins(self, today):
        joins = super()._customer_extra_joins(today)
        if self.env.context.get(WITHOUT_LOYALTY):
            return joins
        Partner = self.env["res.partner"]
        # The report's own rows of invoices and reconciliations feed the tier
        # rule: accounting is read once.
        tiers = Partner._loyalty_reached_tiers_query(
            today,
            customer_moves=SQL(
                "SELECT id, partner_id, company_id, move_type, total, date FROM moves"
            ),
            reconciliations=SQL("SELECT move_id, amount, max_date FROM reconciled"),
        )
        return SQL(
            """%s
         LEFT JOIN (%s) tier
                ON tier.partner_id = customer.partner_id
               AND tier.company_id = customer.company_id
         LEFT JOIN (%s) points
                ON points.partner_id = customer.partner_id
               AND points.company_id = customer.company_id""",
            joins,
            tiers,
            Partner._loyalty_points_query(),
        )
