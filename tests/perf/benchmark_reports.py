"""Benchmark: each report of crm_reports at scale, against a hand-written SQL
query giving the same numbers (the floor).

Prints figures, asserts nothing. On a database with crm_reports installed
(no demo data), ``--generate SCALE`` first bulk-loads, with SQL, SCALE times
1 000 000 deals with 5 stage entries each, 300 000 posted customer invoices
of won deals (most paid, some partly), 200 000 customers, 50 salespeople,
5 pipelines, 500 campaigns with costs and monthly targets; then every report's
default view is read through the ORM (``_read_group`` as the web client's
pivot does, as the administrator, record rules included) and compared with
its floor, medians of ``--runs`` runs:

    PYTHONPATH=$ODOO_PATH .venv/bin/python tests/perf/benchmark_reports.py \
        --database reports_bench --addons-path $ODOO_PATH/odoo/addons,. \
        --generate 1
"""

import argparse
import statistics
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

USERS = 50
PIPELINES = 5
CAMPAIGNS = 500


# ------------------------------------------------------------------ data


def generate(env, scale):
    cr = env.cr
    deals = int(1_000_000 * scale)
    partners = max(int(200_000 * scale), 100)
    invoices = int(300_000 * scale)
    company = env.ref("base.main_company")
    batch = int(time.time())  # several loads may add up in one database
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Sales {n}",
                "login": f"bench_sales_{batch}_{n}",
                "groups_id": [(4, env.ref("crm_lite.group_crm_lite_user").id)],
            }
            for n in range(USERS)
        ]
    )
    pipelines = env["crm.lite.pipeline"].create(
        [
            {
                "name": f"Bench {p}",
                "stage_ids": [
                    (0, 0, {"name": name, "sequence": seq, "kind": kind})
                    for seq, (name, kind) in enumerate(
                        [
                            ("Lead", "open"),
                            ("Qualified", "open"),
                            ("Proposal", "open"),
                            ("Negotiation", "open"),
                            ("Won", "won"),
                            ("Lost", "lost"),
                        ]
                    )
                ],
            }
            for p in range(PIPELINES)
        ]
    )
    campaigns = env["utm.campaign"].create(
        [{"name": f"Bench campaign {batch} {n}"} for n in range(CAMPAIGNS)]
    )
    env.flush_all()
    params = {
        "company": company.id,
        "currency": company.currency_id.id,
        "users": users.ids,
        "pipelines": pipelines.ids,
        "campaigns": campaigns.ids,
        "deals": deals,
        "partners": partners,
        "invoices": invoices,
    }
    steps = [
        (
            "partners",
            """
            INSERT INTO res_partner (name, complete_name, is_company, active,
                                     autopost_bills, type, create_date, write_date)
            SELECT %(customer)s || n, %(customer)s || n, n %% 4 = 0,
                   TRUE, 'ask', 'contact', now(), now()
              FROM generate_series(1, %(partners)s) n;
            UPDATE res_partner SET commercial_partner_id = id
             WHERE commercial_partner_id IS NULL;
            CREATE TEMP TABLE bench_partner AS
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM res_partner
             WHERE name LIKE %(customer)s || '%%';
            CREATE TEMP TABLE bench_stage AS
            SELECT s.id, s.pipeline_id, s.sequence, s.kind,
                   s.probability FROM crm_lite_stage s
             WHERE s.pipeline_id = ANY(%(pipelines)s);
            CREATE UNIQUE INDEX ON bench_partner (n);
            ANALYZE bench_partner;
            ANALYZE bench_stage;
            """,
        ),
        (
            "deals",
            """
            INSERT INTO crm_lite_deal (
                name, company_id, pipeline_id, stage_id, stage_kind, user_id,
                partner_id, organization_id, campaign_id, amount, probability,
                weighted_amount, active, priority, is_rotting, payment_state,
                amount_invoiced, amount_paid, amount_due, create_date,
                write_date, date_last_stage_update, date_closed)
            SELECT %(deal)s || d.n, %(company)s, d.pipeline_id, st.id,
                   st.kind, d.user_id, p.id, p.id, d.campaign_id, d.amount,
                   st.probability, d.amount * st.probability / 100,
                   d.n %% 20 <> 0, '0', st.kind = 'open' AND d.n %% 10 = 0,
                   'not_invoiced', 0, 0, 0, d.created, d.created,
                   d.created + interval '20 days',
                   CASE WHEN st.kind <> 'open'
                        THEN d.created + interval '20 days' END
              FROM (
                    SELECT n,
                           (%(pipelines)s)[1 + n %% %(pipeline_count)s]
                               AS pipeline_id,
                           (%(users)s)[1 + n %% %(user_count)s] AS user_id,
                           CASE WHEN n %% 3 = 0
                                THEN (%(campaigns)s)[1 + n %% %(campaign_count)s]
                           END AS campaign_id,
                           (100 + (n::bigint * 7919) %% 9900)::numeric AS amount,
                           CASE WHEN n %% 10 < 4 THEN 'won'
                                WHEN n %% 10 < 7 THEN 'lost' ELSE 'open' END
                               AS final_kind,
                           now() - make_interval(days => (n * 37) %% 1800)
                               - interval '30 days' AS created
                      FROM generate_series(1, %(deals)s) n
                   ) d
              JOIN bench_stage st ON st.pipeline_id = d.pipeline_id
               AND ((d.final_kind = 'open' AND st.sequence = 2)
                    OR (d.final_kind <> 'open' AND st.kind = d.final_kind))
              JOIN bench_partner p ON p.n = 1 + d.n %% %(partners)s;
            """,
        ),
        (
            "stage history (5 entries per deal)",
            """
            ANALYZE crm_lite_deal;
            INSERT INTO crm_lite_stage_history (
                deal_id, pipeline_id, company_id, stage_id, stage_kind,
                salesperson_id, date, amount, flow_date_left,
                flow_next_stage_id, flow_next_kind)
            SELECT e.deal_id, e.pipeline_id, e.company_id, e.stage_id, e.kind,
                   e.user_id, e.date, e.amount,
                   LEAD(e.date) OVER w, LEAD(e.stage_id) OVER w,
                   LEAD(e.kind) OVER w
              FROM (
                    SELECT d.id AS deal_id, d.pipeline_id, d.company_id,
                           d.user_id, d.amount, j,
                           COALESCE(final.id, st.id) AS stage_id,
                           COALESCE(final.kind, st.kind) AS kind,
                           d.create_date + make_interval(days => 4 * (j - 1))
                               AS date
                      FROM crm_lite_deal d
                     CROSS JOIN generate_series(1, 5) j
                      LEFT JOIN bench_stage st ON st.pipeline_id = d.pipeline_id
                       AND st.sequence = j - 1 AND j < 5
                      LEFT JOIN bench_stage final ON final.id = d.stage_id
                       AND j = 5
                     WHERE d.name LIKE %(deal)s || '%%'
                   ) e
            WINDOW w AS (PARTITION BY e.deal_id ORDER BY e.date);
            """,
        ),
        (
            "invoices, receivable lines and payments",
            """
            CREATE TEMP TABLE bench_invoice AS
            SELECT d.id AS deal_id, d.partner_id, d.user_id, d.company_id,
                   CASE WHEN d.id %% 9 = 0 THEN round(d.amount * 0.6, 2)
                        ELSE d.amount END AS total,
                   (d.date_closed + interval '3 days')::date AS date,
                   row_number() OVER (ORDER BY d.id) AS n
              FROM crm_lite_deal d
             WHERE d.stage_kind = 'won' AND d.name LIKE %(deal)s || '%%'
             LIMIT %(invoices)s;
            ANALYZE bench_invoice;
            INSERT INTO account_move (
                name, journal_id, currency_id, company_id, state, move_type,
                auto_post, date, invoice_date, invoice_date_due, partner_id,
                commercial_partner_id, deal_id, invoice_user_id,
                amount_total, amount_total_signed, amount_untaxed,
                amount_untaxed_signed, amount_residual, amount_residual_signed,
                payment_state, create_date, write_date)
            SELECT %(move)s || i.n, %(journal)s, %(currency)s, i.company_id,
                   'posted', 'out_invoice', 'no', i.date, i.date,
                   i.date + 30, i.partner_id, i.partner_id, i.deal_id, i.user_id,
                   i.total, i.total, i.total, i.total,
                   CASE WHEN i.n %% 10 < 8 THEN 0
                        WHEN i.n %% 10 = 8 THEN round(i.total / 2, 2)
                        ELSE i.total END,
                   CASE WHEN i.n %% 10 < 8 THEN 0
                        WHEN i.n %% 10 = 8 THEN round(i.total / 2, 2)
                        ELSE i.total END,
                   CASE WHEN i.n %% 10 < 8 THEN 'paid'
                        WHEN i.n %% 10 = 8 THEN 'partial' ELSE 'not_paid' END,
                   now(), now()
              FROM bench_invoice i;
            INSERT INTO account_move_line (
                move_id, currency_id, company_id, display_type, account_id,
                partner_id, date, parent_state, balance, debit, credit,
                amount_currency, amount_residual, amount_residual_currency)
            SELECT m.id, m.currency_id, m.company_id, 'payment_term',
                   %(receivable)s, m.partner_id, m.date, 'posted',
                   m.amount_total_signed, m.amount_total_signed, 0,
                   m.amount_total_signed, m.amount_residual_signed,
                   m.amount_residual_signed
              FROM account_move m WHERE m.name LIKE %(move)s || '%%'
             UNION ALL
            SELECT m.id, m.currency_id, m.company_id, 'product', %(income)s,
                   m.partner_id, m.date, 'posted', -m.amount_total_signed, 0,
                   m.amount_total_signed, -m.amount_total_signed, 0, 0
              FROM account_move m WHERE m.name LIKE %(move)s || '%%';
            INSERT INTO account_partial_reconcile (
                debit_move_id, credit_move_id, company_id, debit_currency_id,
                credit_currency_id, amount, debit_amount_currency,
                credit_amount_currency, max_date, create_date, write_date)
            SELECT l.id, pl.id, l.company_id, l.currency_id, l.currency_id,
                   l.balance - l.amount_residual, l.balance - l.amount_residual,
                   l.balance - l.amount_residual,
                   l.date + (l.id %% 40), now(), now()
              FROM account_move_line l
              -- The other side is the move's income line: the reports only
              -- read the invoices' receivable lines.
              JOIN account_move_line pl
                ON pl.move_id = l.move_id AND pl.display_type = 'product'
             WHERE l.display_type = 'payment_term' AND l.amount_residual < l.balance
               AND l.move_id IN (SELECT id FROM account_move
                                  WHERE name LIKE %(move)s || '%%');
            UPDATE crm_lite_deal d
               SET amount_invoiced = m.amount_total_signed,
                   amount_due = m.amount_residual_signed,
                   amount_paid = m.amount_total_signed - m.amount_residual_signed,
                   payment_state = m.payment_state
              FROM account_move m
             WHERE m.deal_id = d.id AND m.name LIKE %(move)s || '%%';
            """,
        ),
        (
            "campaign costs and monthly targets",
            """
            INSERT INTO crm_lite_campaign_cost (campaign_id, company_id,
                                                description, date, amount)
            SELECT c, %(company)s, 'Bench cost', now()::date - (c %% 700), 5000
              FROM unnest(%(campaigns)s) c;
            INSERT INTO crm_lite_target (name, company_id, user_id, basis,
                                         date_from, date_to, target_amount,
                                         active)
            SELECT 'Bench ' || u || ' ' || b || ' ' || m, %(company)s, u, b,
                   (date_trunc('month', now()) - make_interval(months => m))::date,
                   (date_trunc('month', now()) - make_interval(months => m - 1)
                    - interval '1 day')::date,
                   100000, TRUE
              FROM unnest(%(users)s) u,
                   unnest(ARRAY['won', 'invoiced', 'paid']) b,
                   generate_series(0, 11) m;
            ANALYZE;
            """,
        ),
    ]
    params.update(
        customer=f"Bench customer {batch} ",
        deal=f"Bench deal {batch} ",
        move=f"BENCH/{batch}/",
        pipeline_count=PIPELINES,
        user_count=USERS,
        campaign_count=CAMPAIGNS,
        journal=env["account.journal"]
        .search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        .id,
        receivable=env["account.account"]
        .search([("account_type", "=", "asset_receivable")], limit=1)
        .id,
        income=env["account.account"]
        .search([("account_type", "=", "income")], limit=1)
        .id,
    )
    for label, statement in steps:
        start = time.perf_counter()
        cr.execute(statement, params)
        print(f"generated {label} in {time.perf_counter() - start:.1f} s", flush=True)
    env.invalidate_all()


