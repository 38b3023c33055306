"""crm_reports' reports at scale (the ``reports`` operations of ``bench.py``).

Each report is opened as its menu opens it: the action's default filters
(``search_default_*`` of its context, evaluated like the web client does) and
its pivot view's rows and measures, read through the ORM as the pivot view
reads them (``read_group`` with ``lazy=False``, record rules applied), as the
administrator and as an own-documents salesperson. Each read is measured
against a hand-written SQL query giving the same numbers (the floor), and
checked against it: a difference is printed and noted in the results.

The reports crm_reports precomputes on large databases (campaign results and
customers) are measured both ways: read live (setting ``never``) and from
their materialized views after the hourly job, whose own duration is
measured too (first refresh and the concurrent refreshes after it). The
setting and the views are restored afterwards (rolled back).

When the stage history lies in no date order (bulk loads, and crm_reports'
install-time fill of its successor columns), the funnel is measured a second
time with the history put in date order (``CLUSTER``, rolled back), as in a
database whose history was written day after day.

The pivot view sends a second request beside the one measured here, the
same read without the row grouping (the totals line): about the same cost,
in parallel on a multi-worker server.
"""

import math
import time
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from lxml import etree
from operations import Result

from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

MOVE_TYPES = ("out_invoice", "out_refund")
# Issue 10's target for each report's default view. Reads of a few rows
# (a salesperson's) are within 50 ms of their floor: the ORM's fixed cost
# (access rules, the names of the rows) then outweighs any ratio.
TARGET = "< 1 s and <= 2x the floor (or within 50 ms)"

# The reports, in the order of their menu: action, floor builder.
REPORTS = [
    ("pipeline", "crm_reports.crm_lite_report_pipeline_action"),
    ("funnel", "crm_reports.crm_lite_report_funnel_action"),
    ("target", "crm_reports.crm_lite_report_target_action"),
    ("campaign", "crm_reports.crm_lite_report_campaign_action"),
    ("leakage", "crm_reports.crm_lite_report_leakage_action"),
    ("customer", "crm_reports.crm_lite_report_customer_action"),
    ("activity", "crm_reports.crm_lite_report_activity_action"),
]
PRECOMPUTED = ("campaign", "customer")


# ------------------------------------------------------------
# THE DEFAULT VIEW OF A REPORT
# ------------------------------------------------------------


class DefaultView:
    """What a report's menu opens: model, domain of the default filters,
    pivot rows and measures (``field:aggregator`` as the pivot asks them)."""

    def __init__(self, env, action_xmlid, today):
        # What the web client receives with the menu (users cannot read actions).
        action = env.ref(action_xmlid).sudo()
        self.model = action.res_model
        Model = env[self.model]
        eval_context = {
            "uid": env.uid,
            "context_today": lambda: today,
            "relativedelta": relativedelta,
        }
        context = safe_eval(action.context or "{}", eval_context)
        wanted = {
            key[len("search_default_") :]
            for key, value in context.items()
            if key.startswith("search_default_") and value
        }
        views = Model.get_views(
            [(action.search_view_id.id, "search"), (False, "pivot")]
        )["views"]
        search = etree.fromstring(views["search"]["arch"])
        self.filters = []
        self.domain = []
        for node in search.iter("filter"):
            if node.get("name") in wanted and node.get("domain"):
                self.filters.append(node.get("name"))
                self.domain += safe_eval(node.get("domain"), eval_context)
        pivot = etree.fromstring(views["pivot"]["arch"])
        self.rows = [
            f.get("name") for f in pivot.iter("field") if f.get("type") == "row"
        ]
        self.measures = [
            f.get("name") for f in pivot.iter("field") if f.get("type") == "measure"
        ]
        self.specs = [
            f"{name}:{'count_distinct' if Model._fields[name].type == 'many2one' else Model._fields[name].aggregator}"  # noqa: E501
            for name in self.measures
        ]

    def read(self, env):
        """The pivot's read of the rows: ``read_group`` without laziness."""
        return env[self.model].read_group(
            self.domain, self.specs, self.rows[:1], lazy=False
        )

    def figures(self, groups):
        """``{row value: (measure values)}`` of a ``read_group`` result."""
        row = self.rows[0]
        return {
            _key(group[row]): tuple(group[name] or 0 for name in self.measures)
            for group in groups
        }


