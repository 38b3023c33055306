from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from odoo.addons.crm_lite.models.crm_lite_stage import STAGE_KINDS

from .report_tools import create_report_index

FLOW_COLUMNS = {
    "flow_date_left": "timestamp",
    "flow_next_stage_id": "int4",
    "flow_next_kind": "varchar",
}


class CrmLiteStageHistory(models.Model):
    """What happened to a deal after each stage entry: when it left the
    stage, and for which stage.

    These facts only change when the deal's own history changes, so they are
    kept on the history rows (recomputed, deal by deal, when a row of the deal
    is written) rather than rebuilt with window functions over millions of
    rows each time the funnel is read.
    """

    _inherit = "crm.lite.stage.history"

    flow_date_left = fields.Datetime(
        "Left On",
        compute="_compute_flow",
        store=True,
        readonly=True,
        help="When the deal entered its next stage; empty while it is still here.",
    )
    flow_next_stage_id = fields.Many2one(
        "crm.lite.stage",
        "Next Stage",
        compute="_compute_flow",
        store=True,
        readonly=True,
        ondelete="set null",
    )
    flow_next_kind = fields.Selection(
        STAGE_KINDS,
        "Next Status",
        compute="_compute_flow",
        store=True,
        readonly=True,
    )

    @api.depends(
        "deal_id",
        "date",
        "stage_id",
        "stage_kind",
        "deal_id.stage_history_ids.date",
        "deal_id.stage_history_ids.stage_id",
        "deal_id.stage_history_ids.stage_kind",
    )
    def _compute_flow(self):
        """Each entry's successor in the deal's history (by date, then id)."""
        # sudo: history rows are written by the ORM on behalf of users; the
        # successor of a row is part of the same deal's history.
        history = self.sudo()
        deal_ids = [deal_id for deal_id in history.deal_id.ids if deal_id]
        siblings = (
            history.search([("deal_id", "in", deal_ids)]) if deal_ids else history
        )
        flows = {}
        for entries in (history | siblings).grouped("deal_id").values():
            ordered = entries.sorted(lambda h: (h.date, h._origin.id or 0))
            following = None
            for entry in reversed(ordered):
                flows[entry] = following
                following = entry
        for entry in self:
            following = flows.get(entry.sudo())
            entry.flow_date_left = following.date if following else False
            entry.flow_next_stage_id = following.stage_id if following else False
            entry.flow_next_kind = following.stage_kind if following else False

    def _auto_init(self):
        """Fill the flow columns of an existing history in one statement,
        instead of letting the ORM compute millions of rows one by one."""
        cr = self.env.cr
        if not column_exists(cr, self._table, "flow_date_left"):
            for column, column_type in FLOW_COLUMNS.items():
                create_column(cr, self._table, column, column_type)
            self._fill_flow_columns()
        return super()._auto_init()

    def _fill_flow_columns(self, deal_ids=None):
        """Rewrite the flow columns with SQL, for every deal or ``deal_ids``.

        For loaders that write history rows in bulk with SQL (benchmarks,
        migrations): call it afterwards so that the funnel sees them.
        """
        where = SQL("TRUE")
        if deal_ids is not None:
            where = SQL("h.deal_id IN %s", tuple(deal_ids) or (0,))
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lite_stage_history target
                   SET flow_date_left = flow.date_left,
                       flow_next_stage_id = flow.next_stage_id,
                       flow_next_kind = flow.next_kind
                  FROM (
                        SELECT h.id,
                               LEAD(h.date) OVER w AS date_left,
                               LEAD(h.stage_id) OVER w AS next_stage_id,
                               LEAD(h.stage_kind) OVER w AS next_kind
                          FROM crm_lite_stage_history h
                         WHERE %(where)s
                        WINDOW w AS (PARTITION BY h.deal_id ORDER BY h.date, h.id)
                       ) flow
                 WHERE flow.id = target.id
                """,
                where=where,
            )
        )
        self.invalidate_model(list(FLOW_COLUMNS))

    def init(self):
        # Targets and campaign results read the deals' current won entries
        # by company and date.
        create_report_index(
            self.env.cr,
            "crm_reports_history_won_idx",
            self._table,
            ["company_id", "date"],
            include=["salesperson_id", "pipeline_id", "deal_id"],
            where="stage_kind = 'won' AND flow_date_left IS NULL",
        )
        # The next entry of a deal, in order (meetings followed by a win).
        create_report_index(
            self.env.cr,
            "crm_reports_history_deal_date_idx",
            self._table,
            ["deal_id", "date"],
            include=["stage_kind"],
        )
        return super().init()
