from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_is_zero, float_round

from .tools import guarded, lock_rows

POINTS_DIGITS = 2
PAID_STATES = ("paid", "in_payment")


class AccountMove(models.Model):
    """Points moved on the customer's cards by an invoice's life.

    The invoice's effect on each card is derived from its state and written
    to ``loyalty.history`` (``order_model`` = ``account.move``) as the
    difference with what the history already holds, so that it happens
    exactly once however often it is evaluated:

    - points earned (``entry_type`` = ``earned``): those of the invoice's
      loyalty cards and next-order coupons, once the invoice is paid, on the
      part not refunded by credit notes; taken back when a payment is undone
      or a credit note posted, never below a zero balance;
    - points redeemed (``spent``): the points cost of its rewards, while the
      invoice is posted and not fully refunded; given back otherwise.
    """

    _inherit = "account.move"

    def _loyalty_ledger(self):
        """What the history holds for these invoices:
        ``{invoice id: {card id: {'earned': net points, 'spent': net points}}}``."""
        invoice_ids = [move_id for move_id in self.ids if move_id]
        if not invoice_ids:
            return {}
        history = self.env["loyalty.history"].sudo()
        history.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT order_id, card_id, entry_type,
                       SUM(COALESCE(issued, 0)), SUM(COALESCE(used, 0)),
                       SUM(COALESCE(points_short, 0))
                  FROM loyalty_history
                 WHERE order_model = 'account.move' AND order_id IN %s
                   AND entry_type IN ('earned', 'spent')
              GROUP BY order_id, card_id, entry_type
                """,
                tuple(invoice_ids),
            )
        )
        ledger = defaultdict(lambda: defaultdict(lambda: {"earned": 0.0, "spent": 0.0}))
        for move_id, card_id, kind, issued, used, short in self.env.cr.fetchall():
            if kind == "earned":
                ledger[move_id][card_id]["earned"] += issued - used - short
            else:
                ledger[move_id][card_id]["spent"] += used - issued
        return ledger

    def _loyalty_refunded_ratio(self):
        """Share of the invoice refunded by posted credit notes (0 to 1)."""
        self.ensure_one()
        total = abs(self.amount_total_signed)
        if self.currency_id.is_zero(self.amount_total) or not total:
            return 0.0
        refunds = self.reversal_move_ids.filtered(
            lambda r: r.move_type == "out_refund" and r.state == "posted"
        )
        return min(sum(abs(r.amount_total_signed) for r in refunds) / total, 1.0)

    def _loyalty_point_targets(self):
        """What the invoice should have done to each card, as it is now:
        ``{card: {'earned': points, 'spent': points}}``."""
        self.ensure_one()
        targets = defaultdict(lambda: {"earned": 0.0, "spent": 0.0})
        posted = self.state == "posted"
        ratio = self._loyalty_refunded_ratio() if posted else 0.0
        paid = posted and self.payment_state in PAID_STATES
        for entry in self.coupon_point_ids:
            card = entry.coupon_id
            program = card.program_id
            if not program._loyalty_credited_when_paid():
                continue
            points = 0.0
            if paid and ratio < 1:
                # A coupon is whole or nothing; points follow the amount paid.
                points = (
                    entry.points
                    if not program.is_nominative
                    else (entry.points * (1 - ratio))
                )
            targets[card]["earned"] = float_round(
                points, precision_digits=POINTS_DIGITS, rounding_method="DOWN"
            )
        for line in self.invoice_line_ids:
            card = line.coupon_id
            if not card or not line.points_cost or self._loyalty_is_invoice_card(card):
                continue
            if posted and ratio < 1:
                targets[card]["spent"] += line.points_cost
            else:
                targets[card]["spent"] += 0.0
        return targets

    def _loyalty_sync_points(self, reason):
        """Bring the customer's cards in line with what these invoices should
        have done to them (see the class docstring).

        :param str reason: what happened, for the history rows: ``post``,
            ``paid``, ``unreconcile``, ``refund``, ``draft`` or ``cancel``
        """
        # Only invoices giving or redeeming points move any: the history of
        # the others holds nothing for them (see _loyalty_point_targets).
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and (m.coupon_point_ids or any(m.invoice_line_ids.mapped("coupon_id")))
        )
        if not invoices:
            return
        ledger = invoices._loyalty_ledger()
        changes = []  # (invoice, card, kind, delta)
        for invoice in invoices:
            targets = invoice._loyalty_point_targets()
            done = ledger.get(invoice.id, {})
            card_ids = {card.id for card in targets} | set(done)
            for card_id in card_ids:
                card = self.env["loyalty.card"].browse(card_id)
                target = targets.get(card, {"earned": 0.0, "spent": 0.0})
                current = done.get(card_id, {"earned": 0.0, "spent": 0.0})
                for kind in ("earned", "spent"):
                    delta = float_round(
                        target[kind] - current[kind], precision_digits=POINTS_DIGITS
                    )
                    if not float_is_zero(delta, precision_digits=POINTS_DIGITS):
                        changes.append((invoice, card, kind, delta))
        if not changes:
            return
        # sudo: cards and their history are the application's ledger, moved on
        # behalf of the accountant who posts or is paid.
        cards = self.env["loyalty.card"].union(*(c[1] for c in changes)).sudo()
        cards._loyalty_lock()
        balances = {card.id: card.points for card in cards}
        credited_first = {card.id for card in cards if not card.points}
        # Points coming in first, so that what goes out finds them.
        gains = [c for c in changes if (c[3] > 0) == (c[2] == "earned")]
        losses = [c for c in changes if c not in gains]
        history_values = []
        for invoice, card, kind, delta in gains + losses:
            values = invoice._loyalty_history_values(
                card, kind, delta, reason, balances[card.id]
            )
            balances[card.id] += values.get("issued", 0.0) - values.get("used", 0.0)
            history_values.append(values)
        for card in cards:
            if float_compare(card.points, balances[card.id], POINTS_DIGITS):
                card.points = balances[card.id]
        guarded(self.env["loyalty.history"].sudo()).create(history_values)
        # A coupon for the next order reaches its customer once it holds points.
        cards.filtered(
            lambda c: c.id in credited_first
            and c.points > 0
            and not c.program_id.is_nominative
            and c.program_id.applies_on == "future"
        )._send_creation_communication()

    def _loyalty_history_values(self, card, kind, delta, reason, balance):
        """The history row of one change on one card."""
        self.ensure_one()
        values = {
            "card_id": card.id,
            "order_model": self._name,
            "order_id": self.id,
            "entry_type": kind,
        }
        invoice = self.name or self.display_name
        why = self._loyalty_reason_label(reason)
        if kind == "earned" and delta > 0:
            values["issued"] = delta
            values["description"] = self.env._(
                "Invoice %(invoice)s paid: points earned", invoice=invoice
            )
        elif kind == "earned":
            wanted = -delta
            taken = min(wanted, max(balance, 0.0))
            short = float_round(wanted - taken, precision_digits=POINTS_DIGITS)
            values["used"] = taken
            values["points_short"] = short
            values["description"] = self.env._(
                "Invoice %(invoice)s %(why)s: points taken back",
                invoice=invoice,
                why=why,
            )
            if short:
                values["description"] += self.env._(
                    " (%(short)s points could not be taken back: already spent)",
                    short=short,
                )
        elif delta > 0:
            if float_compare(delta, balance, POINTS_DIGITS) > 0:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s redeems %(points)s points of the "
                        "customer's %(program)s card, which holds %(balance)s.",
                        invoice=invoice,
                        points=delta,
                        program=card.program_id.name,
                        balance=balance,
                    )
                )
            values["used"] = delta
            values["description"] = self.env._(
                "Invoice %(invoice)s: points redeemed", invoice=invoice
            )
        else:
            values["issued"] = -delta
            values["description"] = self.env._(
                "Invoice %(invoice)s %(why)s: redeemed points given back",
                invoice=invoice,
                why=why,
            )
        return values

    def _loyalty_reason_label(self, reason):
        return {
            "unreconcile": self.env._("(payment undone)"),
            "refund": self.env._("(credit note)"),
            "draft": self.env._("(reset to draft)"),
            "cancel": self.env._("(cancelled)"),
        }.get(reason, self.env._("(changed)"))

    def _loyalty_check_before_post(self):
        """Before posting: the cards and coupons the invoices redeem are locked
        and must still hold the points, and programs with a usage limit must
        not have reached it (also against a transaction racing this one). One
        lock and one count for the batch; invoices of the batch spending the
        same card or program count one after the other."""
        costs = {}  # invoice: {card: points}
        uses = {}  # invoice: programs with a usage limit
        for invoice in self:
            reward_lines = invoice.invoice_line_ids.filtered("reward_id")
            if not reward_lines:
                continue
            invoice_costs = defaultdict(float)
            for line in reward_lines:
                if line.coupon_id and not invoice._loyalty_is_invoice_card(
                    line.coupon_id
                ):
                    invoice_costs[line.coupon_id] += line.points_cost
            costs[invoice] = invoice_costs
            uses[invoice] = reward_lines.reward_id.program_id.filtered("limit_usage")
        if not costs:
            return
        cards = self.env["loyalty.card"].union(
            *(card for invoice_costs in costs.values() for card in invoice_costs)
        )
        cards.sudo()._loyalty_lock()
        limited = self.env["loyalty.program"].union(*uses.values())
        if limited:
            lock_rows(limited)
            limited.invalidate_recordset(["total_order_count"])
        balances = {card: card.points for card in cards}
        used = {program: program.total_order_count for program in limited}
        for invoice, invoice_costs in costs.items():
            for card, cost in invoice_costs.items():
                error = invoice._loyalty_check_coupon(card)
                if error:
                    raise UserError(
                        self.env._(
                            "Invoice %(invoice)s cannot use a coupon: %(error)s",
                            invoice=invoice.display_name,
                            error=error,
                        )
                    )
                if float_compare(balances[card], cost, POINTS_DIGITS) < 0:
                    raise UserError(
                        self.env._(
                            "Invoice %(invoice)s redeems %(points)s points of the "
                            "customer's %(program)s card or coupon, which holds "
                            "%(balance)s: it was used meanwhile. Press Update "
                            "discounts.",
                            invoice=invoice.display_name,
                            points=cost,
                            program=card.program_id.name,
                            balance=balances[card],
                        )
                    )
                balances[card] -= cost
            for program in uses[invoice]:
                if used[program] >= program.max_usage:
                    raise UserError(
                        self.env._(
                            "Program %(program)s has reached its usage limit "
                            "(%(limit)s invoices and orders).",
                            program=program.name,
                            limit=program.max_usage,
                        )
                    )
                used[program] += 1
