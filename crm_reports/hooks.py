from odoo.tools import SQL

# Indexes crm_reports creates on the tables of other addons (its own columns'
# indexes go with the columns).
FOREIGN_INDEXES = (
    "crm_reports_history_deal_date_idx",
    "crm_reports_history_company_date_idx",
    "crm_reports_message_activity_done_idx",
    "crm_reports_activity_deal_idx",
    "crm_reports_deal_open_idx",
    "crm_reports_deal_won_uninvoiced_idx",
    "crm_reports_deal_campaign_idx",
    "crm_reports_move_deal_unpaid_idx",
    "crm_reports_move_paid_no_deal_idx",
    "crm_reports_move_deal_posted_idx",
    "crm_reports_move_customer_partner_idx",
    "crm_reports_move_customer_date_idx",
    "crm_reports_move_customer_user_date_idx",
    "crm_reports_move_line_payment_term_idx",
    "crm_reports_partial_reconcile_date_idx",
)


def uninstall_hook(env):
    """Drop the indexes the reports needed on other addons' tables and the
    precomputed reports' materialized views: Odoo only drops what it knows
    it created."""
    for name in FOREIGN_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
    for report in env["crm.lite.report.mixin"]._precomputed_models():
        env.cr.execute(
            SQL(
                "DROP MATERIALIZED VIEW IF EXISTS %s",
                SQL.identifier(report._precomputed_table),
            )
        )