def _key(value):
    if isinstance(value, tuple | list):  # many2one: (id, name)
        return value[0]
    return value if value not in (False, None) else None


def floor_figures(rows):
    return {_key(row[0]): tuple(v or 0 for v in row[1:]) for row in rows}


def differences(orm, floor, limit=3):
    """What differs between two ``{key: figures}``, as short strings."""
    found = []
    for key in sorted(set(orm) | set(floor), key=str):
        a, b = orm.get(key), floor.get(key)
        if a is None or b is None:
            found.append(f"{key}: orm {a} / floor {b}")
        elif len(a) != len(b) or not all(
            math.isclose(float(x), float(y), rel_tol=1e-6, abs_tol=0.01)
            for x, y in zip(a, b, strict=True)
        ):
            found.append(f"{key}: orm {_fmt(a)} / floor {_fmt(b)}")
    if len(found) > limit:
        found = found[:limit] + [f"{len(found) - limit} more"]
    return found


def _fmt(values):
    return "(" + ", ".join(f"{float(v):.2f}" for v in values) + ")"


# ------------------------------------------------------------
# THE FLOORS
# ------------------------------------------------------------
# Each floor gives the rows of the report's default view, the row value first
# and then its measures in the pivot's order, for the companies ``companies``
# and, for a salesperson (``uid``), only the rows the report's record rules
# let them read. ``ctx``: companies, uid (None for all documents), today, now,
# domain bounds of the default filters.


def _own(ctx, column, or_empty=False):
    """The own-documents rule of a report on ``column``."""
    if ctx["uid"] is None:
        return SQL("TRUE")
    if or_empty:
        return SQL("(%s = %s OR %s IS NULL)", column, ctx["uid"], column)
    return SQL("%s = %s", column, ctx["uid"])


def floor_pipeline(ctx):
    return SQL(
        """
        SELECT d.stage_id, COUNT(*), SUM(d.amount), SUM(d.weighted_amount),
               COUNT(*) FILTER (WHERE d.is_rotting)
          FROM crm_lite_deal d
         WHERE d.active AND d.stage_kind = 'open' AND d.company_id IN %(companies)s
           AND %(own)s
      GROUP BY d.stage_id
        """,
        companies=ctx["companies"],
        own=_own(ctx, SQL("d.user_id"), or_empty=True),
    )


def floor_funnel(ctx):
    # Entries of the period: its bounds are those of the default filter.
    start, end = ctx["bounds"]["date_entered"]
    return SQL(
        """
        SELECT h.stage_id, COUNT(*),
               COALESCE(100.0 * COUNT(*) FILTER (
                   WHERE h.flow_next_kind IN ('open', 'won')
                     AND (ns.sequence, ns.id) > (s.sequence, s.id))
                   / NULLIF(COUNT(*), 0), 0),
               COALESCE(100.0 * COUNT(*) FILTER (WHERE d.stage_kind = 'won')
                   / NULLIF(COUNT(*), 0), 0),
               AVG(CASE WHEN h.flow_date_left IS NOT NULL
                        THEN EXTRACT(EPOCH FROM h.flow_date_left - h.date) / 86400.0
                        WHEN h.stage_kind = 'open'
                        THEN EXTRACT(EPOCH FROM %(now)s - h.date) / 86400.0 END)
          FROM crm_lite_stage_history h
          JOIN crm_lite_stage s ON s.id = h.stage_id
     LEFT JOIN crm_lite_stage ns ON ns.id = h.flow_next_stage_id
     LEFT JOIN crm_lite_deal d ON d.id = h.deal_id
         WHERE h.date >= %(start)s AND h.date < %(end)s
           AND h.company_id IN %(companies)s AND %(own)s
      GROUP BY h.stage_id
        """,
        now=ctx["now"],
        start=start,
        end=end,
        companies=ctx["companies"],
        own=_own(ctx, SQL("d.user_id"), or_empty=True),
    )


