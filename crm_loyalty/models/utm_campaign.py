from collections import defaultdict

from odoo import api, fields, models

CRM_USER = "crm_lite.group_crm_lite_user"


class UtmCampaign(models.Model):
    """Coupons and codes issued for a campaign bring its results the
    invoices they were used on (deals, revenue, ROI), on top of the deals of
    the campaign and without counting them twice."""

    _inherit = "utm.campaign"

    loyalty_program_ids = fields.One2many(
        "loyalty.program", "campaign_id", string="Loyalty Programs"
    )
    loyalty_invoice_count = fields.Integer(
        "Invoices with Coupons",
        compute="_compute_crm_figures",
        groups=CRM_USER,
        help="Posted invoices on which a coupon or code of the campaign was used.",
    )

    @api.depends_context("uid", "allowed_company_ids", "company")
    def _compute_crm_figures(self):
        result = super()._compute_crm_figures()
        figures = self._loyalty_campaign_figures()
        to_currency = self.env["res.currency"]._crm_sum_in_company_currency
        for campaign in self:
            extra = figures.get(campaign._origin.id)
            campaign.loyalty_invoice_count = extra["invoice_count"] if extra else 0
            if not extra:
                continue
            campaign.deal_count += extra["deal_count"]
            campaign.won_count += extra["won_count"]
            campaign.revenue_invoiced += to_currency(extra["invoiced"])
            campaign.revenue_paid += to_currency(extra["paid"])
            cost = campaign.cost_total
            count, won = campaign.deal_count, campaign.won_count
            campaign.roi = (campaign.revenue_paid - cost) / cost if cost else 0.0
            campaign.cost_per_deal = cost / count if count else 0.0
            campaign.cost_per_won = cost / won if won else 0.0
        return result

    def _loyalty_campaign_invoices(self):
        """Posted customer invoices of the user's companies on which coupons or
        codes of each campaign's programs were used, except those of the
        campaign's own deals (already in its figures):
        ``{campaign id: account.move}``."""
        saved_ids = [campaign._origin.id for campaign in self if campaign._origin.id]
        if not saved_ids:
            return {}
        # sudo: campaign results are company-wide figures (see crm_lite's
        # _compute_crm_figures), limited to the companies the user works in.
        programs = (
            self.env["loyalty.program"]
            .sudo()
            .with_context(active_test=False)
            .search([("campaign_id", "in", saved_ids)])
        )
        if not programs:
            return {}
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("reward_id.program_id", "in", programs.ids),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("parent_state", "=", "posted"),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["reward_id"],
                ["move_id:recordset"],
            )
        )
        invoices = defaultdict(lambda: self.env["account.move"].sudo())
        for reward, moves in groups:
            campaign = reward.program_id.campaign_id
            invoices[campaign.id] |= moves.filtered(
                lambda move, c=campaign: move.deal_id.campaign_id != c
            )
        return dict(invoices)

    def _loyalty_campaign_figures(self):
        """Figures the campaign's coupons add: ``{campaign id: {deal_count,
        won_count, invoice_count, invoiced: [(company, amount)], paid: [...]}}``."""
        result = {}
        moves = self.env["account.move"].sudo()
        for campaign_id, invoices in self._loyalty_campaign_invoices().items():
            if not invoices:
                continue
            figures = moves._crm_get_paid_amounts(
                [
                    "|",
                    ("id", "in", invoices.ids),
                    ("reversed_entry_id", "in", invoices.ids),
                ],
                "company_id",
            )
            companies = self.env["res.company"].browse
            deals = invoices.deal_id
            result[campaign_id] = {
                "invoice_count": len(invoices),
                "deal_count": len(deals),
                "won_count": len(deals.filtered(lambda d: d.stage_kind == "won")),
                "invoiced": [
                    (companies(company_id), paid.invoiced)
                    for (company_id, _c), paid in figures.items()
                ],
                "paid": [
                    (companies(company_id), paid.paid)
                    for (company_id, _c), paid in figures.items()
                ],
            }
        return result

    def action_view_loyalty_invoices(self):
        self.ensure_one()
        invoices = self._loyalty_campaign_invoices().get(self.id)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids if invoices else [])]
        action["context"] = {"create": False}
        return action
