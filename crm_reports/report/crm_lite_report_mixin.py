import logging

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL, drop_view_if_exists

from ..models.report_tools import ratio_sql

_logger = logging.getLogger(__name__)

#: ``ir.config_parameter`` keys of the precomputed reports
PRECOMPUTE_PARAM = "crm_reports.precompute"
PRECOMPUTED_AT_PARAM = "crm_reports.precomputed_at"
#: "auto" precomputes from this many deals or posted journal entries on (the
#: live campaign and customer reports take about a second per 100 000 deals on
#: two cores, see tests/perf/results)
PRECOMPUTE_MIN_DEALS = 200_000
PRECOMPUTE_MIN_MOVES = 100_000


class CrmLiteReportMixin(models.AbstractModel):
    """What the read-only report models of crm_reports share.

    - Each report is one SQL query (``_report_query``) built with
      ``odoo.tools.SQL``. ``init()`` installs it as a database view. Reports
      whose figures depend on the day (days in stage, overdue, revenue over
      the last months) are read by the ORM through ``_table_query`` with the
      user's today, so that a report read on any day (or in a test with a
      frozen clock) is right; the database view uses the database's clock.
    - Ratios (conversion, ROI, achievement...) are declared in
      ``_report_ratios``: grouped, they are the ratio of the sums, never a sum
      or an average of ratios.
    - Nothing is written while a report is read.
    - Reports declaring ``_report_precompute`` can be served from a
      materialized view (``<table>_data``) that the hourly job
      ``_cron_refresh_precomputed_reports`` refreshes, when the setting
      ``crm_reports.precompute`` says so (``auto``: on large databases,
      ``always``, ``never``). Their ``figures_as_of`` column tells when
      the figures were computed: now when read live.
    """

    _name = "crm.lite.report.mixin"
    _description = "CRM Report Tools"

    in_my_team = fields.Boolean(
        compute="_compute_in_my_team",
        search="_search_in_my_team",
        help="Rows of the salespeople and pipelines of the pipelines you are a "
        "member of.",
    )

    #: the report's figures depend on today: read through ``_table_query``
    _report_time_dependent = False
    #: ``{field: (numerator field, denominator field, factor)}``
    _report_ratios = {}
    #: the report may be served from a materialized view refreshed hourly
    _report_precompute = False

    def _report_query(self, today, now):
        """The SQL of the report's rows.

        :param today: SQL date expression or ``date`` of "today"
        :param now: SQL timestamp expression or ``datetime`` of "now" (UTC)
        """
        raise NotImplementedError()

    @property
    def _table_query(self):
        if (
            self._report_precompute
            and self._precomputed_at()
            and self._precomputed_table_ready()
        ):
            return SQL("SELECT * FROM %s", SQL.identifier(self._precomputed_table))
        if not self._report_time_dependent:
            return None
        return self._report_query(
            today=fields.Date.context_today(self), now=fields.Datetime.now()
        )

    @property
    def _precomputed_table(self):
        return f"{self._table}_data"

    def _database_query(self):
        """The report's query with the database's clock (view and
        materialized view)."""
        return self._report_query(
            today=SQL("CURRENT_DATE"), now=SQL("(now() AT TIME ZONE 'UTC')")
        )

    def init(self):
        if self._abstract:
            return
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._database_query(),
            )
        )
        if self._report_precompute:
            self._init_precomputed_table()

    # ------------------------------------------------------------
    # PRECOMPUTED REPORTS
    # ------------------------------------------------------------

    def _precomputed_table_ready(self):
        """Whether the materialized view exists and holds rows: an addon
        uninstalled with the tables it read drops it (``CASCADE``)."""
        self.env.cr.execute(
            SQL(
                "SELECT ispopulated FROM pg_matviews WHERE matviewname = %s",
                self._precomputed_table,
            )
        )
        row = self.env.cr.fetchone()
        return bool(row and row[0])

    def _precomputed_table_current(self):
        """Whether the materialized view exists with the columns of the
        report's current query (an addon extending the report may have been
        installed, updated or removed since it was made)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT array_agg(a.attname::text ORDER BY a.attname)
                  FROM pg_attribute a
                 WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0
                   AND NOT a.attisdropped
                """,
                self._precomputed_table,
            )
        )
        existing = cr.fetchone()[0]
        if not existing:
            return False
        cr.execute(SQL("SELECT * FROM (%s) report LIMIT 0", self._database_query()))
        return existing == sorted(column.name for column in cr.description)

    def _init_precomputed_table(self, schedule=True):
        """(Re)create the report's materialized view, empty: its query may
        have changed (an update, an addon extending the report). Reports are
        read live until the next refresh, which is scheduled now."""
        cr = self.env.cr
        table = SQL.identifier(self._precomputed_table)
        cr.execute(SQL("DROP MATERIALIZED VIEW IF EXISTS %s", table))
        cr.execute(
            SQL(
                "CREATE MATERIALIZED VIEW %s AS (%s) WITH NO DATA",
                table,
                self._database_query(),
            )
        )
        # One row per id: needed to refresh without blocking readers.
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON %s (id)",
                SQL.identifier(f"{self._precomputed_table}_id_idx"),
                table,
            )
        )
        # A technical setting, not shown to anyone: the installing user may
        # not be an administrator.
        params = self.env["ir.config_parameter"].sudo()
        if schedule and params.get_param(PRECOMPUTED_AT_PARAM):
            params.set_param(PRECOMPUTED_AT_PARAM, False)
            cron = self.env.ref(
                "crm_reports.ir_cron_crm_reports_precompute", raise_if_not_found=False
            )
            if cron:
                cron._trigger()

    @api.model
    def _precomputed_at(self):
        """When the precomputed reports were last refreshed (UTC), or
        ``False`` when reports are read live."""
        # A technical setting read (cached), shown to no one as such.
        value = self.env["ir.config_parameter"].sudo().get_param(PRECOMPUTED_AT_PARAM)
        return fields.Datetime.to_datetime(value) if value else False

    @api.model
    def _precompute_wanted(self):
        """Whether the heavy reports should be precomputed, following the
        setting ``crm_reports.precompute`` (``auto`` by default)."""
        # A technical setting read.
        mode = (
            self.env["ir.config_parameter"].sudo().get_param(PRECOMPUTE_PARAM) or "auto"
        )
        if mode != "auto":
            return mode == "always"
        # The planner's row estimates: cheap, and exact enough for a threshold.
        self.env.cr.execute(
            SQL(
                """
                SELECT relname, reltuples FROM pg_class
                 WHERE relname IN ('crm_lite_deal', 'account_move')
                   AND relkind = 'r'
                """
            )
        )
        rows = dict(self.env.cr.fetchall())
        return (
            rows.get("crm_lite_deal", 0) >= PRECOMPUTE_MIN_DEALS
            or rows.get("account_move", 0) >= PRECOMPUTE_MIN_MOVES
        )

    @api.model
    def _precomputed_models(self):
        return [
            self.env[name]
            for name, model in self.env.registry.items()
            if getattr(model, "_report_precompute", False) and not model._abstract
        ]

    @api.model
    def _cron_refresh_precomputed_reports(self):
        """Refresh the materialized views of the heavy reports when they
        are wanted, else empty them and read the reports live."""
        cr = self.env.cr
        self.env.flush_all()
        self._disable_jit()
        wanted = self._precompute_wanted()
        for report in self._precomputed_models():
            table = SQL.identifier(report._precomputed_table)
            if not wanted:
                if report._precomputed_table_ready():
                    cr.execute(SQL("REFRESH MATERIALIZED VIEW %s WITH NO DATA", table))
                continue
            if not report._precomputed_table_current():
                report._init_precomputed_table(schedule=False)
            populated = report._precomputed_table_ready()
            # Concurrently: reports stay readable while they are refreshed.
            cr.execute(
                SQL(
                    "REFRESH MATERIALIZED VIEW %s %s",
                    SQL("CONCURRENTLY") if populated else SQL(),
                    table,
                )
            )
            _logger.info("Refreshed %s", report._precomputed_table)
        # Technical setting written by the scheduled job.
        params = self.env["ir.config_parameter"].sudo()
        cr.execute(SQL("SELECT now() AT TIME ZONE 'UTC'"))
        params.set_param(
            PRECOMPUTED_AT_PARAM,
            fields.Datetime.to_string(cr.fetchone()[0]) if wanted else False,
        )

    # ------------------------------------------------------------
    # READING
    # ------------------------------------------------------------

    def _disable_jit(self):
        """PostgreSQL's JIT compiler takes the cost estimate of a report's
        joins and lateral subqueries at face value and spends seconds
        compiling a query that runs in milliseconds (measured: 9.5 s of JIT
        for a 0.3 s plan-vs-actual read). Switched off for the rest of the
        transaction; ``SET LOCAL`` writes nothing, so it is also allowed on a
        read-only replica."""
        self.env.cr.execute(SQL("SET LOCAL jit = off"))

    @api.model
    def _search(self, domain, *args, **kwargs):
        # Every search, count and read_group of a report goes through here.
        self._disable_jit()
        return super()._search(domain, *args, **kwargs)

    def _fetch_query(self, query, fields):
        self._disable_jit()
        return super()._fetch_query(query, fields)

    def _compute_in_my_team(self):
        domain = self._search_in_my_team("=", True)
        mine = self.filtered_domain(domain)
        for row in self:
            row.in_my_team = row in mine

    def _search_in_my_team(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValueError(f"Unsupported search on my team: {operator} {value}")
        pipelines = self.env["crm.lite.pipeline"].search(
            [("member_ids", "in", self.env.uid)]
        )
        colleagues = pipelines.member_ids | self.env.user
        domain = [("user_id", "in", colleagues.ids)]
        if "pipeline_id" in self._fields:
            domain = ["|", ("pipeline_id", "in", pipelines.ids)] + domain
        if (operator == "=") != value:
            domain = ["!"] + domain
        return domain

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "__count":
            fname, __, func = parse_read_group_spec(aggregate_spec)
            ratio = self._report_ratios.get(fname)
            if ratio and func in ("sum", "avg", "min", "max"):
                numerator, denominator, factor = ratio
                return ratio_sql(
                    SQL("SUM(%s)", self._field_to_sql(self._table, numerator, query)),
                    SQL("SUM(%s)", self._field_to_sql(self._table, denominator, query)),
                    factor,
                )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------
    # DRILL-DOWN
    # ------------------------------------------------------------

    def _action_open(self, model, domain, name, views=("list", "form")):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [(False, view) for view in views],
            "domain": domain,
            "context": {"create": False},
        }

    def _action_open_deals(self, deals, name=None):
        return self._action_open(
            "crm.lite.deal",
            [("id", "in", deals.ids)],
            name or self.env._("Deals"),
            views=("list", "kanban", "form"),
        ) | {"context": {"create": False, "active_test": False}}

    def _action_open_moves(self, moves, name=None):
        action = self._action_open(
            "account.move",
            [("id", "in", moves.ids)],
            name or self.env._("Invoices"),
        )
        action["context"] = {"create": False, "default_move_type": "out_invoice"}
        return action
