from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL, drop_view_if_exists

from ..models.report_tools import ratio_sql


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

    def _report_query(self, today, now):
        """The SQL of the report's rows.

        :param today: SQL date expression or ``date`` of "today"
        :param now: SQL timestamp expression or ``datetime`` of "now" (UTC)
        """
        raise NotImplementedError()

    @property
    def _table_query(self):
        if not self._report_time_dependent:
            return None
        return self._report_query(
            today=fields.Date.context_today(self), now=fields.Datetime.now()
        )

    def init(self):
        if self._abstract:
            return
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._report_query(
                    today=SQL("CURRENT_DATE"),
                    now=SQL("(now() AT TIME ZONE 'UTC')"),
                ),
            )
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
