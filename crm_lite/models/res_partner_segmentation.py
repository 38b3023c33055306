import operator as py_operator

from odoo import api, fields, models

OPERATORS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


class ResPartner(models.Model):
    """Figures segments filter on: what a client paid, since when, and
    whether a deal is open. Computed from accounting and deals when read,
    searchable so that they can be used in any partner filter."""

    _inherit = "res.partner"

    crm_total_paid = fields.Monetary(
        "Total Paid",
        compute="_compute_crm_payment_figures",
        search="_search_crm_total_paid",
        currency_field="crm_currency_id",
        help="Paid on customer invoices, net of credit notes, in company currency.",
    )
    crm_last_paid_invoice_date = fields.Date(
        "Last Paid Invoice",
        compute="_compute_crm_payment_figures",
    )
    crm_days_since_last_paid_invoice = fields.Integer(
        "Days Since Last Paid Invoice",
        compute="_compute_crm_payment_figures",
        search="_search_crm_days_since_last_paid_invoice",
        help="Days since the date of the latest fully paid invoice. Clients who "
        "never paid an invoice match no condition on this field.",
    )
    crm_has_open_deal = fields.Boolean(
        "Has Open Deal",
        compute="_compute_crm_has_open_deal",
        search="_search_crm_has_open_deal",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.model
    def _crm_paid_by_commercial_partner(self, partner_ids=None):
        """{commercial partner id: (net paid, last paid invoice date)}."""
        domain = [
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("company_id", "in", self.env.companies.ids),
        ]
        if partner_ids is not None:
            domain.append(("commercial_partner_id", "in", partner_ids))
        moves = self.env["account.move"].sudo()  # figures, not documents
        figures = {}
        for partner, total, residual in moves._read_group(
            domain,
            ["commercial_partner_id"],
            ["amount_total_signed:sum", "amount_residual_signed:sum"],
        ):
            # Same rule as on deals: open credit notes offset what is owed,
            # beyond that they lower what was paid.
            figures[partner.id] = [total - max(residual, 0.0), False]
        for partner, last_date in moves._read_group(
            domain
            + [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("paid", "in_payment")),
            ],
            ["commercial_partner_id"],
            ["invoice_date:max"],
        ):
            figures.setdefault(partner.id, [0.0, False])[1] = last_date
        return figures

    @api.depends_context("allowed_company_ids")
    def _compute_crm_payment_figures(self):
        commercial = self.commercial_partner_id
        figures = self._crm_paid_by_commercial_partner(commercial.ids)
        today = fields.Date.context_today(self)
        for partner in self:
            paid, last_date = figures.get(
                partner.commercial_partner_id.id, (0.0, False)
            )
            partner.crm_total_paid = paid
            partner.crm_last_paid_invoice_date = last_date
            partner.crm_days_since_last_paid_invoice = (
                (today - last_date).days if last_date else 0
            )

    def _compute_crm_has_open_deal(self):
        deals = self.env["crm.lite.deal"].sudo()  # a flag, not the deals
        open_ids = set()
        for field in ("partner_id", "organization_id"):
            for (partner,) in deals._read_group(
                [(field, "in", self.ids), ("stage_kind", "=", "open")], [field]
            ):
                open_ids.add(partner.id)
        for partner in self:
            partner.crm_has_open_deal = partner.id in open_ids

    # ------------------------------------------------------------
    # SEARCHES
    # ------------------------------------------------------------

    def _crm_domain_from_values(self, values, operator, value):
        """Partners whose commercial partner's value satisfies the condition.

        ``values`` maps commercial partner ids to their figure; partners absent
        from it count as 0 so that "paid below 100" includes those who never
        paid anything.
        """
        compare = OPERATORS.get(operator)
        if compare is None:
            raise ValueError(f"Unsupported operator {operator}")
        value = value or 0
        matching = [pid for pid, figure in values.items() if compare(figure, value)]
        if compare(0, value):
            failing = [pid for pid in values if pid not in set(matching)]
            return [("commercial_partner_id", "not in", failing)]
        return [("commercial_partner_id", "in", matching)]

    def _search_crm_total_paid(self, operator, value):
        figures = self._crm_paid_by_commercial_partner()
        return self._crm_domain_from_values(
            {pid: paid for pid, (paid, _date) in figures.items()}, operator, value
        )

    def _search_crm_days_since_last_paid_invoice(self, operator, value):
        compare = OPERATORS.get(operator)
        if compare is None:
            raise ValueError(f"Unsupported operator {operator}")
        today = fields.Date.context_today(self)
        figures = self._crm_paid_by_commercial_partner()
        matching = [
            pid
            for pid, (_paid, last_date) in figures.items()
            if last_date and compare((today - last_date).days, value or 0)
        ]
        return [("commercial_partner_id", "in", matching)]

    def _search_crm_has_open_deal(self, operator, value):
        if operator not in ("=", "!="):
            raise ValueError(f"Unsupported operator {operator}")
        deals = self.env["crm.lite.deal"].sudo()  # a flag, not the deals
        partner_ids = set()
        for field in ("partner_id", "organization_id"):
            for (partner,) in deals._read_group(
                [("stage_kind", "=", "open"), (field, "!=", False)], [field]
            ):
                partner_ids.add(partner.id)
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", list(partner_ids))]