def floor_target(ctx):
    """Plan vs actual of the current targets (of salespeople and teams).

    The report evaluates each target on its own (a lateral join over six
    kinds of actuals); the floor adds up each kind of actual once per period
    of the targets, by salesperson and pipeline, then gives each target the
    sums of its scope."""
    return SQL(
        """
        WITH t AS (
            SELECT id, user_id, pipeline_id, company_id, basis, date_from,
                   date_to, target_amount
              FROM crm_lite_target
             WHERE active AND product_categ_id IS NULL
               AND date_from <= %(today)s AND date_to >= %(today)s
               AND company_id IN %(companies)s AND %(own)s
        ), periods AS (
            SELECT DISTINCT company_id, date_from, date_to FROM t
        ), facts AS (
            SELECT 'won' AS basis, p.company_id, p.date_from, p.date_to,
                   h.salesperson_id AS user_id, h.pipeline_id,
                   SUM(d.amount) AS amount
              FROM periods p
              JOIN crm_lite_stage_history h
                ON h.company_id = p.company_id AND h.stage_kind = 'won'
               AND h.flow_date_left IS NULL
               AND h.date >= p.date_from::timestamp
               AND h.date < (p.date_to + 1)::timestamp
              JOIN crm_lite_deal d ON d.id = h.deal_id AND d.stage_kind = 'won'
             WHERE %(own_won)s
          GROUP BY p.company_id, p.date_from, p.date_to, h.salesperson_id,
                   h.pipeline_id
             UNION ALL
            SELECT 'invoiced', p.company_id, p.date_from, p.date_to,
                   m.invoice_user_id, d.pipeline_id, SUM(m.amount_total_signed)
              FROM periods p
              JOIN account_move m
                ON m.company_id = p.company_id AND m.state = 'posted'
               AND m.move_type IN %(move_types)s
               AND m.date BETWEEN p.date_from AND p.date_to
         LEFT JOIN crm_lite_deal d ON d.id = m.deal_id
             WHERE %(own_move)s
          GROUP BY p.company_id, p.date_from, p.date_to, m.invoice_user_id,
                   d.pipeline_id
             UNION ALL
            SELECT 'paid', p.company_id, p.date_from, p.date_to,
                   m.invoice_user_id, d.pipeline_id,
                   SUM(CASE WHEN m.move_type = 'out_invoice'
                            THEN r.amount ELSE -r.amount END)
              FROM periods p
              JOIN LATERAL (
                    SELECT debit_move_id AS line_id, amount
                      FROM account_partial_reconcile
                     WHERE max_date BETWEEN p.date_from AND p.date_to
                     UNION ALL
                    SELECT credit_move_id, amount
                      FROM account_partial_reconcile
                     WHERE max_date BETWEEN p.date_from AND p.date_to
                   ) r ON TRUE
              JOIN account_move_line l
                ON l.id = r.line_id AND l.display_type = 'payment_term'
              JOIN account_move m
                ON m.id = l.move_id AND m.state = 'posted'
               AND m.move_type IN %(move_types)s AND m.company_id = p.company_id
         LEFT JOIN crm_lite_deal d ON d.id = m.deal_id
             WHERE %(own_move)s
          GROUP BY p.company_id, p.date_from, p.date_to, m.invoice_user_id,
                   d.pipeline_id
        ), actual AS (
            SELECT t.id, SUM(f.amount) AS amount
              FROM t
              JOIN facts f
                ON f.basis = t.basis AND f.company_id = t.company_id
               AND f.date_from = t.date_from AND f.date_to = t.date_to
               AND (t.user_id IS NULL OR f.user_id = t.user_id)
               AND (t.pipeline_id IS NULL OR f.pipeline_id = t.pipeline_id)
          GROUP BY t.id
        )
        SELECT t.user_id, SUM(t.target_amount), SUM(COALESCE(a.amount, 0)),
               COALESCE(100.0 * SUM(COALESCE(a.amount, 0))
                        / NULLIF(SUM(t.target_amount), 0), 0)
          FROM t LEFT JOIN actual a ON a.id = t.id
      GROUP BY t.user_id
        """,
        today=ctx["today"],
        companies=ctx["companies"],
        own=_own(ctx, SQL("user_id")),
        # A salesperson's own targets count only their own deals and invoices.
        own_won=_own(ctx, SQL("h.salesperson_id")),
        own_move=_own(ctx, SQL("m.invoice_user_id")),
        move_types=MOVE_TYPES,
    )


