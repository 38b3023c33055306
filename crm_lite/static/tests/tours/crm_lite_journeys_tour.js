/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * One journey per kind of user, each run in English and in Russian (the
 * user's language is set by crm_lite/tests/test_ui_journeys.py). The texts a
 * step checks or types come from LABELS; selectors never depend on language.
 */
const LABELS = {
    en: {
        deal: "Journey deal EN",
        stageFirst: "Lead",
        stageSecond: "Negotiation",
        lost: "Lost",
        lostReason: "Too expensive",
        reopen: "Reopen",
        meeting: "Journey meeting EN",
        crmTab: "CRM",
        customer: "Journey Customer",
        neverInvoiced: "Never invoiced chairs EN",
        pipelineSales: "New Sales",
        pipelineOther: "Journey Repeat",
        nextWeek: "Next Week",
        property: "Journey budget EN",
        requiredMessage: "fill in",
        invoicingTab: "Invoicing",
        paid: "Paid",
        mailingSubject: "Journey news EN",
    },
    ru: {
        deal: "Сделка маршрута RU",
        stageFirst: "Лид",
        stageSecond: "Переговоры",
        lost: "Проиграно",
        lostReason: "Слишком дорого",
        reopen: "Возобновить",
        meeting: "Встреча маршрута RU",
        crmTab: "CRM",
        customer: "Journey Customer",
        neverInvoiced: "Never invoiced chairs RU",
        pipelineSales: "Новые продажи",
        pipelineOther: "Journey Repeat",
        nextWeek: "Следующая неделя",
        property: "Бюджет маршрута RU",
        requiredMessage: "заполните",
        invoicingTab: "Выставление счетов",
        paid: "Оплачено",
        mailingSubject: "Новости маршрута RU",
    },
};

// ---------------------------------------------------------------- salesperson

/**
 * A salesperson with own-documents rights: kanban with counts, quick create,
 * drag to the next stage, drag to the folded Lost column (reason dialog),
 * reopen (back to the stage it left), a meeting from the deal, the contact
 * form with its CRM figures.
 */
function salespersonSteps(l) {
    return [
        {
            content: "The pipeline opens on its first stage, with its count",
            trigger: `.o_kanban_group:eq(0) .o_column_title:contains('${l.stageFirst}')`,
        },
        {
            content: "Columns show how many deals they hold",
            trigger: ".o_kanban_group:eq(0) .o_kanban_header_title:contains('(')",
        },
        {
            content: "Quick create in the first column",
            trigger: ".o_kanban_group:eq(0) .o_kanban_quick_add",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            run: `edit ${l.deal}`,
        },
        {
            trigger: ".o_kanban_quick_create .o_kanban_add",
            run: "click",
        },
        {
            trigger: `.o_kanban_group:eq(0) .o_kanban_record:contains('${l.deal}')`,
        },
        {
            trigger: ".o_kanban_quick_create:not(.o_disabled) .o_kanban_cancel",
            run: "click",
        },
        {
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_quick_create))",
        },
        {
            content: "Drag the deal to the next stage",
            trigger: `.o_kanban_group:eq(0) .o_kanban_record:contains('${l.deal}')`,
            run: "drag_and_drop(.o_kanban_group:eq(1))",
        },
        {
            trigger: `.o_kanban_group:eq(1) .o_column_title:contains('${l.stageSecond}')`,
        },
        {
            trigger: `.o_kanban_group:eq(1) .o_kanban_record:contains('${l.deal}')`,
        },
        {
            content: "Drop it on the folded Lost column",
            trigger: `.o_kanban_group:eq(1) .o_kanban_record:contains('${l.deal}')`,
            run: `drag_and_drop(.o_kanban_group.o_column_folded:contains('${l.lost}'))`,
        },
        {
            content: "The lost-reason dialog opens",
            trigger: ".modal .o_field_widget[name=lost_reason_id] input",
            run: `edit ${l.lostReason}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${l.lostReason}')`,
            run: "click",
        },
        {
            trigger: ".modal button[name=action_mark_lost]",
            run: "click",
        },
        {
            content: "The deal left the open columns",
            trigger: `.o_kanban_renderer:not(:has(.o_kanban_group:not(.o_column_folded) .o_kanban_record:contains('${l.deal}')))`,
        },
        {
            content: "Unfold the Lost column",
            trigger: `.o_kanban_group.o_column_folded:contains('${l.lost}')`,
            run: "click",
        },
        {
            trigger: `.o_kanban_group:not(.o_column_folded) .o_kanban_record:contains('${l.deal}')`,
            run: "click",
        },
        {
            content: "The form shows the deal lost",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current",
        },
        {
            trigger: `.o_form_view button[name=action_reopen]:contains('${l.reopen}')`,
            run: "click",
        },
        {
            content: "Reopened in the stage it was lost from",
            trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains('${l.stageSecond}')`,
        },
        {
            content: "Choosing Lost in the status bar asks why, too",
            trigger: ".o_form_view .o_statusbar_status .o_statusbar_buttons_dropdown, .o_form_view .o_statusbar_status .dropdown-toggle",
            run: "click",
        },
        {
            trigger: `.dropdown-menu .dropdown-item:contains('${l.lost}'), .o_statusbar_status button:contains('${l.lost}')`,
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=lost_reason_id] input",
        },
        {
            content: "Cancel: the deal stays where it is",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('${l.stageSecond}')`,
        },
        {
            content: "No LOST ribbon on the deal",
            trigger: ".o_form_view:not(:has(.ribbon:contains('LOST'))):not(:has(.ribbon:contains('ПРОИГРАНО')))",
        },
        {
            content: "Plan a meeting from the deal",
            trigger: "button[name=action_schedule_meeting]",
            run: "click",
        },
        {
            trigger: ".o_calendar_view .o-calendar-button-new",
            run: "click",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=deal_id] input:value(${l.deal})`,
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: `edit ${l.meeting}`,
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            trigger: `.o_breadcrumb .breadcrumb-item a:contains('${l.deal}')`,
            run: "click",
        },
        {
            trigger: "button[name=action_schedule_meeting] .o_stat_value:contains(1)",
        },
        {
            content: "Give the deal its customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: `edit ${l.customer}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${l.customer}')`,
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Open the contact",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] .o_external_button",
            run: "click",
        },
        {
            content: "Its CRM figures are on a tab of their own",
            trigger: `.o_form_view .o_notebook .nav-link:contains('${l.crmTab}')`,
            run: "click",
        },
        {
            content: "The open pipeline counts the new deal",
            trigger: ".o_form_view .o_field_widget[name=open_pipeline_amount]:contains('1')",
        },
    ];
}

