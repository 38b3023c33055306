from odoo import api, fields, models
from odoo.exceptions import ValidationError


class UtmCampaign(models.Model):
    """Budget, costs and what a campaign earned, read from its deals'
    invoices as accounting records them."""

    _inherit = "utm.campaign"

    budget = fields.Monetary(currency_field="crm_currency_id")
    date_start = fields.Date("Start Date")
    date_end = fields.Date("End Date")
    cost_ids = fields.One2many("crm.lite.campaign.cost", "campaign_id", string="Costs")
    crm_currency_id = fields.Many2one(
        "res.currency", compute="_compute_crm_currency_id"
    )
    cost_total = fields.Monetary(
        compute="_compute_crm_figures", currency_field="crm_currency_id"
    )
    deal_count = fields.Integer("Deals", compute="_compute_crm_figures")
    won_count = fields.Integer("Won Deals", compute="_compute_crm_figures")
    revenue_invoiced = fields.Monetary(
        compute="_compute_crm_figures", currency_field="crm_currency_id"
    )
    revenue_paid = fields.Monetary(
        compute="_compute_crm_figures", currency_field="crm_currency_id"
    )
    roi = fields.Float(
        "ROI",
        compute="_compute_crm_figures",
        help="(Paid revenue - costs) / costs: 0.5 means the campaign earned its "
        "costs back plus 50%. Zero when the campaign has no cost.",
    )
    cost_per_deal = fields.Monetary(
        compute="_compute_crm_figures", currency_field="crm_currency_id"
    )
    cost_per_won = fields.Monetary(
        "Cost per Won Deal",
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
    )

    @api.depends_context("company")
    def _compute_crm_currency_id(self):
        self.crm_currency_id = self.env.company.currency_id

    @api.depends_context("allowed_company_ids")
    @api.depends("cost_ids.amount")
    def _compute_crm_figures(self):
        # sudo: campaign results are company-wide figures that salespeople
        # may read even when they only see their own deals; they are limited
        # to the companies the user works in.
        companies = self.env.companies
        deals = self.env["crm.lite.deal"].sudo().with_context(active_test=False)
        deal_groups = deals._read_group(
            [("campaign_id", "in", self.ids), ("company_id", "in", companies.ids)],
            ["campaign_id", "stage_kind"],
            ["__count", "amount_invoiced:sum", "amount_paid:sum"],
        )
        figures = {}
        for campaign, kind, count, invoiced, paid in deal_groups:
            values = figures.setdefault(campaign, [0, 0, 0.0, 0.0])
            values[0] += count
            values[1] += count if kind == "won" else 0
            values[2] += invoiced
            values[3] += paid
        cost_groups = (
            self.env["crm.lite.campaign.cost"]
            .sudo()
            ._read_group(
                [("campaign_id", "in", self.ids), ("company_id", "in", companies.ids)],
                ["campaign_id"],
                ["amount:sum"],
            )
        )
        costs = dict(cost_groups)
        for campaign in self:
            count, won, invoiced, paid = figures.get(campaign, (0, 0, 0.0, 0.0))
            cost = costs.get(campaign, 0.0)
            campaign.deal_count = count
            campaign.won_count = won
            campaign.revenue_invoiced = invoiced
            campaign.revenue_paid = paid
            campaign.cost_total = cost
            campaign.roi = (paid - cost) / cost if cost else 0.0
            campaign.cost_per_deal = cost / count if count else 0.0
            campaign.cost_per_won = cost / won if won else 0.0

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for campaign in self:
            if (
                campaign.date_start
                and campaign.date_end
                and campaign.date_end < campaign.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Campaign %(campaign)s ends before it starts.",
                        campaign=campaign.title,
                    )
                )

    @api.constrains("budget")
    def _check_budget(self):
        if any(campaign.budget < 0 for campaign in self):
            raise ValidationError(self.env._("A campaign budget cannot be negative."))

    def action_view_crm_deals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lite.crm_lite_deal_action_all"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id}
        return action