def floor_campaign(ctx):
    """Campaign results by campaign, all months: the deals' own stored
    figures (crm_lite keeps each deal's paid amount by the suite's paid rule,
    the rule the report applies month by month) and the campaign costs."""
    return SQL(
        """
        WITH facts AS (
            SELECT campaign_id, company_id, 0 AS cost, COUNT(*) AS deals,
                   COUNT(*) FILTER (WHERE stage_kind = 'won') AS won,
                   SUM(amount_paid) AS paid
              FROM crm_lite_deal
             WHERE campaign_id IS NOT NULL
          GROUP BY campaign_id, company_id
             UNION ALL
            SELECT campaign_id, company_id, SUM(amount), 0, 0, 0
              FROM crm_lite_campaign_cost
          GROUP BY campaign_id, company_id
        )
        SELECT f.campaign_id, SUM(f.cost), SUM(f.deals), SUM(f.won),
               SUM(f.paid),
               COALESCE((SUM(f.paid) - SUM(f.cost)) / NULLIF(SUM(f.cost), 0), 0)
          FROM facts f
          JOIN utm_campaign c ON c.id = f.campaign_id
         WHERE f.company_id IN %(companies)s AND %(own)s
      GROUP BY f.campaign_id
        """,
        companies=ctx["companies"],
        own=_own(ctx, SQL("c.user_id")),
    )


def floor_leakage(ctx):
    return SQL(
        """
        SELECT 'won_not_invoiced', COUNT(*), SUM(d.amount - d.amount_invoiced)
          FROM crm_lite_deal d
         WHERE d.active AND d.stage_kind = 'won' AND d.amount > d.amount_invoiced
           AND d.company_id IN %(companies)s AND %(own_deal)s
        HAVING COUNT(*) > 0
         UNION ALL
        SELECT 'invoiced_unpaid', COUNT(*), SUM(m.amount_residual_signed)
          FROM account_move m
          JOIN crm_lite_deal d ON d.id = m.deal_id
         WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
           AND m.deal_id IS NOT NULL AND m.amount_residual_signed > 0
           AND d.amount_due > 0 AND m.company_id IN %(companies)s
           AND %(own_deal)s
        HAVING COUNT(*) > 0
         UNION ALL
        SELECT 'paid_without_deal', COUNT(*), SUM(m.amount_total_signed)
          FROM account_move m
         WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
           AND m.deal_id IS NULL AND m.payment_state IN ('paid', 'in_payment')
           AND m.company_id IN %(companies)s AND %(own_move)s
           AND (EXISTS (SELECT 1 FROM crm_lite_deal d
                         WHERE d.organization_id = m.commercial_partner_id
                           AND d.company_id = m.company_id)
                OR EXISTS (SELECT 1 FROM crm_lite_deal d
                             JOIN res_partner p ON p.id = d.partner_id
                            WHERE p.commercial_partner_id = m.commercial_partner_id
                              AND d.company_id = m.company_id))
        HAVING COUNT(*) > 0
        """,
        companies=ctx["companies"],
        own_deal=_own(ctx, SQL("d.user_id"), or_empty=True),
        own_move=_own(ctx, SQL("m.invoice_user_id"), or_empty=True),
    )


