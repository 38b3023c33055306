from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund")

PaidFigures = namedtuple(
    "PaidFigures", ["invoiced", "paid", "last_paid_date", "paid_count"]
)
PaidFigures.__doc__ = """What a group of customer invoices and credit notes
brought in, in the currency of their company.

- ``invoiced``: posted invoices minus posted credit notes;
- ``paid``: what the customer paid, net of credit notes (see
  ``account.move._crm_get_paid_amounts``);
- ``last_paid_date``: the day the latest fully paid invoice got its last
  payment (False when none is fully paid);
- ``paid_count``: how many invoices are fully paid.
"""
NO_PAYMENT = PaidFigures(0.0, 0.0, False, 0)


class AccountMove(models.Model):
    _inherit = "account.move"

    deal_id = fields.Many2one(
        "crm.lite.deal",
        index="btree_not_null",
        copy=True,
        tracking=True,
        # The customer's deals: partner_id rather than commercial_partner_id,
        # which a new invoice only gets once saved; none without a customer.
        domain="[('company_id', '=', company_id), "
        "'|', ('organization_id', 'parent_of', partner_id or []), "
        "('partner_id.commercial_partner_id', 'parent_of', partner_id or [])]",
        help="The deal this invoice or credit note belongs to; credit notes "
        "and copies keep it.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("deal_id", "partner_id", "company_id", "move_type")
    def _check_deal_consistency(self):
        for move in self.filtered("deal_id"):
            # sudo: the accountant may not read the deal (another salesperson's,
            # not invoiced yet); the check must still run. The messages name
            # nothing the user could not read.
            deal = move.deal_id.sudo()
            if move.move_type not in CUSTOMER_MOVE_TYPES:
                raise ValidationError(
                    self.env._(
                        "Only customer invoices and credit notes can be linked "
                        "to a deal."
                    )
                )
            if deal.company_id != move.company_id:
                raise ValidationError(
                    self.env._(
                        "Invoice %(move)s and its deal belong to different companies.",
                        move=move.display_name,
                    )
                )
            customers = (deal.organization_id | deal.partner_id).commercial_partner_id
            if move.commercial_partner_id not in customers:
                raise ValidationError(
                    self.env._(
                        "Invoice %(move)s is for %(customer)s, not for the customer "
                        "of the deal it is linked to.",
                        move=move.display_name,
                        customer=move.commercial_partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves.filtered("deal_id")._check_deal_linkable()
        return moves

    def write(self, vals):
        result = super().write(vals)
        if vals.get("deal_id"):
            self._check_deal_linkable()
        return result

    def _check_deal_linkable(self):
        """Only a deal the user may see, or an open deal of the invoice's
        customer for accountants, can be linked to an invoice."""
        if self.env.su:
            return
        deals = self.deal_id
        readable = deals._filtered_access("read")
        if deals - readable and not self.env.user.has_group(
            "account.group_account_invoice"
        ):
            raise AccessError(
                self.env._("You cannot link an invoice to a deal you cannot see.")
            )
        # Accountants may pick the deals of the invoice's customer they cannot
        # read (never invoiced yet): _check_deal_consistency makes sure it is
        # the same customer and company.

    # ------------------------------------------------------------
    # PAYMENTS
    # ------------------------------------------------------------

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        deals = self.filtered(lambda m: m.move_type == "out_invoice").deal_id
        if deals:
            # sudo: the accountant registering the payment may not read the deal.
            deals.sudo()._invoices_paid_hook()
        return result

    @api.model
    def _crm_get_paid_amounts(self, domain, groupby, date_to=None):
        """What customers paid, grouped: the one rule of the suite.

        Over the posted customer invoices and credit notes matching ``domain``,
        grouped by ``groupby`` (a stored many2one of ``account.move``, e.g.
        ``deal_id`` or ``commercial_partner_id``) and by company, in each
        company's currency:

        - invoiced = posted invoices - posted credit notes;
        - paid = min(reconciled on invoices - reconciled on credit notes,
          invoiced). Money received counts, money given back (a credit note
          refunded, or reconciled with an invoice) does not, and an open credit
          note first lowers what the customer still owes, then what they paid.
          It is ``invoiced - max(sum of residuals, 0)`` written with
          reconciliations, so that it can be read at any date.

        :param list domain: conditions on ``account.move``, evaluated with the
            caller's access rights (call it with ``sudo()`` for figures that
            users see without reading the invoices)
        :param str groupby: name of a stored many2one field of ``account.move``
        :param date date_to: count only invoices, credit notes and
            reconciliations (payment dates) up to this day; None: everything
        :return: ``{(group id, company id): PaidFigures}``; groups without a
            posted move are absent (read them as ``NO_PAYMENT``)
        """
        self.env.cr.execute(self._crm_paid_amounts_query(domain, groupby, date_to))
        return {
            (group_id, company_id): PaidFigures(
                float(invoiced), float(paid), last_date or False, count
            )
            for group_id, company_id, invoiced, paid, last_date, count in (
                self.env.cr.fetchall()
            )
        }

    @api.model
    def _crm_paid_amounts_query(self, domain, groupby, date_to=None):
        """The SQL of ``_crm_get_paid_amounts``, to be used as a subquery.

        Its rows are ``(group_id, company_id, invoiced, paid, last_paid_date,
        paid_count)``, amounts in each company's currency; see
        ``_crm_get_paid_amounts`` for the rule and the parameters.
        """
        field = self._fields.get(groupby)
        if not field or field.type != "many2one" or not field.store:
            raise ValueError(f"Cannot group paid amounts by {groupby!r}")
        query = self._search(
            list(domain)
            + [("state", "=", "posted"), ("move_type", "in", CUSTOMER_MOVE_TYPES)]
        )
        # Pending ORM changes must reach the database before it is read.
        self.env["account.move"].flush_model(
            ["state", "move_type", "amount_total_signed", "date", "company_id", groupby]
        )
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount", "max_date"]
        )
        date_filter = SQL("TRUE")
        partial_filter = SQL("TRUE")
        if date_to:
            date_filter = SQL("m.date <= %s", date_to)
            partial_filter = SQL("p.max_date <= %s", date_to)
        return SQL(
            """
            WITH moves AS (
                SELECT m.id, m.company_id, m.move_type, m.amount_total_signed,
                       m.%(group)s AS group_id
                  FROM account_move m
                 WHERE m.id IN %(moves)s AND m.%(group)s IS NOT NULL
                   AND %(date_filter)s
            ), reconciled AS (
                SELECT l.move_id, SUM(p.amount) AS amount,
                       MAX(p.max_date) AS last_date
                  FROM account_move_line l
                  JOIN account_partial_reconcile p
                    ON p.debit_move_id = l.id OR p.credit_move_id = l.id
                 WHERE l.move_id IN (SELECT id FROM moves)
                   AND l.display_type = 'payment_term'
                   AND %(partial_filter)s
              GROUP BY l.move_id
            ), figures AS (
                SELECT m.group_id, m.company_id,
                       SUM(m.amount_total_signed) AS invoiced,
                       SUM(CASE WHEN m.move_type = 'out_invoice'
                                THEN COALESCE(r.amount, 0)
                                ELSE -COALESCE(r.amount, 0) END) AS reconciled,
                       MAX(r.last_date) FILTER (
                           WHERE m.move_type = 'out_invoice'
                             AND r.amount >= m.amount_total_signed) AS last_paid_date,
                       COUNT(*) FILTER (
                           WHERE m.move_type = 'out_invoice'
                             AND r.amount >= m.amount_total_signed) AS paid_count
                  FROM moves m
             LEFT JOIN reconciled r ON r.move_id = m.id
              GROUP BY m.group_id, m.company_id
            )
            SELECT group_id, company_id, invoiced,
                   LEAST(reconciled, invoiced) AS paid, last_paid_date, paid_count
              FROM figures
            """,
            group=SQL.identifier(groupby),
            moves=query.subselect(),
            date_filter=date_filter,
            partial_filter=partial_filter,
        )
