/** @odoo-module **/
// Copyright 2026 CRM Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

/**
 * Moving a deal to a lost stage needs a lost reason: the kanban drop and the
 * form's status bar open the "why was it lost?" dialog instead of writing the
 * stage (which the server would refuse).
 */

const lostStageIds = new Map();

/**
 * @param {Object} orm the orm service
 * @param {number} stageId
 * @returns {Promise<boolean>} whether the stage is a lost stage
 */
export async function isLostStage(orm, stageId) {
    if (!lostStageIds.has(stageId)) {
        const [stage] = await orm.read("crm.lite.stage", [stageId], ["kind"]);
        lostStageIds.set(stageId, Boolean(stage && stage.kind === "lost"));
    }
    return lostStageIds.get(stageId);
}

/**
 * Open the lost-reason dialog for deals, to close them in ``stageId``.
 *
 * @param {Object} services ``{ orm, action }``
 * @param {number[]} dealIds
 * @param {number} stageId the lost stage chosen
 * @param {Function} onClose called when the dialog closes (saved or not)
 */
export async function openLostWizard({ orm, action }, dealIds, stageId, onClose) {
    const wizardAction = await orm.call(
        "crm.lite.deal",
        "action_open_lost_wizard",
        [dealIds],
        { context: { default_stage_id: stageId } }
    );
    return action.doAction(wizardAction, { onClose });
}
