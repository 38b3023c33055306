from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero

from .tools import guarded, lock_rows

POINTS_DIGITS = 2


class LoyaltyCard(models.Model):
    """Cards and coupons used on customer invoices: the invoice that issued
    them, how often invoices used them, and when their points expire."""

    _inherit = "loyalty.card"

    invoice_id = fields.Many2one(
        "account.move",
        "Invoice Reference",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The customer invoice that issued this coupon.",
    )
    points_expiration_date = fields.Date(
        "Next Expiry",
        compute="_compute_points_expiration",
        help="Day the oldest points still on the card expire.",
    )
    points_expiring = fields.Float(
        compute="_compute_points_expiration",
        help="Points that expire on the next expiry day.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    def _compute_use_count(self):
        super()._compute_use_count()
        card_ids = [card_id for card_id in self.ids if card_id]
        if not card_ids:
            return
        # sudo: a count of the invoices that used the coupon, shown with it.
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("coupon_id", "in", card_ids),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("parent_state", "=", "posted"),
                ],
                ["coupon_id"],
                ["move_id:count_distinct"],
            )
        )
        counts = {coupon.id: count for coupon, count in groups}
        for card in self:
            card.use_count += counts.get(card.id, 0)

    @api.depends("points", "history_ids")
    def _compute_points_expiration(self):
        today = fields.Date.context_today(self)
        lots = self._loyalty_points_lots()
        for card in self:
            upcoming = [
                (expiry, remaining)
                for _date, expiry, remaining in lots.get(card.id, [])
                if expiry and expiry > today and remaining > 0
            ]
            next_date = min((expiry for expiry, _r in upcoming), default=False)
            card.points_expiration_date = next_date
            card.points_expiring = sum(
                remaining for expiry, remaining in upcoming if expiry == next_date
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_on_invoices(self):
        # sudo: the check covers every invoice, readable or not.
        history = self.env["loyalty.history"].sudo()
        if history.search_count(
            [("card_id", "in", self.ids), ("order_model", "=", "account.move")],
            limit=1,
        ):
            raise UserError(
                self.env._(
                    "This card or coupon has points history on invoices: archive it "
                    "instead of deleting it."
                )
            )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _loyalty_lock(self):
        """Lock the cards' rows until the end of the transaction, so that two
        transactions never spend the same points or the same coupon; a second
        one fails at once with a clear message instead of waiting."""
        lock_rows(self)

    @api.model
    def _loyalty_liability_company_sql(self, card_alias="card"):
        """SQL of the company that owes the points of the card ``card_alias``
        (a ``loyalty_card`` row): the program's company; for a program of all
        companies, the company of the invoice that made the card, else of the
        customer, else of the first invoice that moved its points. The
        liability booking and the "Points liability" report both use it, so
        that the report equals the books company by company."""
        card = SQL.identifier(card_alias)
        return SQL(
            """COALESCE(
                %(card)s.company_id,
                (SELECT move.company_id FROM account_move move
                  WHERE move.id = %(card)s.invoice_id),
                (SELECT partner.company_id FROM res_partner partner
                  WHERE partner.id = %(card)s.partner_id),
                (SELECT move.company_id
                   FROM loyalty_history history
                   JOIN account_move move ON move.id = history.order_id
                  WHERE history.card_id = %(card)s.id
                    AND history.order_model = 'account.move'
               ORDER BY history.id
                  LIMIT 1)
            )""",
            card=card,
        )

    def _loyalty_liability_companies(self):
        """The company that owes each card's points (see
        ``_loyalty_liability_company_sql``): ``{card id: company}``, cards
        no company owes left out."""
        # The program's company first, without a query.
        result = {card.id: card.company_id for card in self if card.company_id}
        card_ids = tuple(card.id for card in self if card.id and card.id not in result)
        if not card_ids:
            return result
        self.flush_recordset(["company_id", "invoice_id", "partner_id"])
        self.env["account.move"].flush_model(["company_id"])
        self.env["res.partner"].flush_model(["company_id"])
        self.env["loyalty.history"].flush_model(["card_id", "order_model", "order_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT card.id, %s FROM loyalty_card card WHERE card.id IN %s",
                self._loyalty_liability_company_sql(),
                card_ids,
            )
        )
        Company = self.env["res.company"]
        result.update(
            (card_id, Company.browse(company_id))
            for card_id, company_id in rows
            if company_id
        )
        return result

    def _loyalty_points_lots(self):
        """The points still on each card, by the earning they come from.

        Points are used and expire first-in, first-out: whatever left a card
        (redeemed, expired, taken back) consumed its oldest points first, so
        the balance is made of the most recent earnings. An earning is a
        ``loyalty.history`` row that issued points; the earnings of one
        invoice, net of what was taken back from it (payment undone, credit
        note), count as one.

        :return: ``{card id: [(date earned, expiration date or False,
            points still there)]}``, oldest first
        """
        card_ids = [card_id for card_id in self.ids if card_id]
        if not card_ids:
            return {}
        history = self.env["loyalty.history"].sudo()
        history.flush_model()
        self.flush_recordset(["points"])
        self.env.cr.execute(
            SQL(
                """
                SELECT card_id, id, create_date, entry_type, order_model, order_id,
                       issued, used, points_short, expiration_date
                  FROM loyalty_history
                 WHERE card_id IN %s
                 ORDER BY card_id, id
                """,
                tuple(card_ids),
            )
        )
        earnings = defaultdict(dict)
        for (
            card_id,
            row_id,
            create_date,
            entry_type,
            order_model,
            order_id,
            issued,
            used,
            short,
            expiration_date,
        ) in self.env.cr.fetchall():
            if entry_type == "earned":
                key = (order_model, order_id)
                net = (issued or 0.0) - (used or 0.0) - (short or 0.0)
            elif issued:
                key = ("row", row_id)
                net = issued
            else:
                continue
            # [date earned, first row, expiration date, points]
            lot = earnings[card_id].setdefault(key, [create_date, row_id, False, 0.0])
            lot[3] += net
            if issued and expiration_date:
                lot[2] = max(lot[2] or expiration_date, expiration_date)
        balances = dict(self.browse(card_ids).mapped(lambda c: (c.id, c.points)))
        result = {}
        for card_id in card_ids:
            lots = sorted(
                (lot for lot in earnings.get(card_id, {}).values() if lot[3] > 0),
                key=lambda lot: (lot[0], lot[1]),
            )
            left = max(balances.get(card_id, 0.0), 0.0)
            remaining = []
            for earned_on, _row_id, expiry, points in reversed(lots):
                kept = min(points, left)
                left -= kept
                remaining.append((earned_on.date(), expiry, kept))
            result[card_id] = list(reversed(remaining))
        return result

    def _loyalty_expired_points(self, date):
        """Points of each card that expired on or before ``date`` and are still
        on it: ``{card: points}``, cards without any left out."""
        lots = self._loyalty_points_lots()
        expired = {}
        for card in self:
            points = sum(
                remaining
                for _earned, expiry, remaining in lots.get(card.id, [])
                if expiry and expiry <= date
            )
            if not float_is_zero(points, precision_digits=POINTS_DIGITS):
                expired[card] = round(points, POINTS_DIGITS)
        return expired

    @api.model
    def _cron_expire_points(self, batch_size=500):
        """Monthly: take the points past their validity off the cards, the
        oldest first, with a history row per card."""
        today = fields.Date.context_today(self)
        cards = self.search(
            [
                ("program_id.points_validity_months", ">", 0),
                ("points", ">", 0),
            ],
            order="id",
        )
        done = 0
        for start in range(0, len(cards), batch_size):
            batch = cards[start : start + batch_size]
            batch._loyalty_expire(today)
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(cards) - done)
        return done

    def _loyalty_expire(self, date):
        """Expire the points of these cards that are past validity on ``date``."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM loyalty_card WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(self.ids) or (0,),
            )
        )
        # Cards another transaction is using wait for the next run.
        cards = self.browse([row[0] for row in self.env.cr.fetchall()])
        cards.invalidate_recordset(["points"])
        expired = cards._loyalty_expired_points(date)
        if not expired:
            return
        history_values = []
        for card, points in expired.items():
            card.with_context(loyalty_no_mail=True).points = card.points - points
            history_values.append(
                {
                    "card_id": card.id,
                    "entry_type": "expired",
                    "description": self.env._(
                        "Points expired (earned more than %(months)s months ago)",
                        months=card.program_id.points_validity_months,
                    ),
                    "used": points,
                }
            )
        # Rows of the expiry job are the application's: written guarded.
        guarded(self.env["loyalty.history"]).create(history_values)

    def _loyalty_unlink_unused(self):
        """Delete cards an invoice made that nothing uses any more: no points,
        no history, on no invoice line."""
        # sudo: cards made by the invoice engine (see account.move
        # _loyalty_card_for); whether they are used is read on every invoice.
        cards = self.sudo().exists().filtered(lambda c: not c.points)
        if not cards:
            return
        used = (
            self.env["account.move.line"]
            .sudo()
            .search([("coupon_id", "in", cards.ids)])
            .coupon_id
        )
        used |= (
            self.env["loyalty.history"]
            .sudo()
            .search([("card_id", "in", cards.ids)])
            .card_id
        )
        used |= (
            self.env["account.move"]
            .sudo()
            .search([("applied_coupon_ids", "in", cards.ids)])
            .applied_coupon_ids
        )
        (cards - used).unlink()
