from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.report_tools import ABC_CLASSES, RFM_SEGMENTS

SOURCES = [
    ("abc", "ABC Class"),
    ("rfm", "RFM Segment"),
    ("customers", "Selected Customers"),
]


class CrmReportsSegmentWizard(models.TransientModel):
    """Turn an ABC class, an RFM segment or a list of customers of the
    customer report into a crm_lite segment, for a mailing or an offer.

    A class or RFM segment gives a segment that follows it (its contacts are
    those of the class when a mailing is sent); selected customers give a
    segment of exactly those customers.
    """

    _name = "crm.reports.segment.wizard"
    _description = "Create a Segment from the Customer Report"
    _check_company_auto = True

    name = fields.Char("Segment Name", required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    source = fields.Selection(SOURCES, required=True, default="abc")
    abc_class = fields.Selection(ABC_CLASSES, "ABC Class", default="A")
    rfm_segment = fields.Selection(RFM_SEGMENTS, "RFM Segment", default="at_risk")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    customer_count = fields.Integer("Customers Now", compute="_compute_customer_count")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "crm.lite.report.customer":
            rows = self.env["crm.lite.report.customer"].browse(
                context.get("active_ids") or []
            )
            if context.get("active_domain") and not rows:
                rows = rows.search(context["active_domain"])
            if rows:
                values["source"] = "customers"
                values["partner_ids"] = [fields.Command.set(rows.partner_id.ids)]
                if len(rows.company_id) == 1:
                    values["company_id"] = rows.company_id.id
        return values

    @api.depends("source", "abc_class", "rfm_segment", "partner_ids", "company_id")
    def _compute_customer_count(self):
        # sudo: a count of customers reveals no document; marketing users who
        # build segments may not read the CRM reports themselves.
        # Only the companies the user works in: the count is computed on an
        # unsaved wizard too, where the company rule does not apply yet.
        Customer = self.env["crm.lite.report.customer"].sudo()
        for wizard in self:
            if wizard.company_id not in self.env.companies:
                wizard.customer_count = 0
                continue
            if wizard.source == "customers":
                wizard.customer_count = len(wizard.partner_ids)
                continue
            wizard.customer_count = Customer.search_count(
                [("company_id", "=", wizard.company_id.id)]
                + wizard._customer_report_domain()
            )

    def _customer_report_domain(self):
        self.ensure_one()
        if self.source == "abc":
            return [("abc_class", "=", self.abc_class)]
        if self.source == "rfm":
            return [("rfm_segment", "=", self.rfm_segment)]
        return [("partner_id", "in", self.partner_ids.ids)]

    def _segment_domain(self):
        """The segment's filter on contacts."""
        self.ensure_one()
        if self.source == "abc":
            if not self.abc_class:
                raise UserError(self.env._("Choose the ABC class of the segment."))
            return [("crm_abc_class", "=", self.abc_class)]
        if self.source == "rfm":
            if not self.rfm_segment:
                raise UserError(self.env._("Choose the RFM segment of the segment."))
            return [("crm_rfm_segment", "=", self.rfm_segment)]
        if not self.partner_ids:
            raise UserError(self.env._("Select the customers of the segment."))
        return [("id", "in", sorted(self.partner_ids.ids))]

    def action_create_segment(self):
        self.ensure_one()
        segment = self.env["crm.lite.segment"].create(
            {
                "name": self.name,
                "company_id": self.company_id.id,
                "domain": repr(self._segment_domain()),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lite.segment",
            "res_id": segment.id,
            "views": [(False, "form")],
            "target": "current",
        }
