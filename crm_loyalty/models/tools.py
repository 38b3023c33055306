"""Helpers shared by the crm_loyalty models."""

import psycopg2

from odoo.exceptions import UserError
from odoo.tools import SQL

# Reward lines, points entries and invoice history rows are written by the
# application only. Its own writes carry this object in their context: it
# cannot travel through JSON-RPC, so no client can pass it.
LOYALTY_GUARD = object()


def loyalty_guarded(env):
    """Whether the current operation is one of crm_loyalty's own writes."""
    return env.context.get("crm_loyalty_guard") is LOYALTY_GUARD


def guarded(records):
    """``records`` in crm_loyalty's own write mode."""
    return records.with_context(crm_loyalty_guard=LOYALTY_GUARD)


def engine_write(invoices):
    """``invoices`` to write the fields only the loyalty engine reads (codes
    and coupons entered, the "discounts to update" flag): guarded, and without
    accounting's resynchronisation of the invoice's lines or its "manually
    modified" mark, which such fields do not concern (and which cost more than
    the rest of posting an invoice)."""
    return guarded(invoices).with_context(
        skip_invoice_sync=True, skip_is_manually_modified=True
    )


def lock_rows(records):
    """Lock the rows of ``records`` until the end of the transaction; when
    another transaction holds them, fail at once with a clear message rather
    than wait (the other one is spending the same points or coupon)."""
    if not records:
        return
    records.flush_recordset()
    env = records.env
    try:
        with env.cr.savepoint(flush=False):
            env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(sorted(records.ids)),
                )
            )
    except psycopg2.errors.LockNotAvailable as error:
        raise UserError(
            env._(
                "A loyalty card, coupon or program of this invoice is being used "
                "by another operation right now. Try again in a moment."
            )
        ) from error
    # What the other transaction committed meanwhile is what counts now.
    records.invalidate_recordset()