// ---------------------------------------------------------------- accountant

/**
 * An accountant with Invoicing rights only: a new invoice for a customer,
 * linked to a deal of that customer never invoiced before, posted and paid;
 * the deal then shows paid.
 */
function accountantSteps(l) {
    return [
        {
            trigger: ".o_list_button_add, .o_form_view .o_field_widget[name=partner_id] input",
        },
        {
            content: "The invoice's customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: `edit ${l.customer}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${l.customer}')`,
            run: "click",
        },
        {
            // The deal picker searches with the customer: wait until it is
            // set and its suggestions are gone (a busy machine answered a
            // search typed in the deal field before, with no customer yet).
            content: "The customer is set",
            trigger: `.o_form_view .o_field_widget[name=partner_id] input:value('${l.customer}')`,
        },
        {
            trigger: "body:not(:has(.o-autocomplete--dropdown-menu))",
        },
        {
            content: "The deal picker offers the customer's never invoiced deal",
            trigger: ".o_form_view .o_field_widget[name=deal_id] input",
            run: `edit ${l.neverInvoiced}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${l.neverInvoiced}'):contains('500')`,
            run: "click",
        },
        {
            content: "One line of 500",
            trigger: "div[name=invoice_line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name=invoice_line_ids] .o_selected_row [name=price_unit] input",
            run: "edit 500",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
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
            content: "Open the deal from the invoice",
            trigger: ".o_form_view .o_field_widget[name=deal_id] input",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=deal_id] .o_external_button",
            run: "click",
        },
        {
            trigger: `.o_form_view .o_notebook .nav-link:contains('${l.invoicingTab}')`,
            run: "click",
        },
        {
            content: "The deal shows paid",
            trigger: `.o_form_view .o_field_widget[name=payment_state]:contains('${l.paid}')`,
        },
        {
            trigger: ".o_form_view .o_field_widget[name=amount_paid]:contains('500')",
        },
    ];
}

// ---------------------------------------------------------------- head of sales

/**
 * A head of sales (all documents): deals in a pivot grouped by pipeline then
 * stage, the stage history, next week's meetings.
 */
