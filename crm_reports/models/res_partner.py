from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .report_tools import ABC_CLASSES, RFM_SEGMENTS

# Who reads and filters on a customer's class: CRM users (the customer
# report), and those who read what clients paid (crm_lite's figures).
CLASS_GROUPS = (
    "crm_lite.group_crm_lite_user,"
    "account.group_account_invoice,account.group_account_readonly,"
    "mass_mailing.group_mass_mailing_user"
)


class ResPartner(models.Model):
    """A customer's ABC class and RFM segment in the current company, to be
    used in any partner filter: a crm_lite segment made from a class follows
    it, evaluated when a mailing is sent to the segment."""

    _inherit = "res.partner"

    crm_abc_class = fields.Selection(
        ABC_CLASSES,
        "ABC Class",
        compute="_compute_crm_customer_class",
        search="_search_crm_abc_class",
        groups=CLASS_GROUPS,
        help="Class of the customer in the current company's customer report.",
    )
    crm_rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        "RFM Segment",
        compute="_compute_crm_customer_class",
        search="_search_crm_rfm_segment",
        groups=CLASS_GROUPS,
        help="Segment of the customer in the current company's customer report.",
    )

    @api.depends_context("company", "allowed_company_ids")
    def _compute_crm_customer_class(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        classes = {}
        if commercial_ids:
            # sudo: a class is a figure, not a document; it is the current
            # company's, whatever salesperson the customer has.
            rows = (
                self.env["crm.lite.report.customer"]
                .sudo()
                .search_read(
                    [
                        ("partner_id", "in", commercial_ids),
                        ("company_id", "=", self.env.company.id),
                    ],
                    ["partner_id", "abc_class", "rfm_segment"],
                )
            )
            classes = {
                row["partner_id"][0]: (row["abc_class"], row["rfm_segment"])
                for row in rows
            }
        for partner in self:
            abc, rfm = classes.get(partner.commercial_partner_id.id, (False, False))
            partner.crm_abc_class = abc
            partner.crm_rfm_segment = rfm

    def _crm_check_class_access(self):
        if not self.env.su and not self.env.user.has_groups(CLASS_GROUPS):
            raise AccessError(
                self.env._("You are not allowed to filter contacts on their class.")
            )

    def _crm_search_customer_column(self, column, operator, value):
        """Partners whose customer row (in the companies of the user) has
        ``column`` equal to (or in) ``value``: the customers themselves, not
        their contacts."""
        self._crm_check_class_access()
        if operator in ("=", "!="):
            values = [value] if value else []
        elif operator in ("in", "not in"):
            values = list(value or [])
        else:
            raise ValueError(f"Unsupported operator {operator}")
        positive = operator in ("=", "in")
        if not values:
            # "= False": partners that are not classified customers.
            positive = not positive
            values_filter = SQL("TRUE")
        else:
            values_filter = SQL("%s IN %s", SQL.identifier(column), tuple(values))
        # sudo: classes are figures computed over every customer of the
        # company; reading them reveals no document.
        report = self.env["crm.lite.report.customer"].sudo()
        customers = SQL(
            "(SELECT partner_id FROM %s customer WHERE company_id IN %s AND %s)",
            report._table_sql,
            tuple(self.env.companies.ids),
            values_filter,
        )
        return [("id", "in" if positive else "not in", customers)]

    def _search_crm_abc_class(self, operator, value):
        return self._crm_search_customer_column("abc_class", operator, value)

    def _search_crm_rfm_segment(self, operator, value):
        return self._crm_search_customer_column("rfm_segment", operator, value)
