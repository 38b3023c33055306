/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * A salesperson works a deal through the pipeline kanban:
 * quick-create it in the first column, drag it to the next stage,
 * open it and schedule a meeting from its "Meetings" smart button.
 *
 * Started by crm_lite/tests/test_ui_tour.py on the "My Pipeline" action, with
 * a pipeline whose stages are "Tour New", "Tour Qualified" and "Tour Won".
 */
registry.category("web_tour.tours").add("crm_lite_pipeline_tour", {
    url: "/odoo/action-crm_lite.crm_lite_action_open_pipeline",
    steps: () => [
        {
            content: "The kanban shows the columns of the tour pipeline",
            trigger:
                ".o_kanban_renderer .o_kanban_group:eq(0) .o_column_title:contains('Tour New')",
        },
        {
            content: "The second column is 'Tour Qualified'",
            trigger: ".o_kanban_group:eq(1) .o_column_title:contains('Tour Qualified')",
        },
        {
            content: "Open the quick create of the first column",
            trigger: ".o_kanban_group:eq(0) .o_kanban_quick_add",
            run: "click",
        },
        {
            content: "Name the deal",
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            run: "edit Tour deal",
        },
        {
            content: "Add the deal",
            trigger: ".o_kanban_quick_create .o_kanban_add",
            run: "click",
        },
        {
            content: "The deal card appears in the first column",
            trigger: ".o_kanban_group:eq(0) .o_kanban_record:contains('Tour deal')",
        },
        {
            // Closes the quick create form left open for the next deal. It is
            // disabled (and ignores clicks) while it reloads a blank record.
            content: "Leave the quick create",
            trigger: ".o_kanban_quick_create:not(.o_disabled) .o_kanban_cancel",
            run: "click",
        },
        {
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_quick_create))",
        },
        {
            content: "Drag the deal to the 'Tour Qualified' column",
            trigger: ".o_kanban_group:eq(0) .o_kanban_record:contains('Tour deal')",
            run: "drag_and_drop(.o_kanban_group:eq(1))",
        },
        {
            content: "The deal now sits in 'Tour Qualified'",
            trigger: ".o_kanban_group:eq(1) .o_kanban_record:contains('Tour deal')",
        },
        {
            content: "The first column is empty again",
            trigger: ".o_kanban_group:eq(0):not(:has(.o_kanban_record:contains('Tour deal')))",
        },
        {
            content: "Open the deal",
            trigger: ".o_kanban_group:eq(1) .o_kanban_record:contains('Tour deal')",
            run: "click",
        },
        {
            content: "The form shows the deal in stage 'Tour Qualified'",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Tour Qualified')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour deal)",
        },
        {
            content: "Open the meetings of the deal",
            trigger: "button[name=action_schedule_meeting]",
            run: "click",
        },
        {
            content: "Create a meeting from the calendar",
            trigger: ".o_calendar_view .o-calendar-button-new",
            run: "click",
        },
        {
            content: "The meeting is linked to the deal",
            trigger: ".o_form_view .o_field_widget[name=deal_id] input:value(Tour deal)",
        },
        {
            content: "Name the meeting",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour meeting",
        },
        {
            content: "Save the meeting",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Wait for the meeting to be saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Go back to the deal",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Tour deal')",
            run: "click",
        },
        {
            content: "The deal counts one meeting",
            trigger:
                "button[name=action_schedule_meeting] .o_stat_value:contains(1)",
        },
    ],
});
