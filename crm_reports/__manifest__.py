# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Reports",
    "summary": "Funnel and time in stage from the stage history, open pipeline, "
    "sales plan vs actual, campaign ROI, activity, revenue leakage, ABC/RFM "
    "customer segments, dashboard, PDF summary and weekly digest",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-suite/crm-suite",
    "author": "CRM Suite contributors",
    "license": "LGPL-3",
    "depends": [
        "crm_lite",
        "product",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_reports_rules.xml",
        "data/ir_cron_data.xml",
        "data/crm_reports_digest_templates.xml",
        "report/crm_lite_report_pipeline_views.xml",
        "report/crm_lite_report_funnel_views.xml",
        "report/crm_lite_report_target_views.xml",
        "report/crm_lite_report_campaign_views.xml",
        "report/crm_lite_report_activity_views.xml",
        "report/crm_lite_report_leakage_views.xml",
        "report/crm_lite_report_customer_views.xml",
        "report/sales_summary_report.xml",
        "wizard/crm_reports_segment_wizard_views.xml",
        "wizard/crm_reports_summary_wizard_views.xml",
        "views/crm_lite_target_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "views/crm_reports_dashboard_views.xml",
        "views/crm_reports_menus.xml",
    ],
    "demo": [
        "demo/crm_reports_demo.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "crm_reports/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_reports/static/tests/tours/**/*",
        ],
    },
}
