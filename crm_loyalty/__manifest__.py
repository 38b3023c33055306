# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Loyalty",
    "summary": "Odoo's loyalty programs on customer invoices: customer categories, "
    "tiers by paid spend, points earned when paid, redemption, campaign coupons, "
    "FIFO expiry, credit notes and the points liability in the books",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-suite/crm-suite",
    "author": "CRM Suite contributors",
    "license": "LGPL-3",
    "depends": [
        "crm_lite",
        "loyalty",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_loyalty_rules.xml",
        "data/ir_cron_data.xml",
        "wizard/crm_loyalty_coupon_wizard_views.xml",
        "wizard/crm_loyalty_reward_wizard_views.xml",
        "wizard/crm_loyalty_offer_wizard_views.xml",
        "report/crm_loyalty_liability_report_views.xml",
        "views/loyalty_program_views.xml",
        "views/loyalty_card_views.xml",
        "views/loyalty_history_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/utm_campaign_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "views/crm_loyalty_menus.xml",
    ],
    "demo": [
        "demo/crm_loyalty_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_loyalty/static/tests/tours/**/*",
        ],
    },
}