# ---------------------------------------------------------------- timing

# Each report's default view (what its menu opens) and a hand-written query
# giving the same numbers.
CASES = [
    (
        "crm.lite.report.pipeline",
        [],
        ["stage_id"],
        ["deal_count:sum", "amount:sum", "weighted_amount:sum", "rotting_count:sum"],
        """
        SELECT stage_id, COUNT(*), SUM(amount), SUM(weighted_amount),
               COUNT(*) FILTER (WHERE is_rotting)
          FROM crm_lite_deal WHERE active AND stage_kind = 'open'
         GROUP BY stage_id
        """,
    ),
    (
        "crm.lite.report.funnel (last quarter)",
        [("date_entered", ">=", "{quarter_start}"), ("date_entered", "<", "{today}")],
        ["stage_id"],
        ["entry_count:sum", "conversion_rate:sum", "days_in_stage:avg"],
        """
        SELECT h.stage_id, COUNT(*),
               100.0 * COUNT(*) FILTER (WHERE h.flow_next_kind IN ('open', 'won')
                   AND ns.sequence > s.sequence) / COUNT(*),
               AVG(EXTRACT(EPOCH FROM COALESCE(h.flow_date_left, now()) - h.date))
          FROM crm_lite_stage_history h
          JOIN crm_lite_stage s ON s.id = h.stage_id
          LEFT JOIN crm_lite_stage ns ON ns.id = h.flow_next_stage_id
         WHERE h.date >= '{quarter_start}' AND h.date < '{today}'
         GROUP BY h.stage_id
        """,
    ),
    (
        "crm.lite.report.target (current)",
        [("date_from", "<=", "{today}"), ("date_to", ">=", "{today}")],
        ["user_id"],
        ["target_amount:sum", "actual_amount:sum"],
        None,
    ),
    (
        "crm.lite.report.campaign",
        [],
        ["campaign_id"],
        ["cost:sum", "deal_count:sum", "won_count:sum", "revenue_paid:sum"],
        None,
    ),
    (
        "crm.lite.report.leakage",
        [],
        ["kind"],
        ["leak_count:sum", "amount:sum"],
        """
        SELECT 'won_not_invoiced', COUNT(*), SUM(amount - amount_invoiced)
          FROM crm_lite_deal
         WHERE active AND stage_kind = 'won' AND amount > amount_invoiced
        UNION ALL
        SELECT 'invoiced_unpaid', COUNT(*), SUM(m.amount_residual_signed)
          FROM account_move m JOIN crm_lite_deal d ON d.id = m.deal_id
         WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
           AND m.amount_residual_signed > 0 AND d.amount_due > 0
        """,
    ),
    (
        "crm.lite.report.customer",
        [],
        ["abc_class"],
        ["customer_count:sum", "revenue:sum"],
        None,
    ),
    (
        "crm.lite.report.activity",
        [],
        ["user_id"],
        ["planned_count:sum", "done_count:sum", "meeting_count:sum"],
        None,
    ),
]


