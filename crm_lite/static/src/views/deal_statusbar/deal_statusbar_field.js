/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { isLostStage, openLostWizard } from "@crm_lite/lost/lost_stage";
import {
    StatusBarDurationField,
    statusBarDurationField,
} from "@mail/views/fields/statusbar_duration/statusbar_duration_field";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The deal's status bar: choosing a lost stage saves the deal, then asks why
 * it was lost; nothing changes on the form until a reason is given.
 */
export class DealStatusBarField extends StatusBarDurationField {
    setup() {
        super.setup();
        this.orm = useService("orm");
        this.action = useService("action");
    }

    /** @override */
    async selectItem(item) {
        const { record, name } = this.props;
        const current = record.data[name] && record.data[name][0];
        if (item.value !== current && (await isLostStage(this.orm, item.value))) {
            if (!(await record.save())) {
                return;
            }
            await openLostWizard(
                { orm: this.orm, action: this.action },
                [record.resId],
                item.value,
                () => record.load()
            );
            return;
        }
        return super.selectItem(item);
    }
}

export const dealStatusBarField = {
    ...statusBarDurationField,
    component: DealStatusBarField,
};

registry.category("fields").add("crm_lite_deal_statusbar", dealStatusBarField);