def floor_customer(ctx):
    """Customers by ABC class: each customer's paid revenue over the
    company's window (the paid rule, from the reconciliations of its
    invoices and credit notes by payment date) added up per customer in one
    pass, then the classes by cumulative share; without the report's RFM
    ranks, recency and frequency, which its default view does not show."""
    own = SQL("TRUE")
    last_user = SQL()
    if ctx["uid"] is not None:
        # The report's salesperson: the customer's, else that of its latest
        # invoice.
        last_user = SQL(
            """
            LEFT JOIN (SELECT DISTINCT ON (partner_id, company_id)
                              partner_id, company_id, invoice_user_id
                         FROM moves WHERE invoice_user_id IS NOT NULL
                     ORDER BY partner_id, company_id, date DESC, id DESC) lu
                   ON lu.partner_id = c.partner_id AND lu.company_id = c.company_id
            JOIN res_partner rp ON rp.id = c.partner_id
            """
        )
        own = SQL("COALESCE(rp.user_id, lu.invoice_user_id) = %s", ctx["uid"])
    return SQL(
        """
        WITH windows AS (
            SELECT id AS company_id,
                   (%(today)s::date - make_interval(
                       months => COALESCE(crm_reports_window_months, 12)))::date
                       AS start
              FROM res_company
        ), moves AS MATERIALIZED (
            SELECT m.id, m.commercial_partner_id AS partner_id, m.company_id,
                   m.move_type, m.amount_total_signed AS total, m.date,
                   m.invoice_user_id, w.start
              FROM account_move m
              JOIN windows w ON w.company_id = m.company_id
             WHERE m.state = 'posted' AND m.move_type IN %(move_types)s
               AND m.commercial_partner_id IS NOT NULL AND m.date <= %(today)s
        ), invoiced AS (
            SELECT partner_id, company_id, SUM(total) AS now,
                   COALESCE(SUM(total) FILTER (WHERE date < start), 0) AS before
              FROM moves
          GROUP BY partner_id, company_id
        ), lines AS (
            -- Both sides of each reconciliation of the moves' receivables.
            SELECT l.move_id, p.amount, p.max_date
              FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.debit_move_id
             WHERE l.display_type = 'payment_term' AND p.max_date <= %(today)s
             UNION ALL
            SELECT l.move_id, p.amount, p.max_date
              FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.credit_move_id
             WHERE l.display_type = 'payment_term' AND p.max_date <= %(today)s
        ), reconciled AS (
            SELECT m.partner_id, m.company_id,
                   SUM(CASE WHEN m.move_type = 'out_invoice'
                            THEN r.amount ELSE -r.amount END) AS now,
                   COALESCE(SUM(CASE WHEN m.move_type = 'out_invoice'
                                     THEN r.amount ELSE -r.amount END)
                            FILTER (WHERE r.max_date < m.start), 0) AS before
              FROM lines r
              JOIN moves m ON m.id = r.move_id
          GROUP BY m.partner_id, m.company_id
        ), customers AS (
            SELECT i.partner_id, i.company_id,
                   LEAST(COALESCE(r.now, 0), i.now)
                   - LEAST(COALESCE(r.before, 0), i.before) AS revenue
              FROM invoiced i
         LEFT JOIN reconciled r
                ON r.partner_id = i.partner_id AND r.company_id = i.company_id
        ), ranked AS (
            SELECT customers.*,
                   SUM(GREATEST(revenue, 0)) OVER company AS total,
                   SUM(GREATEST(revenue, 0)) OVER (
                       PARTITION BY company_id ORDER BY GREATEST(revenue, 0) DESC)
                   - SUM(GREATEST(revenue, 0)) OVER (
                       PARTITION BY company_id, GREATEST(revenue, 0)) AS above
              FROM customers
            WINDOW company AS (PARTITION BY company_id)
        )
        SELECT CASE WHEN c.revenue <= 0 THEN 'C'
                    WHEN 100 * c.above < 80 * c.total THEN 'A'
                    WHEN 100 * c.above < 95 * c.total THEN 'B'
                    ELSE 'C' END AS abc_class,
               COUNT(*), SUM(c.revenue),
               SUM(COALESCE(100.0 * c.revenue / NULLIF(c.total, 0), 0))
          FROM ranked c
          %(last_user)s
         WHERE c.company_id IN %(companies)s AND %(own)s
      GROUP BY 1
        """,
        today=ctx["today"],
        move_types=MOVE_TYPES,
        companies=ctx["companies"],
        last_user=last_user,
        own=own,
    )


