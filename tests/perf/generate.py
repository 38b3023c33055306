"""Bulk generation of the benchmark database.

The ORM would take hours for a million deals, so rows are written with
multi-row ``INSERT ... SELECT`` statements. To stay valid for the ORM, every
kind of row is first made once through the ORM (a *template*: a partner, a deal,
a lead, a posted invoice, a payment entry, their reconciliation), then cloned
in bulk: each column not listed in the overrides is copied from the template, so
that columns added by other addons keep the value the ORM gave them. The
figures that depend on the generated values (names, amounts, residuals, payment
states, dates, sequences) are overridden, and ``check`` recomputes the stored
computed fields of samples through the ORM to prove them right.

Volumes at ``scale`` 1: 200 000 partners (a quarter organizations), 50
salespeople, 5 pipelines of 4 stages, 1 000 000 deals with 5 stage changes each
over 5 years, 300 000 posted customer invoices of won deals (8 in 10 paid, 1
partly, 1 not), 500 campaigns; the same 1 000 000 opportunities in ``crm.lead``
(5 sales teams, crm's 4 stages). Salespeople follow their deals and leads, and
one open deal or lead in ten has an activity, as the ORM would have it.
"""

import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command
from odoo.tools import SQL

_logger = logging.getLogger("perf.generate")

PIPELINES = 5
USERS = 50
STAGES = [
    # name, kind, probability
    ("New", "open", 10.0),
    ("Qualified", "open", 40.0),
    ("Won", "won", 100.0),
    ("Lost", "lost", 0.0),
]
# The stage index a deal went through, by the index of its current stage:
# five changes each, with a lost deal reopened on the way for the qualified.
PATHS = [[0, 1, 0, 1, 0], [0, 1, 3, 0, 1], [0, 1, 0, 1, 2], [0, 1, 0, 1, 3]]
FIRST_NAMES = [
    "Anna",
    "Jonas",
    "Olena",
    "Ivan",
    "Marta",
    "Tomas",
    "Irina",
    "Petro",
    "Laura",
    "Mantas",
    "Sofia",
    "Andrii",
    "Greta",
    "Dmitri",
    "Ruta",
    "Oksana",
    "Lukas",
    "Natalia",
    "Paulius",
    "Daria",
]
LAST_NAMES = [
    "Kazlauskas",
    "Petrenko",
    "Ivanova",
    "Jankauskas",
    "Shevchenko",
    "Smirnov",
    "Stankevicius",
    "Bondarenko",
    "Kuznetsova",
    "Vasiliauskas",
    "Tkachenko",
    "Popova",
    "Zukauskas",
    "Kovalenko",
    "Sokolov",
    "Butkus",
    "Melnyk",
    "Morozova",
    "Paulauskas",
    "Boyko",
    "Volkov",
    "Urbonas",
    "Kravchenko",
    "Lebedeva",
    "Navickas",
]
ORG_WORDS = [
    "Baltic",
    "Amber",
    "Nordic",
    "Dnipro",
    "Volga",
    "Granite",
    "Linden",
    "Harbor",
    "Sunrise",
    "Meadow",
    "Summit",
    "Cedar",
    "Falcon",
    "River",
    "Oak",
    "Silver",
]
ORG_KINDS = ["Trading", "Logistics", "Foods", "Systems", "Energy", "Textiles"]
ORG_FORMS = ["UAB", "LLC", "TOV", "OOO", "AB", "GmbH"]


class Volumes:
    """What is generated at a given scale (1 = the full volume)."""

    def __init__(self, scale):
        self.scale = scale
        self.partners = max(400, round(200_000 * scale))
        self.organizations = self.partners // 4
        self.persons = self.partners - self.organizations
        # Multiples of 20: every pipeline and stage gets the same share.
        self.deals = max(2000, round(1_000_000 * scale) // 20 * 20)
        self.won = self.deals // 4
        self.invoices = max(600, round(300_000 * scale))
        self.campaigns = max(10, round(500 * scale))
        self.users = USERS
        self.pipelines = PIPELINES

    def as_dict(self):
        return {
            "partners": self.partners,
            "salespeople": self.users,
            "pipelines": self.pipelines,
            "deals": self.deals,
            "stage_history": self.deals * 5,
            "invoices": self.invoices,
            "campaigns": self.campaigns,
            "crm_leads": self.deals,
        }


@contextmanager
def step(label, timings):
    start = time.perf_counter()
    _logger.info("%s ...", label)
    yield
    elapsed = time.perf_counter() - start
    timings.append((label, elapsed))
    _logger.info("%s: %.1f s", label, elapsed)


def table_columns(cr, table):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND table_schema = current_schema()"
            " ORDER BY ordinal_position",
            table,
        )
    )
    return [name for (name,) in cr.fetchall()]


def next_id(cr, table):
    """The first free id of ``table``: generated rows take ids from there."""
    cr.execute(SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM %s", SQL.identifier(table)))
    return cr.fetchone()[0]


def sync_sequence(cr, table):
    cr.execute(
        SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " (SELECT COALESCE(MAX(id), 1) FROM %s))",
            table,
            SQL.identifier(table),
        )
    )


def bulk_execute(cr, query):
    """Execute a bulk insert without the per-row foreign key triggers, as
    pg_restore does: the generator writes consistent ids by construction, and
    ``check`` proves the result through the ORM."""
    # Until the end of the transaction: every step commits after its inserts.
    cr.execute("SET LOCAL session_replication_role = replica")
    cr.execute(query)


def clone(cr, table, template_id, source, overrides, where=None):
    """Insert one row per row of ``source`` (filtered by ``where``), copying
    the template row ``t`` of ``table`` except the ``overrides`` (column -> SQL
    expression over ``t`` and the source). ``overrides`` must give the ``id``."""
    columns = table_columns(cr, table)
    unknown = set(overrides) - set(columns)
    if unknown:
        raise ValueError(f"{table} has no column {sorted(unknown)}")
    if "id" not in overrides:
        raise ValueError("the id of cloned rows must be given")
    exprs = [overrides.get(col, SQL("t.%s", SQL.identifier(col))) for col in columns]
    bulk_execute(
        cr,
        SQL(
            "INSERT INTO %(table)s (%(columns)s) SELECT %(exprs)s"
            " FROM %(table)s AS t, %(source)s WHERE t.id = %(template)s AND %(where)s",
            table=SQL.identifier(table),
            columns=SQL(", ").join(SQL.identifier(col) for col in columns),
            exprs=SQL(", ").join(exprs),
            source=source,
            template=template_id,
            where=where or SQL("TRUE"),
        ),
    )
    count = cr.rowcount
    # The ORM creates rows next: its ids come after the generated ones; and
    # the next statements need statistics that know the new rows.
    sync_sequence(cr, table)
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    return count


