/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { registry } from "@web/core/registry";

/**
 * Deal columns show their deal count next to the title, besides the amount
 * the progress bar sums (Odoo shows one or the other).
 */
export class DealKanbanHeader extends KanbanHeader {
    static template = "crm_lite.DealKanbanHeader";
}

export class DealKanbanRenderer extends KanbanRenderer {
    static components = {
        ...KanbanRenderer.components,
        KanbanHeader: DealKanbanHeader,
    };
}

export const dealKanbanView = {
    ...kanbanView,
    Renderer: DealKanbanRenderer,
};

registry.category("views").add("crm_lite_deal_kanban", dealKanbanView);