def floor_activity(ctx):
    return SQL(
        """
        WITH facts AS (
            SELECT a.user_id, COUNT(*) AS planned, 0 AS done,
                   COUNT(*) FILTER (WHERE a.date_deadline < %(today)s) AS overdue,
                   0 AS meetings, 0 AS won
              FROM mail_activity a
              JOIN crm_lite_deal d ON d.id = a.res_id
             WHERE a.res_model = 'crm.lite.deal' AND a.active
               AND d.company_id IN %(companies)s
          GROUP BY a.user_id
             UNION ALL
            SELECT u.id, 0, COUNT(*), 0, 0, 0
              FROM mail_message m
              JOIN crm_lite_deal d ON d.id = m.res_id
         LEFT JOIN (SELECT DISTINCT ON (partner_id) partner_id, id
                      FROM res_users ORDER BY partner_id, id) u
                ON u.partner_id = m.author_id
             WHERE m.model = 'crm.lite.deal' AND m.mail_activity_type_id IS NOT NULL
               AND d.company_id IN %(companies)s
          GROUP BY u.id
             UNION ALL
            SELECT e.user_id, 0, 0, 0, COUNT(*),
                   COUNT(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM crm_lite_stage_history h
                        WHERE h.deal_id = e.deal_id AND h.stage_kind = 'won'
                          AND h.date >= e.start
                          AND h.date < e.start + interval '30 days'))
              FROM calendar_event e
              JOIN crm_lite_deal d ON d.id = e.deal_id
             WHERE e.active AND e.start < %(now)s AND d.company_id IN %(companies)s
          GROUP BY e.user_id
        )
        SELECT user_id, SUM(planned), SUM(done), SUM(overdue), SUM(meetings),
               SUM(won)
          FROM facts
         WHERE %(own)s
      GROUP BY user_id
        """,
        today=ctx["today"],
        now=ctx["now"],
        companies=ctx["companies"],
        own=_own(ctx, SQL("user_id")),
    )


FLOORS = {
    "pipeline": floor_pipeline,
    "funnel": floor_funnel,
    "target": floor_target,
    "campaign": floor_campaign,
    "leakage": floor_leakage,
    "customer": floor_customer,
    "activity": floor_activity,
}


def domain_bounds(domain):
    """``{field: (lower bound, upper bound)}`` of a domain of ``>=``/``<``
    conditions (the default date filters)."""
    bounds = {}
    for leaf in domain:
        if isinstance(leaf, tuple | list) and len(leaf) == 3:
            name, operator, value = leaf
            low, high = bounds.get(name, (None, None))
            if operator in (">=", ">"):
                low = value
            elif operator in ("<", "<="):
                high = value
            bounds[name] = (low, high)
    return bounds


# ------------------------------------------------------------
# THE OPERATIONS
# ------------------------------------------------------------


