from odoo import api, fields, models

from ..report.crm_lite_report_mixin import PRECOMPUTE_PARAM, PRECOMPUTED_AT_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_reports_window_months = fields.Integer(
        related="company_id.crm_reports_window_months", readonly=False
    )
    crm_reports_precompute = fields.Selection(
        [
            ("auto", "On large databases"),
            ("always", "Always"),
            ("never", "Never"),
        ],
        "Precompute Heavy Reports",
        default="auto",
        required=True,
        config_parameter=PRECOMPUTE_PARAM,
        help="The campaign and customer reports read years of invoices and "
        "payments. Precomputed, they are refreshed every hour and show when; "
        "otherwise they are computed at each read. 'On large databases': from "
        "200 000 deals or 100 000 journal entries.",
    )
    crm_reports_precomputed_at = fields.Datetime(
        "Figures Refreshed At",
        compute="_compute_crm_reports_precomputed_at",
        help="Empty: the reports are computed at each read.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("crm_reports_precompute")
    def _compute_crm_reports_precomputed_at(self):
        precomputed_at = self.env["crm.lite.report.mixin"]._precomputed_at()
        for settings in self:
            settings.crm_reports_precomputed_at = precomputed_at

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def set_values(self):
        params = self.env["ir.config_parameter"].sudo()
        old_mode = params.get_param(PRECOMPUTE_PARAM) or "auto"
        result = super().set_values()
        if self.crm_reports_precompute != old_mode:
            if self.crm_reports_precompute == "never":
                # Read live from now on; the job empties the tables.
                params.set_param(PRECOMPUTED_AT_PARAM, False)
            self.env.ref("crm_reports.ir_cron_crm_reports_precompute")._trigger()
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_reports_refresh_now(self):
        """Refresh the precomputed reports in the background now."""
        self.env.ref("crm_reports.ir_cron_crm_reports_precompute")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "The reports will be refreshed in a few minutes."
                ),
            },
        }
