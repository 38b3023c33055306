from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

AUDIENCES = [
    ("segment", "Customers of a Segment"),
    ("lost", "Customers of Lost Deals"),
    ("inactive", "Customers Without a Paid Invoice Lately"),
]


class CrmLoyaltyOfferWizard(models.TransientModel):
    """Targeted offers: personal coupons of a coupon or next-order program for
    the customers of a segment, of lost deals, or who have not paid an invoice
    for a while; optionally announced by an Email Marketing mailing that
    gives each customer their code."""

    _name = "crm.loyalty.offer.wizard"
    _description = "Issue Personal Coupons to Customers"

    program_id = fields.Many2one(
        "loyalty.program",
        required=True,
        domain="[('program_type', 'in', ('coupons', 'next_order_coupons')), "
        "('invoice_ok', '=', True)]",
    )
    audience = fields.Selection(AUDIENCES, required=True, default="segment")
    segment_id = fields.Many2one("crm.lite.segment")
    lost_since = fields.Date(help="Only deals lost on or after this day; empty: all.")
    inactive_days = fields.Integer(
        "Days Without a Paid Invoice",
        default=180,
        help="Customers whose last fully paid invoice is at least this old.",
    )
    points = fields.Float(
        "Points per Coupon",
        default=1.0,
        help="What each coupon holds; a reward needing this many points can be "
        "claimed with it.",
    )
    valid_until = fields.Date()
    description = fields.Char(
        default=lambda self: self.env._("Targeted offer"),
        help="Written in the coupons' history.",
    )
    send_mailing = fields.Boolean(
        "Prepare a Mailing",
        help="Prepare an Email Marketing mailing to these customers, giving each "
        "their code.",
    )
    mailing_subject = fields.Char(
        "Subject", default=lambda self: self.env._("A gift for you")
    )
    partner_ids = fields.Many2many(
        "res.partner", compute="_compute_partner_ids", string="Customers"
    )
    partner_count = fields.Integer(compute="_compute_partner_ids", string="Coupons")

    @api.depends("audience", "segment_id", "lost_since", "inactive_days")
    def _compute_partner_ids(self):
        for wizard in self:
            partners = wizard._get_partners()
            wizard.partner_ids = partners
            wizard.partner_count = len(partners)

    def _get_partners(self):
        self.ensure_one()
        Partner = self.env["res.partner"]
        if self.audience == "segment":
            return self.segment_id._get_partners() if self.segment_id else Partner
        if self.audience == "lost":
            domain = [
                ("stage_kind", "=", "lost"),
                ("company_id", "in", self.env.companies.ids),
            ]
            if self.lost_since:
                domain.append(("date_closed", ">=", self.lost_since))
            deals = (
                self.env["crm.lite.deal"].with_context(active_test=False).search(domain)
            )
            return (deals.organization_id | deals.partner_id).filtered(
                lambda p: not (p.parent_id and p.parent_id in deals.organization_id)
            )
        if self.inactive_days <= 0:
            return Partner
        return Partner.search(
            [
                ("crm_days_since_last_paid_invoice", ">=", self.inactive_days),
                ("parent_id", "=", False),
            ]
        )

    def action_issue(self):
        """Issue one personal coupon per customer; prepare the mailing."""
        self.ensure_one()
        if self.points <= 0:
            raise UserError(self.env._("A coupon holds a positive number of points."))
        program = self.program_id
        if program.company_id and program.company_id not in self.env.companies:
            raise UserError(
                self.env._("Choose a program of a company you are working in.")
            )
        partners = self._get_partners()
        if not partners:
            raise UserError(self.env._("No customer matches this audience."))
        if self.send_mailing and not self.env["mailing.mailing"].has_access("create"):
            raise UserError(
                self.env._("Preparing a mailing needs Email Marketing rights.")
            )
        cards = (
            self.env["loyalty.card"]
            .with_context(loyalty_no_mail=self.send_mailing)
            .create(
                [
                    {
                        "program_id": program.id,
                        "partner_id": partner.id,
                        "points": self.points,
                        "expiration_date": self.valid_until,
                    }
                    for partner in partners
                ]
            )
        )
        self.env["loyalty.history"].create(
            [
                {
                    "card_id": card.id,
                    "description": self.description or self.env._("Targeted offer"),
                    "issued": self.points,
                }
                for card in cards
            ]
        )
        if self.send_mailing:
            return self._prepare_mailing(partners)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Coupons Issued"),
            "res_model": "loyalty.card",
            "view_mode": "list,form",
            "domain": [("id", "in", cards.ids)],
            "context": {"create": False},
        }

    def _prepare_mailing(self, partners):
        body = Markup(
            "<p>%(hello)s</p><p>%(text)s <strong>"
            '<t t-out="object.loyalty_coupon_code"/></strong></p>'
        ) % {
            "hello": self.env._("Hello,"),
            "text": self.env._(
                "Here is your personal code, to use on your next order:"
            ),
        }
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": self.mailing_subject or self.program_id.name,
                "mailing_type": "mail",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", partners.ids)]),
                "body_arch": body,
                "body_html": body,
                "loyalty_program_id": self.program_id.id,
                "campaign_id": self.program_id.campaign_id.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