def measure_reports(ops):
    """The ``reports`` operations: each report's default view as the
    administrator and as a salesperson, against its floor; the precomputed
    reports live and precomputed, and their refresh."""
    env = ops.env
    if "crm.lite.report.pipeline" not in env:
        ops.log("reports: crm_reports is not installed in this database, skipped")
        return
    cr = env.cr
    # As the reports read themselves: PostgreSQL's JIT off (crm_reports does
    # it for its reads; the floors get the same setting).
    cr.execute("SET LOCAL jit = off")
    today = date.today()
    now = datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003 - Odoo's UTC
    users = {"admin": ops.admin, "salesperson": _salesperson(ops)}
    floors = {}
    for key, action in REPORTS:
        for who, user in users.items():
            env_user = ops.env_as(user)
            view = DefaultView(env_user, action, today)
            ctx = {
                "companies": (ops.company.id,),
                "uid": None if who == "admin" else user.id,
                "today": today,
                "now": now,
                "bounds": domain_bounds(view.domain),
            }
            floor_query = FLOORS[key](ctx)
            floor = ops.measure(env_user, lambda q=floor_query: _fetch(cr, q))
            cr.execute(floor_query)
            floor_values = floor_figures(cr.fetchall())
            floors[key, who] = (floor, floor_values, view, env_user)
            if key in PRECOMPUTED:
                continue  # measured below, live and precomputed
            ops.add(*_report_result(ops, key, who, view, env_user, floor, floor_values))
    _precomputed(ops, floors)
    _funnel_in_date_order(ops, floors)
    cr.execute("SET LOCAL jit TO DEFAULT")


def _salesperson(ops):
    """The own-documents salesperson whose reports have the most to show:
    the one with the most unpaid invoices (the generated data puts them on
    some salespeople only), else the benchmark's salesperson."""
    ops.env.cr.execute(
        """
        SELECT d.user_id FROM account_move m
          JOIN crm_lite_deal d ON d.id = m.deal_id
         WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.amount_residual_signed > 0 AND d.user_id IS NOT NULL
      GROUP BY d.user_id ORDER BY COUNT(*) DESC, d.user_id LIMIT 1
        """
    )
    row = ops.env.cr.fetchone()
    user = ops.env["res.users"].browse(row[0]) if row else ops.salesperson
    own = ops.env.ref("crm_lite.group_crm_lite_user")
    every = ops.env.ref("crm_lite.group_crm_lite_all")
    if own not in user.groups_id or every in user.groups_id:
        return ops.salesperson
    return user


def _fetch(cr, query):
    cr.execute(query)
    cr.fetchall()


def _report_result(ops, key, who, view, env_user, floor, floor_values, mode=""):
    last = []
    suite = ops.measure(env_user, lambda: last.append(view.read(env_user)))
    orm_values = view.figures(last[-1])
    diff = differences(orm_values, floor_values)
    filters = f" ({', '.join(view.filters)})" if view.filters else ""
    rows = len(orm_values)
    note = f"{rows} row{'' if rows == 1 else 's'} by {view.rows[0]}{filters}"
    if who != "admin":
        note += f"; as {env_user.user.login}"
    if mode == " precomputed":
        note += "; read from the materialized view, the floor computes"
    elif mode == " live":
        note += "; computed at each read (setting never)"
    if diff:
        note += "; NUMBERS DIFFER from the floor: " + "; ".join(diff)
        ops.log(f"MISMATCH {view.model} ({who}{mode}): " + "; ".join(diff))
    label = f"report {view.model.rsplit('.', 1)[-1]}{mode} ({who})"
    result = Result(
        f"report_{key}{mode.replace(' ', '_')}_{who}",
        label,
        suite,
        floor,
        "SQL floor",
        TARGET,
        note=note,
    )
    return result, lambda r: (
        not diff
        and r.suite_s < 1.0
        and (r.ratio <= 2.0 or r.suite_s - r.anchor_s < 0.050)
    )


