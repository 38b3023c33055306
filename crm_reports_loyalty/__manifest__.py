# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Reports - Loyalty",
    "summary": "Loyalty tier and points of each customer in the customer value "
    "report (ABC / RFM), to filter, group and turn into segments",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-suite/crm-suite",
    "author": "CRM Suite contributors",
    "license": "LGPL-3",
    "depends": [
        "crm_reports",
        "crm_loyalty",
    ],
    "data": [
        "report/crm_lite_report_customer_views.xml",
    ],
    "auto_install": True,
    "uninstall_hook": "uninstall_hook",
}
