/** @odoo-module **/
/* The CRM dashboard: headline figures and the reports' own graph, pivot and
 * list views side by side, embedded with Odoo's View component (as the board
 * of Odoo embeds actions). The figures come from
 * crm.reports.dashboard.get_dashboard_data(), a read-only call. */

import {Component, onWillStart} from "@odoo/owl";
import {Domain} from "@web/core/domain";
import {makeContext} from "@web/core/context";
import {registry} from "@web/core/registry";
import {rpc} from "@web/core/network/rpc";
import {user} from "@web/core/user";
import {useService} from "@web/core/utils/hooks";
import {View} from "@web/views/view";

export class CrmReportsDashboardPanel extends Component {
    static template = "crm_reports.DashboardPanel";
    static components = {View};
    static props = {panel: Object};

    setup() {
        this.actionService = useService("action");
        onWillStart(async () => {
            const action = await rpc("/web/action/load", {
                action_id: this.props.panel.action,
            });
            const [viewId, viewType] = action.views[0];
            const context = makeContext([user.context, action.context || {}]);
            this.viewProps = {
                resModel: action.res_model,
                type: viewType,
                views: [
                    [viewId, viewType],
                    [(action.search_view_id && action.search_view_id[0]) || false, "search"],
                ],
                context,
                domain: new Domain(action.domain || []).toList(context),
                display: {controlPanel: false},
                selectRecord: () => this.openReport(),
            };
            if (viewType === "list") {
                this.viewProps.allowSelectors = false;
            }
        });
    }

    openReport() {
        this.actionService.doAction(this.props.panel.action);
    }
}

export class CrmReportsDashboard extends Component {
    static template = "crm_reports.Dashboard";
    static components = {CrmReportsDashboardPanel};
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        onWillStart(async () => {
            this.data = await this.orm.call("crm.reports.dashboard", "get_dashboard_data", []);
        });
    }

    openAction(xmlid) {
        this.actionService.doAction(xmlid);
    }
}

registry.category("actions").add("crm_reports.dashboard", CrmReportsDashboard);
