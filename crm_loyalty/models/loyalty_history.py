from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .tools import LOYALTY_GUARD, loyalty_guarded

ENTRY_TYPES = [
    ("earned", "Earned"),
    ("spent", "Redeemed"),
    ("expired", "Expired"),
]


class LoyaltyHistory(models.Model):
    """Odoo's points ledger, used for invoices too: rows point at the invoice
    (``order_model`` = ``account.move``), earnings carry their expiration date,
    and, when the company books it, each row moves the points liability."""

    _inherit = "loyalty.history"

    entry_type = fields.Selection(
        ENTRY_TYPES,
        "Type",
        readonly=True,
        help="What the row records for an invoice or for the expiry job; empty "
        "for rows of other channels.",
    )
    expiration_date = fields.Date(
        "Points Expire On",
        readonly=True,
        help="For points issued on a card of a program with a validity: the day "
        "they expire.",
    )
    points_short = fields.Float(
        "Not Taken Back",
        readonly=True,
        help="Points that should have been taken back but were already spent: "
        "the balance never goes below zero.",
    )
    liability_move_id = fields.Many2one(
        "account.move",
        "Liability Entry",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Journal entry that booked the points liability of this row.",
    )
    date = fields.Date(compute="_compute_date")
    # Invoices read their rows at every posting and payment; balances, the
    # expiry job and the partner form read a card's rows (benchmark at scale
    # 1: a customer's points 143 -> 28 ms, the expiry job 18.7 -> 10.8 s).
    order_id = fields.Many2oneReference(index="btree_not_null")
    card_id = fields.Many2one(index=True)

    @api.depends("create_date")
    def _compute_date(self):
        for row in self:
            row.date = row.create_date and row.create_date.date()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        guarded = loyalty_guarded(self.env)
        today = fields.Date.context_today(self)
        cards = self.env["loyalty.card"].browse(
            {vals["card_id"] for vals in vals_list if vals.get("card_id")}
        )
        validity = {card.id: card.program_id.points_validity_months for card in cards}
        for vals in vals_list:
            if not guarded and (
                vals.get("order_model") == "account.move"
                or vals.get("entry_type")
                or vals.get("points_short")
                or vals.get("liability_move_id")
            ):
                raise UserError(
                    self.env._(
                        "Points history of invoices is written by the invoices "
                        "themselves: it cannot be created by hand."
                    )
                )
            months = validity.get(vals.get("card_id"))
            if months and vals.get("issued", 0) > 0 and "expiration_date" not in vals:
                vals["expiration_date"] = today + relativedelta(months=months)
        rows = super().create(vals_list)
        rows._loyalty_book_liability()
        return rows

    def write(self, vals):
        if not loyalty_guarded(self.env) and (
            vals.get("order_model") == "account.move"
            or any(row._loyalty_is_protected() for row in self)
            or {"entry_type", "points_short", "liability_move_id", "expiration_date"}
            & set(vals)
        ):
            raise UserError(
                self.env._(
                    "Points history written by invoices, the expiry job or the "
                    "liability booking cannot be changed."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_written_by_invoices(self):
        if loyalty_guarded(self.env):
            return
        if any(row.order_model == "account.move" or row.entry_type for row in self):
            raise UserError(
                self.env._(
                    "Points history written by invoices or the expiry job cannot be "
                    "deleted."
                )
            )

    def unlink(self):
        # A row of another channel deleted (a sales order cancelled): its
        # effect on the booked liability is undone.
        self.filtered("liability_move_id")._loyalty_book_liability(reverse=True)
        return super().unlink()

    def _loyalty_is_protected(self):
        self.ensure_one()
        return bool(
            self.order_model == "account.move"
            or self.entry_type
            or self.liability_move_id
        )

    # ------------------------------------------------------------
    # PORTAL
    # ------------------------------------------------------------

    def _get_order_portal_url(self):
        if self.order_id and self.order_model == "account.move":
            return self.env["account.move"].browse(self.order_id).get_portal_url()
        return super()._get_order_portal_url()

    # ------------------------------------------------------------
    # LIABILITY
    # ------------------------------------------------------------

    def _loyalty_book_liability(self, reverse=False):
        """Book what these rows change in the points owed to customers, in the
        companies that book it: points issued are an expense and a liability at
        the program's point value; points used or expired release it. The
        company is the one that owes the card's points (the program's, or for
        a program of all companies the card's own, see
        ``loyalty.card._loyalty_liability_company_sql``), wherever the points
        were used."""
        # sudo: the rows' cards and programs are read for the bookkeeping,
        # whoever moved the points.
        rows = self.sudo()
        companies = rows.card_id._loyalty_liability_companies()
        points = defaultdict(float)  # (company, program): points
        rows_by_company = defaultdict(list)
        for row in rows:
            company = companies.get(row.card_id.id)
            program = row.card_id.program_id
            delta = (row.issued or 0.0) - (row.used or 0.0)
            if (
                not company
                or not delta
                or not program.point_value
                or not company._loyalty_booking_enabled()
            ):
                continue
            points[company, program] += -delta if reverse else delta
            rows_by_company[company].append(row.id)
        amounts = defaultdict(dict)  # company: {program: amount}
        today = fields.Date.context_today(self)
        for (company, program), total in points.items():
            amounts[company][program] = program.currency_id._convert(
                total * program.point_value, company.currency_id, company, today
            )
        for company, per_program in amounts.items():
            move = self._loyalty_post_liability_entry(company, per_program)
            if move and not reverse:
                self.browse(rows_by_company[company]).with_context(
                    crm_loyalty_guard=LOYALTY_GUARD
                ).liability_move_id = move

    def _loyalty_post_liability_entry(self, company, per_program):
        """Post one entry in the loyalty journal for ``{program: amount}``
        (positive: more owed to customers)."""
        currency = company.currency_id
        line_values = []
        for program, amount in per_program.items():
            amount = currency.round(amount)
            if currency.is_zero(amount):
                continue
            label = (
                self.env._("Loyalty points issued: %(program)s", program=program.name)
                if amount > 0
                else self.env._(
                    "Loyalty points redeemed or expired: %(program)s",
                    program=program.name,
                )
            )
            common = {"name": label, "loyalty_program_id": program.id}
            line_values += [
                {
                    **common,
                    "account_id": company.loyalty_expense_account_id.id,
                    "debit": max(amount, 0.0),
                    "credit": max(-amount, 0.0),
                },
                {
                    **common,
                    "account_id": company.loyalty_liability_account_id.id,
                    "debit": max(-amount, 0.0),
                    "credit": max(amount, 0.0),
                },
            ]
        if not line_values:
            return self.env["account.move"]
        # sudo: the entry books points movements the user was allowed to make
        # (post an invoice, register a payment); bookkeeping of the points is
        # the application's, whatever the user's accounting rights.
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company.loyalty_journal_id.id,
                    "company_id": company.id,
                    "date": fields.Date.context_today(self),
                    "ref": self.env._("Loyalty points liability"),
                    "line_ids": [(0, 0, values) for values in line_values],
                }
            )
        )
        move.action_post()
        return move.sudo(False)