def sql_array(values, cast="int"):
    """A literal SQL array of ``values``, indexed from 1 in SQL."""
    return SQL(f"(ARRAY[%s]::{cast}[])", SQL(", ").join(SQL("%s", v) for v in values))


class Generator:
    """Generates the benchmark data in ``env``'s database (committed step by step)."""

    NO_CHATTER = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "mail_create_nosubscribe": True,
        "mail_notrack": True,
        "mail_auto_subscribe_no_notify": True,
    }

    def __init__(self, env, volumes, with_suite=True):
        self.env = env(context=dict(env.context, **self.NO_CHATTER))
        self.cr = env.cr
        self.v = volumes
        self.with_suite = with_suite
        self.timings = []
        self.now = datetime.now().replace(microsecond=0)
        self.start = self.now - timedelta(days=5 * 365)
        self.company = self.env.ref("base.main_company")

    # ------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------

    def run(self):
        """Everything, in the order of the dependencies; commits after each step."""
        self.partners()
        self.users()
        self.campaigns()
        self.pipelines()
        self.deals()
        self.stage_history()
        self.leads()
        self.followers_and_activities()
        self.invoices()
        self.deal_invoice_figures()
        self.addon_figures()
        self.finish()
        return self.timings

    def addon_figures(self):
        """What the other addons of the suite store beside the rows written
        here in bulk, filled as they ask bulk loaders to, and the data their
        reports need to show something."""
        History = self.env["crm.lite.stage.history"]
        if hasattr(History, "_fill_flow_columns"):  # crm_reports
            with step("crm_reports: what came after each stage entry", self.timings):
                History._fill_flow_columns()
                self.commit()
        self.targets()

    def extend(self):
        """Bring a database generated by an earlier version of this generator
        up to date (``bench.py extend``, run by ``--reuse``): each step checks
        whether its data is there and adds it when it is not, in minutes
        instead of the half hour of a new generation."""
        changed = self.invoice_salespeople()
        changed |= self.targets()
        if changed:
            with step("ANALYZE", self.timings):
                self.cr.execute("ANALYZE")
            self.refresh_precomputed_reports()
        return changed

    def commit(self):
        self.env.flush_all()
        self.cr.commit()
        self.env.invalidate_all()

    def finish(self):
        with step("Sequences, VACUUM ANALYZE", self.timings):
            for table in self._tables():
                sync_sequence(self.cr, table)
            self.commit()
            # VACUUM cannot run in a transaction: a connection of its own.
            self.cr._cnx.autocommit = True
            try:
                self.cr.execute("VACUUM ANALYZE")
            finally:
                self.cr._cnx.autocommit = False
        self.refresh_precomputed_reports()

    def refresh_precomputed_reports(self):
        """crm_reports' hourly job, once the data is there: the reports it
        precomputes on large databases are read from fresh figures."""
        Mixin = self.env.registry.get("crm.lite.report.mixin")
        if Mixin is None or not hasattr(Mixin, "_cron_refresh_precomputed_reports"):
            return
        with step("crm_reports: precomputed reports refreshed", self.timings):
            self.env["crm.lite.report.mixin"]._cron_refresh_precomputed_reports()
            self.commit()

    def _tables(self):
        tables = [
            "res_partner",
            "account_move",
            "account_move_line",
            "account_partial_reconcile",
            "account_full_reconcile",
            "mail_followers",
            "mail_activity",
            "crm_lead",
        ]
        if self.with_suite:
            tables += ["crm_lite_deal", "crm_lite_stage_history"]
        return tables

    # ------------------------------------------------------------
    # PARTNERS
    # ------------------------------------------------------------

    def partners(self):
        v = self.v
        with step(f"{v.partners} partners", self.timings):
            country = self.env.ref("base.lt")
            common = {
                "street": "Gedimino pr. 1",
                "city": "Vilnius",
                "zip": "01103",
                "country_id": country.id,
                "lang": "en_US",
            }
            org = self.env["res.partner"].create(
                dict(
                    common,
                    name="Perf template org",
                    is_company=True,
                    email="template.org@perf.example.com",
                    phone="+37050000000",
                )
            )
            person = self.env["res.partner"].create(
                dict(
                    common,
                    name="Perf template person",
                    parent_id=org.id,
                    email="template.person@perf.example.com",
                    phone="+37060000000",
                )
            )
            self.commit()
            cr = self.cr
            self.org_base = next_id(cr, "res_partner")
            self.person_base = self.org_base + v.organizations
            org_name = SQL(
                "%(words)s[1 + mod(g, %(nw)s)]"
                " || ' ' || %(kinds)s[1 + mod(g / %(nw)s, %(nk)s)]"
                " || ' ' || %(forms)s[1 + mod(g, %(nf)s)] || ' ' || g",
                words=sql_array(ORG_WORDS, "text"),
                kinds=sql_array(ORG_KINDS, "text"),
                forms=sql_array(ORG_FORMS, "text"),
                nw=len(ORG_WORDS),
                nk=len(ORG_KINDS),
                nf=len(ORG_FORMS),
            )
            org_email = SQL("'org' || g || '@perf.example.com'")
            org_phone = SQL("'+3705' || (2000000 + g)")
            date = self._spread_date(SQL("g"), v.organizations)
            clone(
                cr,
                "res_partner",
                org.id,
                SQL("generate_series(0, %s) AS g", v.organizations - 1),
                self._partner_overrides(
                    id=SQL("%s + g", self.org_base),
                    name=org_name,
                    complete_name=org_name,
                    commercial_company_name=org_name,
                    commercial_partner_id=SQL("%s + g", self.org_base),
                    email=org_email,
                    phone=org_phone,
                    date=date,
                ),
            )
            # Person j works for organization j % organizations, except one in
            # three: a private customer.
            person_name = SQL(
                "%(first)s[1 + mod(j, %(nf)s)]"
                " || ' ' || %(last)s[1 + mod(j / %(nf)s, %(nl)s)]"
                " || ' ' || j",
                first=sql_array(FIRST_NAMES, "text"),
                last=sql_array(LAST_NAMES, "text"),
                nf=len(FIRST_NAMES),
                nl=len(LAST_NAMES),
            )
            parent = SQL(
                "CASE WHEN mod(j, 3) <> 0 THEN %s + mod(j, %s) END",
                self.org_base,
                v.organizations,
            )
            person_email = SQL(
                "lower(%(first)s[1 + mod(j, %(nf)s)])"
                " || '.' || j || '@perf.example.com'",
                first=sql_array(FIRST_NAMES, "text"),
                nf=len(FIRST_NAMES),
            )
            person_phone = SQL("'+3706' || lpad(j::text, 7, '0')")
            clone(
                cr,
                "res_partner",
                person.id,
                SQL(
                    "generate_series(0, %s) AS j"
                    " LEFT JOIN res_partner AS o ON mod(j, 3) <> 0"
                    " AND o.id = %s + mod(j, %s)",
                    v.persons - 1,
                    self.org_base,
                    v.organizations,
                ),
                self._partner_overrides(
                    id=SQL("%s + j", self.person_base),
                    name=person_name,
                    complete_name=SQL(
                        "CASE WHEN o.id IS NULL THEN %(name)s"
                        " ELSE o.name || ', ' || %(name)s END",
                        name=person_name,
                    ),
                    commercial_company_name=SQL("o.name"),
                    parent_id=parent,
                    commercial_partner_id=SQL(
                        "COALESCE(%s, %s + j)", parent, self.person_base
                    ),
                    email=person_email,
                    phone=person_phone,
                    date=self._spread_date(SQL("j"), v.persons),
                ),
            )
            self.commit()

    def _partner_overrides(self, *, date, email, phone, **values):
        values.update(
            email=email,
            email_normalized=email,
            phone=phone,
            phone_sanitized=phone,
            create_date=date,
            write_date=date,
        )
        if self.with_suite:
            values["crm_phone_key"] = phone
        values.setdefault("parent_id", SQL("NULL::int"))
        return values

    def _spread_date(self, index, count, span_days=5 * 365):
        """A timestamp from 5 years ago to now, growing with ``index``."""
        return SQL(
            "(%s::timestamp + (%s::float8 / %s) * %s * interval '1 day')",
            self.start,
            index,
            max(count, 1),
            span_days,
        )

    def _person(self, index):
        """SQL: the id of the person a deal or lead ``index`` is with."""
        return SQL("(%s + mod(%s * 13, %s))", self.person_base, index, self.v.persons)

    def _organization(self, index):
        """SQL: that person's organization, or NULL for a private customer."""
        person = SQL("mod(%s * 13, %s)", index, self.v.persons)
        return SQL(
            "(CASE WHEN mod(%(p)s, 3) <> 0 THEN %(base)s + mod(%(p)s, %(n)s) END)",
            p=person,
            base=self.org_base,
            n=self.v.organizations,
        )

    # ------------------------------------------------------------
    # USERS, CAMPAIGNS, PIPELINES
    # ------------------------------------------------------------

    def users(self):
        with step(f"{self.v.users} salespeople", self.timings):
            groups = [self.env.ref("sales_team.group_sale_salesman").id]
            if self.with_suite:
                groups.append(self.env.ref("crm_lite.group_crm_lite_user").id)
            self.env["res.users"].with_context(no_reset_password=True).create(
                [
                    {
                        "name": f"Perf Salesperson {i:02d}",
                        "login": f"perf_sales_{i:02d}",
                        "email": f"perf.sales.{i:02d}@perf.example.com",
                        "groups_id": [Command.set(groups)],
                    }
                    for i in range(self.v.users)
                ]
            )
            self.commit()
        self.user_ids = self._user_ids()

    def _user_ids(self):
        return (
            self.env["res.users"]
            .search([("login", "=like", "perf_sales_%")], order="login")
            .ids
        )

    def campaigns(self):
        with step(f"{self.v.campaigns} campaigns", self.timings):
            campaigns = self.env["utm.campaign"].create(
                [{"name": f"Perf campaign {i:03d}"} for i in range(self.v.campaigns)]
            )
            if self.with_suite:
                campaigns.write({"budget": 5000.0})
                self.env["crm.lite.campaign.cost"].create(
                    [
                        {
                            "campaign_id": campaign.id,
                            "description": "Advertising",
                            "amount": 1000.0 + 37 * (i % 100),
                            "date": (self.now - timedelta(days=i % 1500)).date(),
                        }
                        for i, campaign in enumerate(campaigns)
                    ]
                )
            self.commit()
        self.campaign_ids = campaigns.ids

    def pipelines(self):
        """Suite pipelines and crm's sales teams, five of each, with the same
        members."""
        with step("pipelines and sales teams", self.timings):
            members = [
                self.user_ids[i :: self.v.pipelines] for i in range(self.v.pipelines)
            ]
            teams = self.env["crm.team"].create(
                [
                    {"name": f"Perf team {i}", "member_ids": [Command.set(ids)]}
                    for i, ids in enumerate(members)
                ]
            )
            self.team_ids = teams.ids
            crm_stages = self.env["crm.stage"].search([], order="sequence, id")
            if len(crm_stages) < 4:
                raise RuntimeError("crm's four default stages are expected")
            # crm's stages in the order of ours: New, Qualified, Won; a lost
            # opportunity stays in a stage (Proposition) and is archived.
            won = crm_stages.filtered("is_won")[:1]
            others = crm_stages - won
            self.crm_stage_ids = [others[0].id, others[1].id, won.id, others[2].id]
            self.crm_lost_reason_id = self.env["crm.lost.reason"].search([], limit=1).id
            if self.with_suite:
                pipelines = self.env["crm.lite.pipeline"].create(
                    [
                        {
                            "name": f"Perf pipeline {i}",
                            "member_ids": [Command.set(ids)],
                            "stage_ids": [
                                Command.create(
                                    {
                                        "name": name,
                                        "kind": kind,
                                        "probability": probability,
                                        "sequence": seq,
                                        "fold": kind == "lost",
                                    }
                                )
                                for seq, (name, kind, probability) in enumerate(STAGES)
                            ],
                        }
                        for i, ids in enumerate(members)
                    ]
                )
                self.pipeline_ids = pipelines.ids
                self.stage_ids = [
                    stage.id
                    for pipeline in pipelines
                    for stage in pipeline.stage_ids.sorted("sequence")
                ]
                reason = self.env["crm.lite.lost.reason"].search([], limit=1)
                if not reason:
                    reason = self.env["crm.lite.lost.reason"].create(
                        {"name": "Too expensive"}
                    )
                self.lost_reason_id = reason.id
            self.commit()

    # ------------------------------------------------------------
    # DEALS AND THEIR HISTORY
    # ------------------------------------------------------------

    def _series(self):
        """SQL columns of deal/lead number g: pipeline p, stage index k."""
        return SQL(
            "generate_series(0::bigint, %s) AS g"
            " CROSS JOIN LATERAL (SELECT mod(g, %s) AS p, mod(g / %s, 4) AS k) AS x",
            self.v.deals - 1,
            self.v.pipelines,
            self.v.pipelines,
        )

    def _user(self):
        """A member of the record's pipeline (and sales team) p: the users
        are split among them as ``user_ids[p::pipelines]``."""
        return SQL(
            "%s[1 + p + %s * mod(g * 31 + g / 7, %s)]",
            sql_array(self.user_ids),
            self.v.pipelines,
            len(self.user_ids) // self.v.pipelines,
        )

    def _amount(self):
        return SQL("(1000 + mod(g * 7919, 49000))::numeric")

    def _step_days(self):
        return SQL("(1 + mod(g, 23))")

    def _stage_date(self, j):
        """When deal g made its change number ``j`` (0 = creation)."""
        return SQL(
            "LEAST(%(created)s + %(j)s * %(step)s * interval '1 day',"
            " %(now)s::timestamp)",
            created=self._spread_date(SQL("g"), self.v.deals),
            j=j,
            step=self._step_days(),
            now=self.now,
        )

    def _priority(self):
        return SQL(
            "CASE WHEN mod(g, 100) = 0 THEN '3' WHEN mod(g, 50) = 0 THEN '2'"
            " WHEN mod(g, 10) = 0 THEN '1' ELSE '0' END"
        )

    def _campaign(self):
        return SQL(
            "CASE WHEN mod(g / 3, 5) < 2 THEN %s[1 + mod(g, %s)] END",
            sql_array(self.campaign_ids),
            len(self.campaign_ids),
        )

    def deals(self):
        if not self.with_suite:
            return
        v = self.v
        with step(f"{v.deals} deals", self.timings):
            pipeline = self.env["crm.lite.pipeline"].browse(self.pipeline_ids[0])
            template = self.env["crm.lite.deal"].create(
                {
                    "name": "Perf template deal",
                    "pipeline_id": pipeline.id,
                    "partner_id": self.person_base + 1,
                    "user_id": self.user_ids[0],
                    "amount": 1000,
                }
            )
            self.commit()
            self.deal_base = next_id(self.cr, "crm_lite_deal")
            stage = SQL("%s[1 + p * 4 + k]", sql_array(self.stage_ids))
            kinds = sql_array([kind for _name, kind, _p in STAGES], "varchar")
            probabilities = sql_array([p for _n, _k, p in STAGES], "float8")
            closed = SQL("k >= 2")
            created = self._spread_date(SQL("g"), v.deals)
            last_change = self._stage_date(4)
            clone(
                self.cr,
                "crm_lite_deal",
                template.id,
                self._series(),
                {
                    "id": SQL("%s + g", self.deal_base),
                    "name": SQL("'Deal ' || g"),
                    "partner_id": self._person(SQL("g")),
                    "organization_id": self._organization(SQL("g")),
                    "pipeline_id": SQL("%s[1 + p]", sql_array(self.pipeline_ids)),
                    "stage_id": stage,
                    "stage_kind": SQL("%s[1 + k]", kinds),
                    "user_id": self._user(),
                    "amount": self._amount(),
                    "probability": SQL("%s[1 + k]", probabilities),
                    "weighted_amount": SQL(
                        "%s * %s[1 + k] / 100.0", self._amount(), probabilities
                    ),
                    "priority": self._priority(),
                    "campaign_id": self._campaign(),
                    "lost_reason_id": SQL(
                        "CASE WHEN k = 3 THEN %s END", self.lost_reason_id
                    ),
                    "date_deadline": SQL("(%s + interval '60 days')::date", created),
                    "date_last_stage_update": last_change,
                    "date_closed": SQL("CASE WHEN %s THEN %s END", closed, last_change),
                    "create_date": created,
                    "write_date": last_change,
                    "create_uid": self._user(),
                    "write_uid": self._user(),
                },
            )
            self.commit()

    def stage_history(self):
        if not self.with_suite:
            return
        v = self.v
        with step(f"{v.deals * 5} stage changes", self.timings):
            paths = SQL(
                "(ARRAY[%s])",
                SQL(", ").join(SQL("ARRAY[%s]", SQL(", ").join(p)) for p in PATHS),
            )
            stage = SQL(
                "%s[1 + p * 4 + %s[1 + k][1 + j]]", sql_array(self.stage_ids), paths
            )
            stage_from = SQL(
                "CASE WHEN j > 0 THEN %s[1 + p * 4 + %s[1 + k][j]] END",
                sql_array(self.stage_ids),
                paths,
            )
            kinds = sql_array([kind for _name, kind, _p in STAGES], "varchar")
            date = self._stage_date(SQL("j"))
            bulk_execute(
                self.cr,
                SQL(
                    """
                    INSERT INTO crm_lite_stage_history
                        (deal_id, pipeline_id, company_id, stage_from_id, stage_id,
                         stage_kind, user_id, salesperson_id, date, amount,
                         create_uid, create_date, write_uid, write_date)
                    SELECT %(deal)s, %(pipeline)s, %(company)s, %(stage_from)s,
                           %(stage)s, %(kinds)s[1 + %(paths)s[1 + k][1 + j]],
                           %(user)s, %(user)s, %(date)s, %(amount)s,
                           %(user)s, %(date)s, %(user)s, %(date)s
                      FROM %(series)s, generate_series(0, 4) AS j
                    """,
                    deal=SQL("%s + g", self.deal_base),
                    pipeline=SQL("%s[1 + p]", sql_array(self.pipeline_ids)),
                    company=self.company.id,
                    stage_from=stage_from,
                    stage=stage,
                    kinds=kinds,
                    paths=paths,
                    user=self._user(),
                    date=date,
                    amount=self._amount(),
                    series=self._series(),
                ),
            )
            self.cr.execute("ANALYZE crm_lite_stage_history")
            self.commit()

    # ------------------------------------------------------------
    # ODOO CRM
    # ------------------------------------------------------------

    def leads(self):
        v = self.v
        with step(f"{v.deals} crm.lead opportunities", self.timings):
            template = self.env["crm.lead"].create(
                {
                    "name": "Perf template lead",
                    "type": "opportunity",
                    "team_id": self.team_ids[0],
                    "partner_id": self.person_base + 1,
                    "user_id": self.user_ids[0],
                    "expected_revenue": 1000,
                }
            )
            self.commit()
            self.lead_base = next_id(self.cr, "crm_lead")
            probabilities = sql_array([p for _n, _k, p in STAGES], "float8")
            created = self._spread_date(SQL("g"), v.deals)
            last_change = self._stage_date(4)
            person = self._person(SQL("g"))
            source = SQL(
                "%s JOIN res_partner AS c ON c.id = %s"
                " LEFT JOIN res_partner AS o ON o.id = c.parent_id",
                self._series(),
                person,
            )
            clone(
                self.cr,
                "crm_lead",
                template.id,
                source,
                {
                    "id": SQL("%s + g", self.lead_base),
                    "name": SQL("'Opportunity ' || g"),
                    "partner_id": SQL("c.id"),
                    "contact_name": SQL("c.name"),
                    "partner_name": SQL("o.name"),
                    "email_from": SQL("c.email"),
                    "email_normalized": SQL("c.email_normalized"),
                    "phone": SQL("c.phone"),
                    "phone_sanitized": SQL("c.phone_sanitized"),
                    "team_id": SQL("%s[1 + p]", sql_array(self.team_ids)),
                    "stage_id": SQL("%s[1 + k]", sql_array(self.crm_stage_ids)),
                    "active": SQL("k <> 3"),
                    "user_id": self._user(),
                    "expected_revenue": self._amount(),
                    "prorated_revenue": SQL(
                        "%s * %s[1 + k] / 100.0", self._amount(), probabilities
                    ),
                    "probability": SQL("%s[1 + k]", probabilities),
                    "automated_probability": SQL("%s[1 + k]", probabilities),
                    "priority": self._priority(),
                    "campaign_id": self._campaign(),
                    "lost_reason_id": SQL(
                        "CASE WHEN k = 3 THEN %s::int END",
                        self.crm_lost_reason_id or None,
                    ),
                    "date_deadline": SQL("(%s + interval '60 days')::date", created),
                    "date_open": created,
                    "day_open": SQL("0"),
                    "day_close": SQL(
                        "CASE WHEN k >= 2"
                        " THEN FLOOR(EXTRACT(EPOCH FROM %s - %s) / 86400) END",
                        last_change,
                        created,
                    ),
                    "date_last_stage_update": last_change,
                    "date_closed": SQL("CASE WHEN k >= 2 THEN %s END", last_change),
                    "create_date": created,
                    "write_date": last_change,
                    "create_uid": self._user(),
                    "write_uid": self._user(),
                },
            )
            self.commit()

    def followers_and_activities(self):
        """Salespeople follow their records (the ORM subscribes them); one open
        record in ten has an activity planned around today."""
        with step("followers and activities", self.timings):
            targets = [("crm.lead", "crm_lead", self.lead_base)]
            if self.with_suite:
                targets.insert(0, ("crm.lite.deal", "crm_lite_deal", self.deal_base))
            todo = self.env.ref("mail.mail_activity_data_todo")
            for model, table, base in targets:
                self.cr.execute(
                    SQL(
                        """
                        INSERT INTO mail_followers (res_model, res_id, partner_id)
                        SELECT %(model)s, r.id, u.partner_id
                          FROM %(table)s AS r
                          JOIN res_users AS u ON u.id = r.user_id
                         WHERE r.id >= %(base)s
                        """,
                        model=model,
                        table=SQL.identifier(table),
                        base=base,
                    )
                )
                record = self.env[model].browse(base - 1)
                template = record.activity_schedule(
                    act_type_xmlid="mail.mail_activity_data_todo",
                    summary="Call back",
                    user_id=self.user_ids[0],
                )
                self.commit()
                clone(
                    self.cr,
                    "mail_activity",
                    template.id,
                    SQL(
                        "%s JOIN %s AS r ON r.id = %s + g",
                        self._series(),
                        SQL.identifier(table),
                        base,
                    ),
                    {
                        "id": SQL("nextval('mail_activity_id_seq')"),
                        "res_id": SQL("r.id"),
                        "res_name": SQL("r.name"),
                        "user_id": SQL("r.user_id"),
                        "activity_type_id": SQL("%s", todo.id),
                        "date_deadline": SQL(
                            "(%s::date + (mod(g / 20, 30) - 15)::int)", self.now.date()
                        ),
                        "create_date": SQL("r.create_date"),
                        "write_date": SQL("r.create_date"),
                    },
                    # One open record in ten (stage index 0 or 1, see _series).
                    where=SQL("mod(g, 20) IN (0, 6)"),
                )
                self.commit()

    # ------------------------------------------------------------
    # ACCOUNTING
    # ------------------------------------------------------------

    def invoices(self):
        """Posted customer invoices of won deals, each paid by a bank entry
        reconciled with it (8 in 10 in full, 1 half, 1 not at all)."""
        if not self.with_suite:
            return
        v = self.v
        with step(f"{v.invoices} invoices and their payments", self.timings):
            templates = self._accounting_templates()
            self.commit()
            self._invoice_plan()
            self._insert_invoices(templates)
            self._insert_payments(templates)
            self.commit()

    def _accounting_templates(self):
        """One invoice and one payment entry reconciled with it, through the ORM."""
        env = self.env
        deal = env["crm.lite.deal"].browse(self.deal_base)
        partner = deal.organization_id or deal.partner_id
        income = env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", self.company.id)],
            limit=1,
        )
        bank = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        if not income or not bank:
            raise RuntimeError(
                "the benchmark needs a chart of accounts with an income account"
                " and a bank journal"
            )
        template_date = (self.start - timedelta(days=400)).date()
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                # Before the generated ones: its number takes no year of theirs.
                "invoice_date": template_date,
                "deal_id": deal.id,
                "invoice_user_id": deal.user_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Services",
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "account_id": income.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        product_line = invoice.invoice_line_ids
        payment = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": bank.id,
                "date": template_date,
                "line_ids": [
                    Command.create(
                        {
                            "name": "Payment",
                            "account_id": bank.default_account_id.id,
                            "debit": 1000.0,
                            "partner_id": partner.id,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Payment",
                            "account_id": receivable.account_id.id,
                            "credit": 1000.0,
                            "partner_id": partner.id,
                        }
                    ),
                ],
            }
        )
        payment.action_post()
        pay_receivable = payment.line_ids.filtered(
            lambda line: line.account_id == receivable.account_id
        )
        (receivable + pay_receivable).reconcile()
        if invoice.payment_state != "paid":
            raise RuntimeError("the template invoice is not paid")
        return {
            "invoice": invoice,
            "product_line": product_line,
            "receivable": receivable,
            "payment": payment,
            "bank_line": payment.line_ids - pay_receivable,
            "pay_receivable": pay_receivable,
            "partial": receivable.matched_credit_ids,
            "full": receivable.full_reconcile_id,
        }

    def _invoice_plan(self):
        """A working table: one row per invoice with its ids, names and amounts."""
        v, cr = self.v, self.cr
        move_base = next_id(cr, "account_move")
        line_base = next_id(cr, "account_move_line")
        partial_base = next_id(cr, "account_partial_reconcile")
        full_base = next_id(cr, "account_full_reconcile")
        today = self.now.date()
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE perf_invoice ON COMMIT PRESERVE ROWS AS
                WITH won AS (
                    SELECT id, amount, date_closed::date AS closed, user_id,
                           COALESCE(organization_id, partner_id) AS customer,
                           ROW_NUMBER() OVER (ORDER BY id) - 1 AS w
                      FROM crm_lite_deal
                     WHERE stage_kind = 'won' AND id >= %(deal_base)s
                ), plan AS (
                    SELECT i, won.id AS deal_id, won.customer, won.user_id,
                           CASE WHEN i < %(won)s THEN won.amount
                                ELSE ROUND(won.amount * 0.2, 2) END AS amount,
                           LEAST(won.closed + (i / %(won)s) * 30, %(today)s::date)
                               AS invoice_date,
                           mod(i, 10) AS kind
                      FROM generate_series(0, %(n)s - 1) AS i
                      JOIN won ON won.w = mod(i, %(won)s)
                )
                SELECT plan.*,
                       %(move_base)s + 2 * i AS move_id,
                       %(move_base)s + 2 * i + 1 AS payment_id,
                       %(line_base)s + 4 * i AS product_line_id,
                       %(line_base)s + 4 * i + 1 AS receivable_id,
                       %(line_base)s + 4 * i + 2 AS bank_line_id,
                       %(line_base)s + 4 * i + 3 AS pay_receivable_id,
                       %(partial_base)s + i AS partial_id,
                       CASE WHEN kind < 8 THEN %(full_base)s + i END AS full_id,
                       CASE WHEN kind < 8 THEN amount
                            WHEN kind = 8 THEN ROUND(amount / 2, 2)
                            ELSE 0 END AS paid,
                       LEAST(invoice_date + mod(i, 30), %(today)s::date) AS paid_date,
                       invoice_date + 30 AS due_date
                  FROM plan
                """,
                deal_base=self.deal_base,
                won=v.won,
                n=v.invoices,
                today=today,
                move_base=move_base,
                line_base=line_base,
                partial_base=partial_base,
                full_base=full_base,
            )
        )
        # Names follow each journal's yearly sequence, in date order.
        cr.execute(
            """
            ALTER TABLE perf_invoice ADD COLUMN inv_seq int, ADD COLUMN pay_seq int;
            UPDATE perf_invoice AS v
               SET inv_seq = s.inv_seq, pay_seq = s.pay_seq
              FROM (SELECT i,
                           ROW_NUMBER() OVER (
                               PARTITION BY date_part('year', invoice_date)
                                              ORDER BY invoice_date, i) AS inv_seq,
                           CASE WHEN kind < 9 THEN ROW_NUMBER() OVER (
                               PARTITION BY kind < 9, date_part('year', paid_date)
                               ORDER BY paid_date, i) END AS pay_seq
                      FROM perf_invoice) AS s
             WHERE s.i = v.i;
            CREATE INDEX ON perf_invoice (i);
            ANALYZE perf_invoice;
            """
        )

    def _sequence_name(self, template_name, date_column, seq_column):
        """``INV/2024/00123`` from the template's ``INV/2026/00001``: its
        journal code and number width, the year of ``date_column``."""
        code, _year, number = template_name.rsplit("/", 2)
        prefix = SQL(
            "(%s || '/' || date_part('year', %s)::int || '/')",
            code,
            SQL.identifier("v", date_column),
        )
        name = SQL(
            "%s || lpad(%s::text, %s, '0')",
            prefix,
            SQL.identifier("v", seq_column),
            len(number),
        )
        return prefix, name

    def _insert_invoices(self, t):
        cr = self.cr
        inv_prefix, inv_name = self._sequence_name(
            t["invoice"].name, "invoice_date", "inv_seq"
        )
        source = SQL("perf_invoice AS v JOIN res_partner AS c ON c.id = v.customer")
        residual = SQL("(v.amount - v.paid)")
        payment_state = SQL(
            "CASE WHEN v.kind < 8 THEN 'paid' WHEN v.kind = 8 THEN 'partial'"
            " ELSE 'not_paid' END"
        )
        stamp = SQL("v.invoice_date::timestamp")
        # Full reconciliations first: lines point to them.
        clone(
            cr,
            "account_full_reconcile",
            t["full"].id,
            SQL("perf_invoice AS v"),
            {
                "id": SQL("v.full_id"),
                "create_date": SQL("v.paid_date::timestamp"),
                "write_date": SQL("v.paid_date::timestamp"),
            },
            where=SQL("v.kind < 8"),
        )
        clone(
            cr,
            "account_move",
            t["invoice"].id,
            source,
            {
                "id": SQL("v.move_id"),
                "name": inv_name,
                "sequence_prefix": inv_prefix,
                "sequence_number": SQL("v.inv_seq"),
                "payment_reference": inv_name,
                "date": SQL("v.invoice_date"),
                "invoice_date": SQL("v.invoice_date"),
                "invoice_date_due": SQL("v.due_date"),
                "partner_id": SQL("c.id"),
                "commercial_partner_id": SQL("c.id"),
                "partner_shipping_id": SQL("c.id"),
                "invoice_partner_display_name": SQL("c.complete_name"),
                "deal_id": SQL("v.deal_id"),
                # Invoicing a deal makes its salesperson the invoice's.
                "invoice_user_id": SQL("v.user_id"),
                "amount_untaxed": SQL("v.amount"),
                "amount_total": SQL("v.amount"),
                "amount_residual": residual,
                "amount_untaxed_signed": SQL("v.amount"),
                "amount_untaxed_in_currency_signed": SQL("v.amount"),
                "amount_total_signed": SQL("v.amount"),
                "amount_total_in_currency_signed": SQL("v.amount"),
                "amount_residual_signed": residual,
                "payment_state": payment_state,
                "access_token": SQL("NULL"),
                "create_date": stamp,
                "write_date": stamp,
            },
        )
        line_common = {
            "move_id": SQL("v.move_id"),
            "move_name": inv_name,
            "partner_id": SQL("c.id"),
            "date": SQL("v.invoice_date"),
            "invoice_date": SQL("v.invoice_date"),
            "create_date": stamp,
            "write_date": stamp,
        }
        clone(
            cr,
            "account_move_line",
            t["product_line"].id,
            source,
            dict(
                line_common,
                id=SQL("v.product_line_id"),
                credit=SQL("v.amount"),
                balance=SQL("-v.amount"),
                amount_currency=SQL("-v.amount"),
                price_unit=SQL("v.amount"),
                price_subtotal=SQL("v.amount"),
                price_total=SQL("v.amount"),
            ),
        )
        clone(
            cr,
            "account_move_line",
            t["receivable"].id,
            source,
            dict(
                line_common,
                id=SQL("v.receivable_id"),
                name=inv_name,
                debit=SQL("v.amount"),
                balance=SQL("v.amount"),
                amount_currency=SQL("v.amount"),
                amount_residual=residual,
                amount_residual_currency=residual,
                reconciled=SQL("v.kind < 8"),
                full_reconcile_id=SQL("v.full_id"),
                matching_number=self._matching_number(),
                date_maturity=SQL("v.due_date"),
            ),
        )

    def _matching_number(self):
        # How account.move.line names a reconciliation: the full one's id, or
        # "P" and the first partial's id while it is partial.
        return SQL(
            "CASE WHEN v.kind < 8 THEN v.full_id::text"
            " WHEN v.kind = 8 THEN 'P' || v.partial_id END"
        )

    def _insert_payments(self, t):
        cr = self.cr
        pay_prefix, pay_name = self._sequence_name(
            t["payment"].name, "paid_date", "pay_seq"
        )
        source = SQL("perf_invoice AS v JOIN res_partner AS c ON c.id = v.customer")
        paid = SQL("v.kind < 9")
        stamp = SQL("v.paid_date::timestamp")
        clone(
            cr,
            "account_move",
            t["payment"].id,
            source,
            {
                "id": SQL("v.payment_id"),
                "name": pay_name,
                "sequence_prefix": pay_prefix,
                "sequence_number": SQL("v.pay_seq"),
                "date": SQL("v.paid_date"),
                "amount_total": SQL("v.paid"),
                "amount_total_signed": SQL("v.paid"),
                "amount_total_in_currency_signed": SQL("v.paid"),
                "access_token": SQL("NULL"),
                "create_date": stamp,
                "write_date": stamp,
            },
            where=paid,
        )
        common = {
            "move_id": SQL("v.payment_id"),
            "move_name": pay_name,
            "partner_id": SQL("c.id"),
            "date": SQL("v.paid_date"),
            "create_date": stamp,
            "write_date": stamp,
        }
        clone(
            cr,
            "account_move_line",
            t["bank_line"].id,
            source,
            dict(
                common,
                id=SQL("v.bank_line_id"),
                debit=SQL("v.paid"),
                balance=SQL("v.paid"),
                amount_currency=SQL("v.paid"),
                amount_residual=SQL("v.paid"),
                amount_residual_currency=SQL("v.paid"),
                price_subtotal=SQL("v.paid"),
                price_total=SQL("v.paid"),
            ),
            where=paid,
        )
        clone(
            cr,
            "account_move_line",
            t["pay_receivable"].id,
            source,
            dict(
                common,
                id=SQL("v.pay_receivable_id"),
                credit=SQL("v.paid"),
                balance=SQL("-v.paid"),
                amount_currency=SQL("-v.paid"),
                price_subtotal=SQL("-v.paid"),
                price_total=SQL("-v.paid"),
                full_reconcile_id=SQL("v.full_id"),
                matching_number=self._matching_number(),
            ),
            where=paid,
        )
        clone(
            cr,
            "account_partial_reconcile",
            t["partial"].id,
            source,
            {
                "id": SQL("v.partial_id"),
                "debit_move_id": SQL("v.receivable_id"),
                "credit_move_id": SQL("v.pay_receivable_id"),
                "full_reconcile_id": SQL("v.full_id"),
                "amount": SQL("v.paid"),
                "debit_amount_currency": SQL("v.paid"),
                "credit_amount_currency": SQL("v.paid"),
                "max_date": SQL("v.paid_date"),
                "create_date": stamp,
                "write_date": stamp,
            },
            where=paid,
        )
        # Customers with invoices rank as customers, as posting does.
        cr.execute(
            "UPDATE res_partner SET customer_rank = 1"
            " WHERE id IN (SELECT DISTINCT customer FROM perf_invoice)"
        )

    def deal_invoice_figures(self):
        """The deals' invoiced, paid and due amounts, by the suite's own paid
        rule (``account.move._crm_paid_amounts_query``) in one statement; the
        ORM recomputes samples of them in ``check``."""
        if not self.with_suite:
            return
        with step("deal invoice figures (the suite's paid rule)", self.timings):
            paid = self.env["account.move"]._crm_paid_amounts_query(
                [("deal_id", ">=", self.deal_base)], "deal_id"
            )
            self.cr.execute(
                SQL(
                    """
                    UPDATE crm_lite_deal AS d
                       SET amount_invoiced = f.invoiced,
                           amount_paid = f.paid,
                           amount_due = GREATEST(r.residual, 0),
                           payment_state = CASE
                               WHEN r.residual <= 0 THEN 'paid'
                               WHEN f.invoiced - r.residual > 0 THEN 'partial'
                               ELSE 'not_paid' END
                      FROM (%(paid)s) AS f
                      JOIN (SELECT deal_id, SUM(amount_residual_signed) AS residual
                              FROM account_move
                             WHERE state = 'posted' AND deal_id >= %(base)s
                          GROUP BY deal_id) AS r ON r.deal_id = f.group_id
                     WHERE d.id = f.group_id
                    """,
                    paid=paid,
                    base=self.deal_base,
                )
            )
            self.cr.execute("DROP TABLE perf_invoice")
            self.commit()

    def invoice_salespeople(self):
        """Invoices of deals made by an earlier generator carry the template's
        salesperson (the superuser, who generates); invoicing a deal gives the
        invoice the deal's salesperson (``crm.lite.deal`` invoicing). Set it
        on those: returns whether anything changed."""
        if not self.with_suite:
            return False
        self.cr.execute(
            SQL(
                """
                SELECT 1 FROM account_move m JOIN crm_lite_deal d ON d.id = m.deal_id
                 WHERE m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_user_id = %s AND d.user_id != m.invoice_user_id
                 LIMIT 1
                """,
                SUPERUSER_ID,
            )
        )
        if not self.cr.fetchone():
            return False
        with step("invoices of deals: the deal's salesperson", self.timings):
            bulk_execute(
                self.cr,
                SQL(
                    """
                    UPDATE account_move AS m SET invoice_user_id = d.user_id
                      FROM crm_lite_deal AS d
                     WHERE d.id = m.deal_id
                       AND m.move_type IN ('out_invoice', 'out_refund')
                       AND m.invoice_user_id = %s AND d.user_id != m.invoice_user_id
                    """,
                    SUPERUSER_ID,
                ),
            )
            self.commit()
        return True

    # ------------------------------------------------------------
    # REPORTS (crm_reports)
    # ------------------------------------------------------------

    def targets(self):
        """The sales plan (``crm.lite.target``) of the last 12 months and the
        current one: a monthly target per salesperson for each basis (deals
        won, invoiced, paid) and a monthly target per team (pipeline) of
        deals won, set around what was achieved on average over the last
        year (80 % to 120 % of it), through the ORM (a few thousand rows).
        Returns whether targets were added."""
        if "crm.lite.target" not in self.env or not self.with_suite:
            return False
        Target = self.env["crm.lite.target"].with_context(active_test=False)
        if Target.search_count([("name", "=like", "Perf %")], limit=1):
            return False
        users = self.env["res.users"].search(
            [("login", "=like", "perf_sales_%")], order="login"
        )
        pipelines = self.env["crm.lite.pipeline"].search(
            [("name", "=like", "Perf pipeline %")], order="name"
        )
        if not users or not pipelines:
            return False
        months = 13
        with step(
            f"{months * (3 * len(users) + len(pipelines))} sales targets", self.timings
        ):
            monthly = self._monthly_actuals()
            this_month = self.now.date().replace(day=1)
            values = []
            for m in range(months):
                start = this_month - relativedelta(months=months - 1 - m)
                end = start + relativedelta(months=1, days=-1)
                label = start.strftime("%Y-%m")
                for i, user in enumerate(users):
                    factor = 0.8 + 0.1 * ((i + m) % 5)
                    for basis in ("won", "invoiced", "paid"):
                        values.append(
                            {
                                "name": f"Perf {basis} {label} {user.login}",
                                "user_id": user.id,
                                "basis": basis,
                                "date_from": start,
                                "date_to": end,
                                "target_amount": round(
                                    monthly[basis] / len(users) * factor, -2
                                ),
                            }
                        )
                for i, pipeline in enumerate(pipelines):
                    factor = 0.8 + 0.1 * ((i + m) % 5)
                    values.append(
                        {
                            "name": f"Perf team {label} {pipeline.name}",
                            "pipeline_id": pipeline.id,
                            "basis": "won",
                            "date_from": start,
                            "date_to": end,
                            "target_amount": round(
                                monthly["won"] / len(pipelines) * factor, -2
                            ),
                        }
                    )
            Target.create(values)
            self.commit()
        return True

    def _monthly_actuals(self):
        """What the company won, invoiced and was paid in an average month of
        the last 12 (rough figures to set targets near them)."""
        start = self.now.date().replace(day=1) - relativedelta(months=12)
        end = self.now.date().replace(day=1)
        self.cr.execute(
            SQL(
                """
                SELECT
                    (SELECT COALESCE(SUM(amount), 0) FROM crm_lite_deal
                      WHERE stage_kind = 'won' AND date_closed >= %(start)s
                        AND date_closed < %(end)s),
                    (SELECT COALESCE(SUM(amount_total_signed), 0) FROM account_move
                      WHERE state = 'posted'
                        AND move_type IN ('out_invoice', 'out_refund')
                        AND date >= %(start)s AND date < %(end)s),
                    (SELECT COALESCE(SUM(amount), 0) FROM account_partial_reconcile
                      WHERE max_date >= %(start)s AND max_date < %(end)s)
                """,
                start=start,
                end=end,
            )
        )
        won, invoiced, paid = (float(x) / 12 for x in self.cr.fetchone())
        return {"won": won, "invoiced": invoiced, "paid": paid}
