"""Bulk generation of a loyalty set-up on a generated database with
crm_loyalty installed (``bench.py generate --loyalty``).

In the style of ``generate.py``: the programs are made through the ORM (a
handful of records), the cards, their points history and the points each
paid invoice earned are cloned in bulk from rows the ORM made (templates),
their values computed here.

At scale 1, for the main company:

- a points program on invoices: 1 point per unit of currency paid, a point
  worth 0.01 in discount (at most half an invoice), points valid 12 months;
- three tiers (promotions by paid spend over 12 months): Silver from
  50 000, Gold from 80 000, Platinum from 110 000 (about a half, a quarter
  and a twentieth of the paying customers reach them);
- a coupon program (10 % off, tied to a campaign) with 50 000 personal
  coupons issued over the last two years, valid three months, unused;
- loyalty cards for 100 000 partners: every customer with paid invoices,
  and members without invoices;
- their history, about 1 000 000 ``loyalty.history`` rows over five years,
  played first-in first-out as crm_loyalty does: welcome points at
  enrolment; points earned by each paid invoice on its payment date
  (``order_model = 'account.move'``, with the invoice's points entry, so
  that the invoice and the card agree); points redeemed 20 and 50 days later
  (half, then 30 % of the balance) as Odoo's "update balance" writes them;
  the monthly expiry job's rows on the first of each month, up to this
  month's run.

The redemptions are not tied to invoices: a redemption on an invoice is a
reward line of that invoice, and the generated invoices are not rewritten.
"""

import io
import json
import time
from collections import defaultdict, deque
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from generate import clone, next_id, step, sync_sequence

from odoo import Command
from odoo.tools import SQL, float_round

PROGRAM = "Perf points"
WELCOME_POINTS = 500.0
VALIDITY_MONTHS = 12
# Redemptions after each earning: (days after, share of the balance).
REDEMPTIONS = [(20, 0.5), (50, 0.3)]
MIN_REDEMPTION_BALANCE = 2000.0
TIERS = [
    ("Perf Silver tier", 50_000, 2.0),
    ("Perf Gold tier", 80_000, 4.0),
    ("Perf Platinum tier", 110_000, 6.0),
]
PARAM = "perf.loyalty_generated"


class LoyaltyVolumes:
    def __init__(self, scale):
        self.members = max(200, round(100_000 * scale))
        self.coupons = max(100, round(50_000 * scale))