def _funnel_in_date_order(ops, floors):
    """The funnel again with the stage history in date order, as in a
    database whose history was written day after day (rolled back).

    Bulk-loaded history, and history whose successor columns crm_reports
    filled with one ``UPDATE`` at install, lies in no particular order: a
    period's entries are spread over the whole table, which is then read
    from end to end. ``CLUSTER`` on the date index puts it back in order."""
    cr = ops.env.cr
    cr.execute(
        "SELECT correlation FROM pg_stats"
        " WHERE tablename = 'crm_lite_stage_history' AND attname = 'date'"
    )
    row = cr.fetchone()
    if not row or row[0] is None or abs(row[0]) > 0.5:
        return
    cr.execute(
        "SELECT 1 FROM pg_indexes WHERE tablename = 'crm_lite_stage_history'"
        " AND indexname = 'crm_reports_history_company_date_idx'"
    )
    if not cr.fetchone():
        return
    ops.env.flush_all()
    cr.execute("SAVEPOINT perf_funnel_order")
    try:
        start = time.perf_counter()
        cr.execute(
            "CLUSTER crm_lite_stage_history USING crm_reports_history_company_date_idx"
        )
        cr.execute("ANALYZE crm_lite_stage_history")
        ops.log(
            f"(stage history put in date order in {time.perf_counter() - start:.0f} s,"
            f" date correlation {row[0]:.2f} before)"
        )
        for (key, who), (_floor, values, view, env_user) in floors.items():
            if key != "funnel":
                continue
            floor_query = FLOORS[key](
                {
                    "companies": (ops.company.id,),
                    "uid": None if who == "admin" else env_user.uid,
                    "today": date.today(),
                    "now": datetime.utcnow().replace(microsecond=0),  # noqa: DTZ003
                    "bounds": domain_bounds(view.domain),
                }
            )
            floor = ops.measure(env_user, lambda q=floor_query: _fetch(cr, q))
            result, check = _report_result(
                ops, key, who, view, env_user, floor, values, " history in date order"
            )
            result.note += (
                f"; the stage history in date order (CLUSTER), correlation"
                f" {row[0]:.2f} as generated"
            )
            ops.add(result, check)
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT perf_funnel_order")
        _clear(ops.env, flush=False)


def _precomputed(ops, floors):
    """Campaign and customer reports read live, then precomputed, and the
    hourly refresh; everything rolled back afterwards."""
    env = ops.env
    cr = env.cr
    Mixin = env["crm.lite.report.mixin"]
    if not hasattr(Mixin, "_cron_refresh_precomputed_reports"):
        for (key, who), (floor, values, view, env_user) in floors.items():
            if key in PRECOMPUTED:
                ops.add(*_report_result(ops, key, who, view, env_user, floor, values))
        return
    params = env["ir.config_parameter"].sudo()
    env.flush_all()
    cr.execute("SAVEPOINT perf_precompute")
    try:
        # Live: what the setting "never" gives (the views emptied).
        params.set_param("crm_reports.precompute", "never")
        Mixin._cron_refresh_precomputed_reports()
        _clear(env)
        for (key, who), (floor, values, view, env_user) in floors.items():
            if key in PRECOMPUTED:
                ops.add(
                    *_report_result(
                        ops, key, who, view, env_user, floor, values, " live"
                    )
                )
        # The hourly job: first refresh of empty views, then a concurrent one.
        params.set_param("crm_reports.precompute", "always")
        for label in ("first", "concurrent"):
            _clear(env)
            count = cr.sql_log_count
            start = time.perf_counter()
            Mixin._cron_refresh_precomputed_reports()
            env.flush_all()
            elapsed = time.perf_counter() - start
            ops.add(
                Result(
                    f"report_precompute_refresh_{label}",
                    f"precomputed reports: {label} refresh (hourly job)",
                    (elapsed, cr.sql_log_count - count),
                    None,
                    None,
                    note="campaign and customer materialized views"
                    + (", readable meanwhile" if label == "concurrent" else "")
                    + "; one run",
                )
            )
        _clear(env)
        for (key, who), (floor, values, view, env_user) in floors.items():
            if key in PRECOMPUTED:
                ops.add(
                    *_report_result(
                        ops, key, who, view, env_user, floor, values, " precomputed"
                    )
                )
    finally:
        env.flush_all()  # what is pending goes, with the rest, on rollback
        cr.execute("ROLLBACK TO SAVEPOINT perf_precompute")
        _clear(env, flush=False)


def _clear(env, flush=True):
    """Caches emptied (pending writes flushed first, unless rolled back)."""
    env.invalidate_all(flush=flush)
    env.registry.clear_cache()
