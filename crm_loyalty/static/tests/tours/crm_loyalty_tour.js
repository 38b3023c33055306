/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * An accountant opens a draft invoice of a VIP customer, sees the VIP
 * discount after "Update Discounts", applies a coupon code, redeems points,
 * posts, registers the payment, and sees the points on the customer
 * (crm_loyalty/tests/test_ui_tour.py prepares the data). Once in English and
 * once in Russian: the steps find buttons and fields by name, the amounts
 * are checked as each language writes them, `update` is the label of the
 * "Update Discounts" button in the language, `code` the coupon to type.
 */
function vipInvoiceSteps({update, code, amount}) {
    return [
        {
            content: "Update the discounts of the draft invoice",
            trigger: `.o_form_view button[name=action_loyalty_update]:contains('${update}')`,
            run: "click",
        },
        {
            content: "The VIP discount is on the invoice",
            trigger: `.o_form_view .o_field_widget[name=tax_totals]:contains('${amount(108)}')`,
        },
        {
            trigger: ".o_form_view button[name=action_open_loyalty_coupon_wizard]",
            run: "click",
        },
        {
            content: "A coupon code, typed in lower case",
            trigger: ".modal .o_field_widget[name=coupon_code] input",
            run: `edit ${code}`,
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The coupon's discount is on the invoice",
            trigger: `.o_form_view .o_field_widget[name=tax_totals]:contains('${amount(84)}')`,
        },
        {
            trigger: ".o_form_view button[name=action_open_reward_wizard]",
            run: "click",
        },
        {
            content: "Pay part of the invoice with points",
            trigger: ".modal .o_field_widget[name=selected_reward_id] input[type=radio]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=points_to_redeem] input",
            run: "edit 50",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The points' discount is on the invoice",
            trigger: `.o_form_view .o_field_widget[name=tax_totals]:contains('${amount(79)}')`,
        },
        {
            trigger: ".o_form_view button[name=action_post]",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_register_payment]",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_create_payments]",
            run: "click",
        },
        {
            content: "The invoice is paid",
            trigger: ".o_form_view .ribbon:not(.d-none)",
        },
        {
            content: "Open the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] a",
            run: "click",
        },
        {
            content: "100 points - 50 redeemed + 84 earned on what was paid",
            trigger:
                ".o_form_view button[name=action_view_loyalty_history] .o_stat_value:contains('134')",
        },
    ];
}

registry.category("web_tour.tours").add("crm_loyalty_accountant_vip_invoice", {
    steps: () =>
        vipInvoiceSteps({
            update: "Update Discounts",
            code: "tour-coupon-en",
            amount: (value) => `${value}.00`,
        }),
});

registry.category("web_tour.tours").add("crm_loyalty_accountant_vip_invoice_ru", {
    steps: () =>
        vipInvoiceSteps({
            update: "Обновить скидки",
            code: "tour-coupon-ru",
            amount: (value) => `${value},00`,
        }),
});
