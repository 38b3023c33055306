/** @odoo-module **/
/* The head of sales opens the CRM dashboard: headline figures, then every
 * panel shows its report's own view, and a figure opens its report. */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("crm_reports_dashboard_tour", {
    url: "/odoo/action-crm_reports.crm_reports_action_dashboard",
    steps: () => [
        {
            content: "The won deals of the month are on the dashboard",
            trigger: ".o_crm_reports_kpi[data-kpi='won'] .o_crm_reports_kpi_value",
        },
        {
            content: "The pipeline panel shows its graph",
            trigger: ".o_crm_reports_panel[data-panel='pipeline'] .o_graph_view",
        },
        {
            content: "The funnel panel shows its pivot",
            trigger: ".o_crm_reports_panel[data-panel='funnel'] .o_pivot",
        },
        {
            content: "Customers at risk are listed",
            trigger: ".o_crm_reports_panel[data-panel='at_risk'] .o_list_view",
        },
        {
            content: "Open the open pipeline report from its figure",
            trigger: ".o_crm_reports_kpi[data-kpi='open_pipeline']",
            run: "click",
        },
        {
            content: "The open pipeline report is shown",
            trigger: ".o_breadcrumb:contains('Open Pipeline')",
        },
    ],
});
