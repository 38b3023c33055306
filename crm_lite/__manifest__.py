# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Lite",
    "summary": "Contacts, sales funnels, deals with stage history, "
    "interactions and money from accounting",
    "version": "18.0.2.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-suite/crm-suite",
    "author": "CRM Suite contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": [
        "base",
        "mail",
        "utm",
        "account",
        "calendar",
        "contacts",
        "phone_validation",
        "mass_mailing",
    ],
    "data": [
        "security/crm_lite_security.xml",
        "security/ir.model.access.csv",
        "security/crm_lite_rules.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_message_subtype_data.xml",
        "data/ir_cron_data.xml",
        "data/crm_lite_pipeline_data.xml",
        "wizard/crm_lite_deal_lost_views.xml",
        "views/crm_lite_deal_views.xml",
        "views/crm_lite_pipeline_views.xml",
        "views/crm_lite_stage_views.xml",
        "views/crm_lite_stage_history_views.xml",
        "views/crm_lite_tag_views.xml",
        "views/crm_lite_lost_reason_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/calendar_event_views.xml",
        "views/utm_campaign_views.xml",
        "views/crm_lite_segment_views.xml",
        "views/mailing_mailing_views.xml",
        "views/crm_lite_occasion_views.xml",
        "views/crm_lite_menus.xml",
    ],
    "demo": [
        "demo/crm_lite_demo.xml",
        "demo/crm_lite_marketing_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_lite/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_lite/static/tests/tours/**/*",
        ],
    },
}
