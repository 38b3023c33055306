from .report.crm_lite_report_customer import WITHOUT_LOYALTY


def uninstall_hook(env):
    """Rebuild the customer report's database view without the loyalty
    columns, which read tables of crm_loyalty (and of Odoo's loyalty) that may
    go next: crm_reports' report keeps working on its own."""
    env["crm.lite.report.customer"].with_context(**{WITHOUT_LOYALTY: True}).init()