class LoyaltyGenerator:
    """The loyalty set-up of ``env``'s database (committed step by step)."""

    NO_CHATTER = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "mail_create_nosubscribe": True,
        "mail_notrack": True,
        "loyalty_no_mail": True,
    }

    def __init__(self, env, scale):
        self.env = env(context=dict(env.context, **self.NO_CHATTER))
        self.cr = env.cr
        self.v = LoyaltyVolumes(scale)
        self.scale = scale
        self.timings = []
        self.today = date.today()
        self.company = self.env.ref("base.main_company")

    def generated(self):
        return bool(self.env["ir.config_parameter"].sudo().get_param(PARAM))

    def run(self):
        start = time.perf_counter()
        self.programs()
        self.cards_and_history()
        self.booking()
        self.finish()
        stamp = {
            "scale": self.scale,
            "seconds": round(time.perf_counter() - start, 1),
            "volumes": self.counts(),
            "steps": [[label, round(s, 1)] for label, s in self.timings],
        }
        self.env["ir.config_parameter"].sudo().set_param(PARAM, json.dumps(stamp))
        self.commit()
        return stamp

    def commit(self):
        self.env.flush_all()
        self.cr.commit()
        self.env.invalidate_all()

    def counts(self):
        self.cr.execute(
            SQL(
                """
                SELECT (SELECT COUNT(*) FROM loyalty_card c
                          JOIN loyalty_program p ON p.id = c.program_id
                         WHERE p.name->>'en_US' = %(points)s),
                       (SELECT COUNT(*) FROM loyalty_card c
                          JOIN loyalty_program p ON p.id = c.program_id
                         WHERE p.program_type = 'coupons'),
                       (SELECT COUNT(*) FROM loyalty_history),
                       (SELECT COUNT(*) FROM account_move_coupon_points)
                """,
                points=PROGRAM,
            )
        )
        cards, coupons, history, entries = self.cr.fetchone()
        return {
            "loyalty_cards": cards,
            "coupons": coupons,
            "loyalty_history": history,
            "invoice_points_entries": entries,
        }

    # ------------------------------------------------------------
    # PROGRAMS
    # ------------------------------------------------------------

    def programs(self):
        with step("loyalty programs (ORM)", self.timings):
            Program = self.env["loyalty.program"]
            order_rule = Command.create(
                {
                    "reward_point_mode": "order",
                    "reward_point_amount": 1,
                    "minimum_qty": 0,
                }
            )
            self.points_program = Program.create(
                {
                    "name": PROGRAM,
                    "program_type": "loyalty",
                    "invoice_ok": True,
                    "portal_visible": True,
                    "points_validity_months": VALIDITY_MONTHS,
                    "points_max_share_percent": 50,
                    "rule_ids": [
                        Command.clear(),
                        Command.create(
                            {
                                "reward_point_mode": "money",
                                "reward_point_amount": 1,
                                "minimum_qty": 0,
                            }
                        ),
                    ],
                    "reward_ids": [
                        Command.clear(),
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount_mode": "per_point",
                                "discount": 0.01,
                                "discount_applicability": "order",
                                "required_points": 1,
                            }
                        ),
                    ],
                }
            )
            for name, amount, discount in TIERS:
                Program.create(
                    {
                        "name": name,
                        "program_type": "promotion",
                        "invoice_ok": True,
                        "min_paid_amount": amount,
                        "paid_period_months": 12,
                        "rule_ids": [Command.clear(), order_rule],
                        "reward_ids": [
                            Command.clear(),
                            Command.create(
                                {
                                    "reward_type": "discount",
                                    "discount_mode": "percent",
                                    "discount": discount,
                                    "discount_applicability": "order",
                                    "required_points": 1,
                                }
                            ),
                        ],
                    }
                )
            campaign = self.env["utm.campaign"].search(
                [("name", "=like", "Perf campaign %")], order="id", limit=1
            )
            self.coupon_program = Program.create(
                {
                    "name": "Perf coupons: 10% off",
                    "program_type": "coupons",
                    "invoice_ok": True,
                    "campaign_id": campaign.id,
                    "reward_ids": [
                        Command.clear(),
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount_mode": "percent",
                                "discount": 10,
                                "discount_applicability": "order",
                                "required_points": 1,
                            }
                        ),
                    ],
                }
            )
            self.commit()

    def booking(self):
        """The company books the points liability from now on (the history
        generated above was not booked: the liability report shows it as not
        booked)."""
        with step("points liability booked by the company", self.timings):
            Account = self.env["account.account"]
            accounts = {}
            for code, name, kind in (
                ("249100", "Loyalty points owed to customers", "liability_current"),
                ("649100", "Loyalty points granted", "expense"),
            ):
                account = Account.search(
                    [("code", "=", code), ("company_ids", "in", self.company.id)],
                    limit=1,
                )
                accounts[kind] = account or Account.create(
                    {"code": code, "name": name, "account_type": kind}
                )
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", self.company.id)],
                limit=1,
            )
            self.company.write(
                {
                    "loyalty_liability_account_id": accounts["liability_current"].id,
                    "loyalty_expense_account_id": accounts["expense"].id,
                    "loyalty_journal_id": journal.id,
                }
            )
            self.commit()

    # ------------------------------------------------------------
    # CARDS AND HISTORY
    # ------------------------------------------------------------

    def cards_and_history(self):
        v, cr = self.v, self.cr
        with step("loyalty cards, coupons and points history", self.timings):
            paid = self._paid_invoices()
            customers = list(paid)[: v.members]
            others = self._other_partners(v.members - len(customers), customers)
            coupon_partners = self._coupon_partners(v.coupons)
            templates = self._templates(customers[0] if customers else others[0])
            self.commit()
            card_base = next_id(cr, "loyalty_card")
            cards, history, entries = [], [], []
            start = self.today - timedelta(days=5 * 365)
            for i, partner in enumerate(customers):
                invoices = paid[partner]
                enrolled = invoices[0][0] - timedelta(days=7)
                points = self._play(card_base + i, enrolled, invoices, history, entries)
                cards.append((i, partner, points, enrolled, self.points_program.id))
            for k, partner in enumerate(others):
                i = len(customers) + k
                enrolled = start + timedelta(days=(k * 1826) // max(len(others), 1))
                points = self._play(card_base + i, enrolled, [], history, entries)
                cards.append((i, partner, points, enrolled, self.points_program.id))
            coupon_start = self.today - timedelta(days=730)
            for j, partner in enumerate(coupon_partners):
                i = v.members + j
                issued = coupon_start + timedelta(
                    days=(j * 730) // len(coupon_partners)
                )
                cards.append((i, partner, 1.0, issued, self.coupon_program.id))
                history.append(
                    (card_base + i, _at(issued, 11, j), "offer", 1.0, 0.0, None, None)
                )
            history.sort(key=lambda row: (row[1], row[0]))
            self._load(cards, history, entries)
            self._clone(card_base, templates)
            self.commit()

    def _paid_invoices(self):
        """Paid customer invoices per commercial partner, in payment order:
        ``{partner: [(payment date, invoice id, amount)]}``."""
        self.cr.execute(
            """
            SELECT m.commercial_partner_id, MAX(p.max_date), m.id,
                   m.amount_total_signed
              FROM account_move m
              JOIN account_move_line l
                ON l.move_id = m.id AND l.display_type = 'payment_term'
              JOIN account_partial_reconcile p ON p.debit_move_id = l.id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('paid', 'in_payment')
          GROUP BY m.id
          ORDER BY 1, 2, 3
            """
        )
        paid = defaultdict(list)
        for partner, paid_date, move_id, amount in self.cr.fetchall():
            paid[partner].append((paid_date, move_id, float(amount)))
        return paid

    def _other_partners(self, count, exclude):
        """Members without paid invoices: partners that are not users or
        companies, outside the paying customers' organizations (whose
        balance adds up the cards of their contacts)."""
        if count <= 0:
            return []
        self.cr.execute(
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.active AND p.commercial_partner_id != ALL(%(exclude)s)
                   AND p.name NOT LIKE %(template)s
                   AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM res_company c
                                    WHERE c.partner_id = p.id)
              ORDER BY p.is_company, p.id LIMIT %(count)s
                """,
                exclude=exclude,
                count=count,
                template="Perf template%",
            )
        )
        return [row[0] for row in self.cr.fetchall()]

    def _coupon_partners(self, count):
        """Personal coupons of a targeted offer: private persons and contacts."""
        self.cr.execute(
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.active AND NOT p.is_company
                   AND p.name NOT LIKE %(template)s
                   AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
              ORDER BY p.id DESC LIMIT %(count)s
                """,
                count=count,
                template="Perf template%",
            )
        )
        return [row[0] for row in self.cr.fetchall()]

    def _templates(self, partner):
        """A card, a history row and an invoice points entry made by the ORM,
        cloned below and deleted afterwards."""
        card = (
            self.env["loyalty.card"]
            .sudo()
            .create(
                {
                    "program_id": self.points_program.id,
                    "partner_id": partner,
                    "points": 0,
                }
            )
        )
        row = self.env["loyalty.history"].create(
            {"card_id": card.id, "description": "Template", "issued": 0}
        )
        invoice = self.env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")], limit=1
        )
        entry = (
            self.env["account.move.coupon.points"]
            .sudo()
            .create({"move_id": invoice.id, "coupon_id": card.id, "points": 0})
        )
        return {"card": card, "history": row, "entry": entry}

    def _play(self, card_id, enrolled, invoices, history, entries):
        """A member's history, first-in first-out as crm_loyalty reads it;
        returns the balance. ``history`` gets ``(card id, timestamp, kind,
        issued, used, invoice id, expiration date)`` rows, ``entries`` the
        points entries of the invoices."""
        today = self.today
        events = [(_at(enrolled, 9, card_id), "welcome", WELCOME_POINTS, None)]
        for n, (paid_date, move_id, amount) in enumerate(invoices):
            events.append((_at(paid_date, 10, n), "earned", amount, move_id))
            for days, share in REDEMPTIONS:
                when = paid_date + timedelta(days=days)
                if when <= today:
                    events.append((_at(when, 14, n), "spent", share, None))
        month = enrolled.replace(day=1) + relativedelta(months=1)
        while month <= today:
            events.append(
                (
                    datetime.combine(month, datetime.min.time()).replace(hour=2),
                    "expire",
                    None,
                    None,
                )
            )
            month += relativedelta(months=1)
        events.sort(key=lambda event: event[0])
        lots = deque()  # [expiration date, points left]
        balance = 0.0
        for when, kind, value, move_id in events:
            if kind in ("welcome", "earned"):
                points = value
                if kind == "earned":  # as crm_loyalty rounds them
                    points = float_round(value, 2, rounding_method="DOWN")
                expiry = when.date() + relativedelta(months=VALIDITY_MONTHS)
                lots.append([expiry, points])
                balance += points
                history.append((card_id, when, kind, points, 0.0, move_id, expiry))
                if move_id:
                    entries.append((move_id, card_id, points, when))
            elif kind == "spent":
                points = round(balance * value, -2)
                if balance < MIN_REDEMPTION_BALANCE or points <= 0:
                    continue
                balance -= points
                _consume(lots, points)
                history.append((card_id, when, kind, 0.0, points, None, None))
            else:
                expired = 0.0
                while lots and lots[0][0] <= when.date():
                    expired += lots.popleft()[1]
                expired = round(expired, 2)
                if expired > 0:
                    balance -= expired
                    history.append((card_id, when, kind, 0.0, expired, None, None))
        return round(balance, 2)

    def _load(self, cards, history, entries):
        """Working tables of the rows to clone, filled with COPY."""
        cr = self.cr
        cr.execute(
            """
            CREATE TEMP TABLE perf_loyalty_card (
                i int, partner_id int, points float8, created timestamp,
                program_id int) ON COMMIT DROP;
            CREATE TEMP TABLE perf_loyalty_history (
                n int, card_id int, created timestamp, kind varchar,
                issued float8, used float8, move_id int, expiration date)
                ON COMMIT DROP;
            CREATE TEMP TABLE perf_loyalty_entry (
                move_id int, card_id int, points float8, created timestamp)
                ON COMMIT DROP;
            """
        )
        _copy(
            cr,
            "perf_loyalty_card",
            ((i, p, pts, _at(d, 9, i), prog) for i, p, pts, d, prog in cards),
        )
        _copy(cr, "perf_loyalty_history", ((n, *row) for n, row in enumerate(history)))
        _copy(cr, "perf_loyalty_entry", entries)
        cr.execute(
            "ANALYZE perf_loyalty_card; ANALYZE perf_loyalty_history;"
            " ANALYZE perf_loyalty_entry"
        )

    def _clone(self, card_base, templates):
        cr = self.cr
        code = SQL(
            "CASE WHEN v.program_id = %s THEN 'PERF-CPN-' ELSE 'PERF-LOY-' END"
            " || lpad(v.i::text, 7, '0')",
            self.coupon_program.id,
        )
        clone(
            cr,
            "loyalty_card",
            templates["card"].id,
            SQL("perf_loyalty_card AS v"),
            {
                "id": SQL("%s + v.i", card_base),
                "program_id": SQL("v.program_id"),
                "partner_id": SQL("v.partner_id"),
                "points": SQL("v.points"),
                "code": code,
                "expiration_date": SQL(
                    "CASE WHEN v.program_id = %s"
                    " THEN (v.created + interval '3 months')::date END",
                    self.coupon_program.id,
                ),
                "create_date": SQL("v.created"),
                "write_date": SQL("v.created"),
            },
        )
        history_base = next_id(cr, "loyalty_history")
        description = SQL(
            """
            CASE v.kind
                WHEN 'welcome' THEN 'Welcome points'
                WHEN 'earned' THEN 'Invoice ' || m.name || ' paid: points earned'
                WHEN 'spent' THEN 'Points redeemed: gift voucher'
                WHEN 'expire' THEN 'Points expired (earned more than '
                                   || %s || ' months ago)'
                ELSE 'Targeted offer' END
            """,
            VALIDITY_MONTHS,
        )
        clone(
            cr,
            "loyalty_history",
            templates["history"].id,
            SQL(
                "perf_loyalty_history AS v"
                " LEFT JOIN account_move AS m ON m.id = v.move_id"
            ),
            {
                "id": SQL("%s + v.n", history_base),
                "card_id": SQL("v.card_id"),
                "description": description,
                "issued": SQL("v.issued"),
                "used": SQL("v.used"),
                "order_model": SQL(
                    "CASE WHEN v.move_id IS NOT NULL THEN 'account.move' END"
                ),
                "order_id": SQL("v.move_id"),
                "entry_type": SQL(
                    "CASE v.kind WHEN 'earned' THEN 'earned'"
                    " WHEN 'expire' THEN 'expired' END"
                ),
                "expiration_date": SQL("v.expiration"),
                "points_short": SQL("0.0"),
                "liability_move_id": SQL("NULL::int"),
                "create_date": SQL("v.created"),
                "write_date": SQL("v.created"),
            },
        )
        entry_base = next_id(cr, "account_move_coupon_points")
        clone(
            cr,
            "account_move_coupon_points",
            templates["entry"].id,
            SQL(
                "(SELECT e.*, ROW_NUMBER() OVER (ORDER BY e.created, e.move_id) AS n"
                " FROM perf_loyalty_entry e) AS v"
            ),
            {
                "id": SQL("%s + v.n", entry_base),
                "move_id": SQL("v.move_id"),
                "coupon_id": SQL("v.card_id"),
                "points": SQL("v.points"),
                "create_date": SQL("v.created"),
                "write_date": SQL("v.created"),
            },
        )
        # The templates served their purpose.
        cr.execute(
            SQL(
                "DELETE FROM account_move_coupon_points WHERE id = %s;"
                " DELETE FROM loyalty_history WHERE id = %s;"
                " DELETE FROM loyalty_card WHERE id = %s",
                templates["entry"].id,
                templates["history"].id,
                templates["card"].id,
            )
        )

    def finish(self):
        with step("Sequences, ANALYZE", self.timings):
            for table in (
                "loyalty_card",
                "loyalty_history",
                "account_move_coupon_points",
            ):
                sync_sequence(self.cr, table)
                self.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
            self.commit()


def _at(day, hour, spread):
    """A timestamp on ``day``, from ``hour`` on, spread over ten hours."""
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=hour, minutes=spread % 600
    )


def _consume(lots, points):
    """Take ``points`` off the oldest lots first."""
    while points > 1e-9 and lots:
        taken = min(lots[0][1], points)
        lots[0][1] -= taken
        points -= taken
        if lots[0][1] <= 1e-9:
            lots.popleft()


def _copy(cr, table, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            "\t".join("\\N" if value is None else str(value) for value in row) + "\n"
        )
    buffer.seek(0)
    cr._obj.copy_expert(f"COPY {table} FROM STDIN", buffer)  # noqa: SLF001
