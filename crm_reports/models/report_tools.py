"""SQL building blocks shared by the reports of crm_reports."""

import logging

from odoo.tools import SQL, index_exists

_logger = logging.getLogger(__name__)

# Amounts of money in the reports: CRM users only, whatever access a future
# customization gives to the report models themselves.
MONEY_GROUPS = "crm_lite.group_crm_lite_user"
CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund")
ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
RFM_SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential", "Potential"),
    ("at_risk", "At Risk"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost"),
]


def create_report_index(cr, name, table, columns, include=(), where=None):
    """Create a b-tree index (optionally covering ``include`` and partial on
    ``where``) unless it exists. Names and columns are identifiers of this
    addon, never user input."""
    if index_exists(cr, name):
        return
    cr.execute(
        SQL(
            "CREATE INDEX %s ON %s (%s)%s%s",
            SQL.identifier(name),
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(" INCLUDE (%s)", SQL(", ").join(SQL.identifier(c) for c in include))
            if include
            else SQL(),
            SQL(" WHERE %s", SQL(where)) if where else SQL(),
        )
    )
    _logger.info("Created index %s on %s", name, table)


def won_entries_query():
    """The entry of each won deal into its won stage: one row per deal that
    is won now, ``(deal_id, date, salesperson_id, pipeline_id, company_id)``.

    A deal won, reopened and won again counts once, on its last win.
    """
    return SQL(
        """
        SELECT h.deal_id, h.date, h.salesperson_id, h.pipeline_id, h.company_id
          FROM crm_lite_stage_history h
          JOIN crm_lite_deal d ON d.id = h.deal_id AND d.stage_kind = 'won'
         WHERE h.stage_kind = 'won' AND h.flow_date_left IS NULL
        """
    )


def reconciled_query(moves, extra_columns=SQL()):
    """Amounts reconciled on the receivable lines of ``moves`` (an SQL
    selecting ``id``), one row per partial reconciliation: ``(move_id,
    amount, max_date)``. The same reconciliations as
    ``account.move._crm_paid_amounts_query`` (both sides of a partial),
    written as two index-friendly joins instead of an ``OR``."""
    return SQL(
        """
        SELECT l.move_id, p.amount, p.max_date%(extra)s
          FROM account_move_line l
          JOIN account_partial_reconcile p ON p.debit_move_id = l.id
         WHERE l.move_id IN (%(moves)s) AND l.display_type = 'payment_term'
         UNION ALL
        SELECT l.move_id, p.amount, p.max_date%(extra)s
          FROM account_move_line l
          JOIN account_partial_reconcile p ON p.credit_move_id = l.id
         WHERE l.move_id IN (%(moves)s) AND l.display_type = 'payment_term'
        """,
        moves=moves,
        extra=extra_columns,
    )


def ratio_sql(numerator, denominator, factor=1.0):
    """``factor * numerator / denominator``, 0 when the denominator is 0."""
    return SQL("COALESCE(%s * (%s) / NULLIF(%s, 0), 0)", factor, numerator, denominator)
