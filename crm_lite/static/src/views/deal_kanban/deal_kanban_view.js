/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { isLostStage, openLostWizard } from "@crm_lite/lost/lost_stage";
import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

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

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.action = useService("action");
    }

    /**
     * A card dropped on a lost stage (folded or not) asks why the deal was
     * lost; the move happens once a reason is given, and the card goes back
     * to its column if the dialog is cancelled.
     *
     * @override
     */
    async sortRecordDrop(dataRecordId, dataGroupId, params) {
        const list = this.props.list;
        const targetGroupId = params.parent?.dataset.id;
        if (
            list.isGrouped &&
            list.groupByField.name === "stage_id" &&
            targetGroupId &&
            targetGroupId !== dataGroupId
        ) {
            const targetGroup = list.groups.find((group) => group.id === targetGroupId);
            const sourceGroup = list.groups.find((group) => group.id === dataGroupId);
            const record = sourceGroup?.list.records.find((r) => r.id === dataRecordId);
            if (record && targetGroup?.value && (await isLostStage(this.orm, targetGroup.value))) {
                params.parent.classList.remove("o_kanban_hover");
                await openLostWizard(
                    { orm: this.orm, action: this.action },
                    [record.resId],
                    targetGroup.value,
                    () => list.model.load()
                );
                return;
            }
        }
        return super.sortRecordDrop(...arguments);
    }
}

export const dealKanbanView = {
    ...kanbanView,
    Renderer: DealKanbanRenderer,
};

registry.category("views").add("crm_lite_deal_kanban", dealKanbanView);
