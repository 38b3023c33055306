from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

OPERATORS = {
    "=": "=",
    "!=": "<>",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
# On accounting's table, named for crm_lite: its uninstall hook drops it.
CUSTOMER_MOVES_INDEX = "crm_lite_account_move_commercial_partner_index"
# Who reads and filters on what clients paid.
FIGURE_GROUPS = (
    "crm_lite.group_crm_lite_user,"
    "account.group_account_invoice,account.group_account_readonly"
)


class ResPartner(models.Model):
    """Figures segments filter on: what a client paid, since when, and
    whether a deal is open. Computed from accounting and deals when read,
    searchable so that they can be used in any partner filter.

    They span the companies the user works in, converted to the current
    company's currency; the search methods answer with SQL subqueries, so that
    a filter on 200 000 clients never loads them into Python.
    """

    _inherit = "res.partner"

    crm_total_paid = fields.Monetary(
        "Total Paid",
        compute="_compute_crm_payment_figures",
        search="_search_crm_total_paid",
        currency_field="crm_currency_id",
        groups=FIGURE_GROUPS,
        help="Paid on customer invoices, net of credit notes, in the currency of "
        "the current company.",
    )
    crm_last_paid_invoice_date = fields.Date(
        "Last Paid Invoice",
        compute="_compute_crm_payment_figures",
        groups=FIGURE_GROUPS,
        help="Day the latest fully paid invoice got its last payment.",
    )
    crm_days_since_last_paid_invoice = fields.Integer(
        "Days Since Last Paid Invoice",
        compute="_compute_crm_payment_figures",
        search="_search_crm_days_since_last_paid_invoice",
        groups=FIGURE_GROUPS,
        help="Days since the latest fully paid invoice got its last payment. "
        "Clients who never paid an invoice match no condition on this field.",
    )
    crm_has_open_deal = fields.Boolean(
        "Has Open Deal",
        compute="_compute_crm_has_open_deal",
        search="_search_crm_has_open_deal",
        groups=FIGURE_GROUPS,
    )

    def init(self):
        result = super().init()
        # What a client paid is read from their customer invoices and credit
        # notes, found by commercial partner, like accounting's own "days
        # sales outstanding" on the same form: accounting has no such index,
        # and each partner form would scan every journal entry of the company.
        if not index_exists(self.env.cr, CUSTOMER_MOVES_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON account_move (commercial_partner_id)",
                    SQL.identifier(CUSTOMER_MOVES_INDEX),
                )
            )
        return result

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends_context("uid", "allowed_company_ids", "company")
    def _compute_crm_payment_figures(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        figures = {}
        if commercial_ids:
            # sudo: figures, not documents; limited to the user's companies.
            figures = (
                self.env["account.move"]
                .sudo()
                ._crm_get_paid_amounts(
                    [
                        ("commercial_partner_id", "in", commercial_ids),
                        ("company_id", "in", self.env.companies.ids),
                    ],
                    "commercial_partner_id",
                )
            )
        by_partner = {}
        for (partner_id, company_id), paid in figures.items():
            by_partner.setdefault(partner_id, []).append((company_id, paid))
        to_currency = self.env["res.currency"]._crm_sum_in_company_currency
        today = fields.Date.context_today(self)
        for partner in self:
            rows = by_partner.get(partner.commercial_partner_id.id, [])
            last_date = max(
                (paid.last_paid_date for _company, paid in rows if paid.last_paid_date),
                default=False,
            )
            partner.crm_total_paid = to_currency(
                (company, paid.paid) for company, paid in rows
            )
            partner.crm_last_paid_invoice_date = last_date
            partner.crm_days_since_last_paid_invoice = (
                (today - last_date).days if last_date else 0
            )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_crm_has_open_deal(self):
        partner_ids = [pid for pid in self.ids if pid]
        open_ids = set()
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    "SELECT partner_id FROM (%s) open_deal WHERE partner_id IN %s",
                    self._crm_open_deal_partners_query(),
                    tuple(partner_ids),
                )
            )
            open_ids = {partner_id for (partner_id,) in self.env.cr.fetchall()}
        for partner in self:
            partner.crm_has_open_deal = partner.id in open_ids

    # ------------------------------------------------------------
    # SEARCHES
    # ------------------------------------------------------------

    def _crm_check_figure_access(self):
        """The figures are computed in superuser mode: a filter on them tells
        who paid what, so it is refused to users who may not read them."""
        if not self.env.su and not self.env.user.has_groups(FIGURE_GROUPS):
            raise AccessError(
                self.env._("You are not allowed to filter contacts on what they paid.")
            )

    def _crm_paid_by_client_query(self):
        """Rows ``(client id, paid, last paid date)``: one per commercial
        partner that has posted customer invoices in the user's companies,
        paid converted to the current company's currency."""
        # sudo: figures, not documents; limited to the user's companies.
        paid_query = (
            self.env["account.move"]
            .sudo()
            ._crm_paid_amounts_query(
                [("company_id", "in", self.env.companies.ids)],
                "commercial_partner_id",
            )
        )
        # The rate of each company's currency to the current one, today.
        to_currency = self.env["res.currency"]._crm_sum_in_company_currency
        rates = SQL(", ").join(
            SQL("(%s, %s)", company.id, to_currency([(company, 1.0)]) or 0.0)
            for company in self.env.companies
        )
        return SQL(
            """
            SELECT figures.group_id AS client_id,
                   SUM(figures.paid * rate.factor) AS paid,
                   MAX(figures.last_paid_date) AS last_paid_date
              FROM (%(paid)s) figures
              JOIN (VALUES %(rates)s) AS rate(company_id, factor)
                ON rate.company_id = figures.company_id
          GROUP BY figures.group_id
            """,
            paid=paid_query,
            rates=rates,
        )

    def _crm_partners_of_clients(self, clients_query):
        """Partners (clients and their contacts) whose commercial partner is
        in ``clients_query`` (an SQL selecting ids)."""
        return SQL(
            "(SELECT partner.id FROM res_partner partner "
            "WHERE partner.commercial_partner_id IN (%s))",
            clients_query,
        )

    def _search_crm_total_paid(self, operator, value):
        self._crm_check_figure_access()
        sql_operator = OPERATORS.get(operator)
        if sql_operator is None:
            raise ValueError(f"Unsupported operator {operator}")
        value = value or 0.0
        clients = self._crm_paid_by_client_query()
        matching = SQL(
            "SELECT client_id FROM (%s) client WHERE client.paid %s %s",
            clients,
            SQL(sql_operator),
            value,
        )
        if _compare(0.0, operator, value):
            # Clients who never paid count as 0: "paid below 100" includes them.
            failing = SQL(
                "SELECT client_id FROM (%s) client WHERE NOT (client.paid %s %s)",
                clients,
                SQL(sql_operator),
                value,
            )
            return [("id", "not in", self._crm_partners_of_clients(failing))]
        return [("id", "in", self._crm_partners_of_clients(matching))]

    def _search_crm_days_since_last_paid_invoice(self, operator, value):
        self._crm_check_figure_access()
        sql_operator = OPERATORS.get(operator)
        if sql_operator is None:
            raise ValueError(f"Unsupported operator {operator}")
        today = fields.Date.context_today(self)
        matching = SQL(
            "SELECT client_id FROM (%s) client WHERE client.last_paid_date IS NOT NULL "
            "AND (%s - client.last_paid_date) %s %s",
            self._crm_paid_by_client_query(),
            today,
            SQL(sql_operator),
            int(value or 0),
        )
        return [("id", "in", self._crm_partners_of_clients(matching))]

    def _search_crm_has_open_deal(self, operator, value):
        self._crm_check_figure_access()
        if operator not in ("=", "!="):
            raise ValueError(f"Unsupported operator {operator}")
        positive = (operator == "=") == bool(value)
        partners = SQL(
            "(SELECT partner_id FROM (%s) open_deal)",
            self._crm_open_deal_partners_query(),
        )
        return [("id", "in" if positive else "not in", partners)]

    def _crm_open_deal_partners_query(self):
        """Partners that are the contact or organization of an open deal in
        the user's companies (whoever the deal's salesperson is)."""
        self.env["crm.lite.deal"].flush_model(
            ["partner_id", "organization_id", "stage_kind", "active", "company_id"]
        )
        companies = tuple(self.env.companies.ids)
        return SQL(
            """
            SELECT partner_id FROM crm_lite_deal
             WHERE active AND stage_kind = 'open' AND partner_id IS NOT NULL
               AND company_id IN %(companies)s
             UNION
            SELECT organization_id FROM crm_lite_deal
             WHERE active AND stage_kind = 'open' AND organization_id IS NOT NULL
               AND company_id IN %(companies)s
            """,
            companies=companies,
        )


def _compare(left, operator, right):
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]