function headOfSalesSteps(l) {
    return [
        {
            trigger: ".o_list_view, .o_kanban_view",
        },
        {
            content: "Switch the deals to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Rows are pipelines first",
            trigger: `.o_pivot .o_pivot_header_cell_opened:contains('${l.pipelineSales}'), .o_pivot th:contains('${l.pipelineSales}')`,
        },
        {
            trigger: `.o_pivot th:contains('${l.pipelineOther}')`,
        },
        {
            content: "then their stages",
            trigger: `.o_pivot th:contains('${l.stageFirst}')`,
        },
        {
            content: "The stage history",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Report'), .o_main_navbar .o_menu_sections button:contains('Отчёт'), .o_main_navbar .o_menu_sections .dropdown-toggle:last",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .dropdown-item[data-menu-xmlid='crm_lite.crm_lite_menu_stage_history']",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Next week's meetings",
            trigger: ".o_main_navbar .o_menu_sections .dropdown-toggle:first",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .dropdown-item[data-menu-xmlid='crm_lite.crm_lite_menu_meetings']",
            run: "click",
        },
        {
            trigger: ".o_list_view",
        },
        {
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: `.o_filter_menu .o_menu_item:contains('${l.nextWeek}')`,
            run: "click",
        },
        {
            content: "The meeting of next week, with its deal",
            trigger: ".o_list_view .o_data_row:contains('Journey next week meeting')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Journey next week meeting') [name=deal_id]",
        },
    ];
}

// ---------------------------------------------------------------- consultant

/**
 * A consultant (CRM administrator): a property added to the deals of a
 * pipeline shows on the deal form and, displayed in cards, on the kanban card;
 * a stage's required field stops a move with a clear message.
 */
function consultantSteps(l) {
    return [
        {
            content: "Open a deal of the consultant's pipeline",
            trigger: ".o_kanban_record:contains('Journey consultant deal')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
        },
        {
            content: "Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Add Properties",
            trigger: ".o-dropdown--menu .dropdown-item:has(.fa-cogs)",
            run: "click",
        },
        {
            trigger: ".o_field_property_definition .o_field_property_definition_header",
            run: `edit ${l.property}`,
        },
        {
            content: "Displayed in cards",
            trigger: ".o_field_property_definition .o_field_property_definition_kanban input[type=checkbox]",
            run: "click",
        },
        {
            content: "Close the definition",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "click",
        },
        {
            content: "The property is on the deal form: fill it in",
            trigger: `.o_form_view .o_property_field:contains('${l.property}') .o_property_field_value input`,
            run: `edit ${l.property} value`,
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Back to the pipeline",
            trigger: ".o_breadcrumb .breadcrumb-item a:first",
            run: "click",
        },
        {
            content: "The property shows on the card",
            trigger: `.o_kanban_record:contains('Journey consultant deal') .o_card_property_field:contains('${l.property} value')`,
        },
        {
            content: "A deal without expected closing cannot enter Negotiation",
            trigger: ".o_kanban_group:eq(0) .o_kanban_record:contains('Journey consultant deal')",
            run: "drag_and_drop(.o_kanban_group:eq(1))",
        },
        {
            content: "A clear message names the missing field",
            trigger: `.modal:contains('${l.requiredMessage}'), .o_notification:contains('${l.requiredMessage}')`,
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The card stays where it was",
            trigger: "body:not(:has(.modal)) .o_kanban_group:eq(0) .o_kanban_record:contains('Journey consultant deal')",
        },
    ];
}

// ---------------------------------------------------------------- marketer

/**
 * A marketer (Email Marketing user): a segment shows who a mailing would
 * reach, "Send a Mailing" opens an Email Marketing mailing to it in its
 * campaign, written in the mail editor and sent to the queue.
 */
function marketingSteps(l) {
    return [
        {
            content: "Open the segment",
            trigger: ".o_data_row td:contains('Journey readers')",
            run: "click",
        },
        {
            content: "It shows who a mailing would reach",
            trigger: ".o_form_view [name=mailable_count]:contains('2')",
        },
        {
            trigger: ".o_form_view button[name=action_send_mailing]",
            run: "click",
        },
        {
            content: "An Email Marketing mailing to the segment",
            trigger: ".o_form_view [name=crm_segment_id]:contains('Journey readers')",
        },
        {
            trigger: ".o_form_view [name=subject] input",
            run: `edit ${l.mailingSubject}`,
        },
        {
            content: "Start from an empty design",
            trigger: '[name="body_arch"] :iframe #empty',
            run: "click",
        },
        {
            trigger: '[name="body_arch"] :iframe .o_editable',
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            trigger: ".o_form_view button[name=action_launch]",
            run: "click",
        },
        {
            content: "Confirm the sending",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The mailing waits in the queue",
            trigger: ".o_form_view:not(:has(button[name=action_launch]))",
        },
    ];
}

const JOURNEYS = {
    crm_lite_salesperson_journey: salespersonSteps,
    crm_lite_accountant_journey: accountantSteps,
    crm_lite_head_of_sales_journey: headOfSalesSteps,
    crm_lite_consultant_journey: consultantSteps,
    crm_lite_marketing_journey: marketingSteps,
};

for (const [name, steps] of Object.entries(JOURNEYS)) {
    for (const lang of Object.keys(LABELS)) {
        registry.category("web_tour.tours").add(`${name}_${lang}`, {
            steps: () => steps(LABELS[lang]),
        });
    }
}
