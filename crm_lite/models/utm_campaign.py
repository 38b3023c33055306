from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .tools import check_input

CRM_USER = "crm_lite.group_crm_lite_user"
# Trace statuses of e-mails that were sent out (mass_mailing).
SENT_STATUSES = ("pending", "sent", "open", "reply", "bounce")


class UtmCampaign(models.Model):
    """Budget, costs and what a campaign earned, read from its deals'
    invoices as accounting records them."""

    _inherit = "utm.campaign"

    budget = fields.Monetary(
        currency_field="crm_currency_id",
        groups=CRM_USER,
        help="Set by CRM administrators.",
    )
    date_start = fields.Date("Start Date")
    date_end = fields.Date("End Date")
    cost_ids = fields.One2many(
        "crm.lite.campaign.cost", "campaign_id", string="Costs", groups=CRM_USER
    )
    crm_currency_id = fields.Many2one(
        "res.currency", compute="_compute_crm_currency_id"
    )
    # Results reveal money: CRM users only (the figures themselves are
    # company-wide, see _compute_crm_figures).
    cost_total = fields.Monetary(
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
    )
    deal_count = fields.Integer(
        "Deals", compute="_compute_crm_figures", groups=CRM_USER
    )
    won_count = fields.Integer(
        "Won Deals", compute="_compute_crm_figures", groups=CRM_USER
    )
    revenue_invoiced = fields.Monetary(
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
    )
    revenue_paid = fields.Monetary(
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
    )
    roi = fields.Float(
        "ROI",
        compute="_compute_crm_figures",
        groups=CRM_USER,
        help="(Paid revenue - costs) / costs: 0.5 means the campaign earned its "
        "costs back plus 50%. Not shown (zero) when the campaign has no cost.",
    )
    crm_mail_sent = fields.Integer(
        "E-mails Sent", compute="_compute_crm_mailing_figures", groups=CRM_USER
    )
    crm_mail_opened = fields.Integer(
        "E-mails Opened", compute="_compute_crm_mailing_figures", groups=CRM_USER
    )
    crm_mail_clicked = fields.Integer(
        "E-mails Clicked", compute="_compute_crm_mailing_figures", groups=CRM_USER
    )
    crm_mail_replied = fields.Integer(
        "E-mails Replied", compute="_compute_crm_mailing_figures", groups=CRM_USER
    )
    crm_mail_bounced = fields.Integer(
        "E-mails Bounced", compute="_compute_crm_mailing_figures", groups=CRM_USER
    )
    revenue_per_mail = fields.Monetary(
        "Revenue per E-mail Sent",
        compute="_compute_crm_mailing_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
        help="Paid revenue divided by the e-mails the campaign's mailings sent.",
    )
    is_over_budget = fields.Boolean(
        "Over Budget",
        compute="_compute_crm_figures",
        groups=CRM_USER,
        help="The costs exceed the budget.",
    )
    cost_per_deal = fields.Monetary(
        "Cost per Lead",
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
        help="Costs divided by the deals (leads) the campaign brought.",
    )
    cost_per_won = fields.Monetary(
        "Cost per Won Deal",
        compute="_compute_crm_figures",
        currency_field="crm_currency_id",
        groups=CRM_USER,
    )

    @api.depends_context("company")
    def _compute_crm_currency_id(self):
        self.crm_currency_id = self.env.company.currency_id

    @api.depends_context("uid", "allowed_company_ids", "company")
    @api.depends("cost_ids.amount", "cost_ids.company_id", "budget")
    def _compute_crm_figures(self):
        """Results of the campaigns in the companies the user works in, in
        the current company's currency; also right on a form being edited
        (new cost lines count, deals are read for the saved campaign)."""
        # sudo: campaign results are company-wide figures that salespeople
        # may read even when they only see their own deals; they are limited
        # to the companies the user works in.
        companies = self.env.companies
        to_currency = self.env["res.currency"]._crm_sum_in_company_currency
        saved_ids = [campaign._origin.id for campaign in self if campaign._origin.id]
        deals = self.env["crm.lite.deal"].sudo().with_context(active_test=False)
        deal_groups = deals._read_group(
            [("campaign_id", "in", saved_ids), ("company_id", "in", companies.ids)],
            ["campaign_id", "company_id", "stage_kind"],
            ["__count", "amount_invoiced:sum", "amount_paid:sum"],
        )
        counts, invoiced, paid = {}, {}, {}
        for campaign, company, kind, count, invoiced_sum, paid_sum in deal_groups:
            deal_count, won_count = counts.get(campaign.id, (0, 0))
            counts[campaign.id] = (
                deal_count + count,
                won_count + (count if kind == "won" else 0),
            )
            invoiced.setdefault(campaign.id, []).append((company, invoiced_sum))
            paid.setdefault(campaign.id, []).append((company, paid_sum))
        cost_groups = (
            self.env["crm.lite.campaign.cost"]
            .sudo()
            ._read_group(
                [("campaign_id", "in", saved_ids), ("company_id", "in", companies.ids)],
                ["campaign_id", "company_id"],
                ["amount:sum"],
            )
        )
        costs = {}
        for campaign, company, amount in cost_groups:
            costs.setdefault(campaign.id, []).append((company, amount))
        for campaign in self:
            origin_id = campaign._origin.id
            if isinstance(campaign.id, int):
                cost = to_currency(costs.get(origin_id, []))
            else:
                # A form being edited: the cost lines as they are on screen.
                cost = to_currency(
                    (line.company_id, line.amount)
                    for line in campaign.sudo().cost_ids
                    if line.company_id in companies
                )
            count, won = counts.get(origin_id, (0, 0))
            revenue_paid = to_currency(paid.get(origin_id, []))
            campaign.deal_count = count
            campaign.won_count = won
            campaign.revenue_invoiced = to_currency(invoiced.get(origin_id, []))
            campaign.revenue_paid = revenue_paid
            campaign.cost_total = cost
            campaign.roi = (revenue_paid - cost) / cost if cost else 0.0
            campaign.cost_per_deal = cost / count if count else 0.0
            campaign.cost_per_won = cost / won if won else 0.0
            budget = campaign.sudo().budget
            campaign.is_over_budget = bool(budget) and cost > budget

    def _compute_mailing_mail_count(self):
        # sudo: Email Marketing counts the mailings of a campaign with the
        # user's rights, and CRM users without them open campaigns too; a
        # count reveals nothing of the mailings.
        if not self.env["mailing.mailing"].has_access("read"):
            return super(UtmCampaign, self.sudo())._compute_mailing_mail_count()
        return super()._compute_mailing_mail_count()

    @api.depends_context("uid", "allowed_company_ids", "company")
    def _compute_crm_mailing_figures(self):
        """Email Marketing's own statistics of the campaign's mailings (sent,
        opened, clicked, replied, bounced) read from its traces, for
        salespeople who do not read mailings."""
        # sudo: the statistics of a campaign are results CRM users read, the
        # traces themselves stay Email Marketing's.
        saved_ids = [campaign._origin.id for campaign in self if campaign._origin.id]
        groups = (
            self.env["mailing.trace"]
            .sudo()
            ._read_group(
                [("campaign_id", "in", saved_ids), ("trace_type", "=", "mail")],
                ["campaign_id", "trace_status"],
                ["__count", "links_click_datetime:count"],
            )
        )
        stats = {}
        for campaign, status, count, clicked in groups:
            line = stats.setdefault(campaign.id, {"clicked": 0})
            line[status] = count
            line["clicked"] += clicked
        for campaign in self:
            line = stats.get(campaign._origin.id, {})
            # E-mails that left: delivered (and maybe opened or replied to) or
            # bounced; not those cancelled before sending (opted out...).
            sent = sum(line.get(status, 0) for status in SENT_STATUSES)
            campaign.crm_mail_sent = sent
            campaign.crm_mail_opened = line.get("open", 0) + line.get("reply", 0)
            campaign.crm_mail_clicked = line.get("clicked", 0)
            campaign.crm_mail_replied = line.get("reply", 0)
            campaign.crm_mail_bounced = line.get("bounce", 0)
            campaign.revenue_per_mail = campaign.revenue_paid / sent if sent else 0.0

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list)
        self._check_budget_rights(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals])
        if "budget" in vals and any(
            campaign.sudo().budget != vals["budget"] for campaign in self
        ):
            self._check_budget_rights([vals])
        return super().write(vals)

    def _check_budget_rights(self, vals_list):
        """Salespeople read the budget; only CRM administrators set it (a new
        campaign from a salesperson comes without one)."""
        if self.env.su or self.env.user.has_group("crm_lite.group_crm_lite_manager"):
            return
        if any(vals.get("budget") for vals in vals_list) or (
            self and any("budget" in vals for vals in vals_list)
        ):
            raise AccessError(
                self.env._("Only CRM administrators can set a campaign budget.")
            )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

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