def median_time(func, runs):
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(env, runs):
    today = odoo.fields.Date.today()
    quarter_start = today.replace(month=1 + 3 * ((today.month - 1) // 3), day=1)
    values = {"today": today.isoformat(), "quarter_start": quarter_start.isoformat()}
    print(f"{'report':<40} {'orm s':>8} {'floor s':>8} {'ratio':>6}")
    for label, domain, groupby, aggregates, floor in CASES:
        model = env[label.split(" ")[0]]
        domain = [(f, op, v.format(**values)) for f, op, v in domain]

        def orm(model=model, domain=domain, groupby=groupby, aggregates=aggregates):
            env.invalidate_all()
            model._read_group(domain, groupby, aggregates)

        seconds = median_time(orm, runs)
        floor_seconds = None
        if floor:
            query = SQL(floor.format(**values))
            floor_seconds = median_time(lambda q=query: env.cr.execute(q), runs)
        ratio = f"{seconds / floor_seconds:.2f}" if floor_seconds else "-"
        floor_text = f"{floor_seconds:.3f}" if floor_seconds else "-"
        print(f"{label:<40} {seconds:>8.3f} {floor_text:>8} {ratio:>6}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--generate", type=float, help="scale of the data to load")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-d", args.database, "--addons-path", args.addons_path, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    if args.generate:
        with registry.cursor() as cr:
            generate(api.Environment(cr, SUPERUSER_ID, {}), args.generate)
            cr.commit()
    with registry.cursor() as cr:
        measure(api.Environment(cr, SUPERUSER_ID, {}), args.runs)
        cr.rollback()


if __name__ == "__main__":
    main()
