from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input

STAGE_KINDS = [
    ("open", "Open"),
    ("won", "Won"),
    ("lost", "Lost"),
]


class CrmLiteStage(models.Model):
    """One step of a pipeline, with the rules a deal must meet to enter it."""

    _name = "crm.lite.stage"
    _description = "Pipeline Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    pipeline_id = fields.Many2one(
        "crm.lite.pipeline", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="pipeline_id.company_id", store=True)
    probability = fields.Float(
        default=10.0,
        help="Default success probability (0-100) of deals entering this stage.",
    )
    kind = fields.Selection(
        STAGE_KINDS,
        required=True,
        default="open",
        help="Won and lost stages close the deal.",
    )
    fold = fields.Boolean(
        "Folded in Pipeline", help="Fold this column in the kanban view."
    )
    rotting_days = fields.Integer(
        help="An open deal that stays longer than this many days in the stage "
        "with nothing planned is marked as rotting. 0 disables it.",
    )
    required_field_ids = fields.Many2many(
        "ir.model.fields",
        "crm_lite_stage_required_field_rel",
        "stage_id",
        "field_id",
        string="Required Fields",
        domain="[('model', '=', 'crm.lite.deal'), ('store', '=', True), "
        "('name', 'not in', ('id', 'create_uid', 'create_date', 'write_uid', "
        "'write_date', 'stage_id', 'pipeline_id'))]",
        help="Deal fields that must be filled before a deal enters this stage.",
    )
    description = fields.Text(translate=True)
    deal_count = fields.Integer(compute="_compute_deal_count")

    def _compute_deal_count(self):
        groups = self.env["crm.lite.deal"]._read_group(
            [("stage_id", "in", self.ids)], ["stage_id"], ["__count"]
        )
        counts = {stage: count for stage, count in groups}
        for stage in self:
            stage.deal_count = counts.get(stage, 0)

    @api.constrains("probability")
    def _check_probability(self):
        for stage in self:
            if not 0 <= stage.probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of stage %(stage)s must be between 0 and 100.",
                        stage=stage.name,
                    )
                )

    @api.constrains("rotting_days")
    def _check_rotting_days(self):
        if any(stage.rotting_days < 0 for stage in self):
            raise ValidationError(self.env._("Rotting days cannot be negative."))

    @api.constrains("required_field_ids")
    def _check_required_fields_model(self):
        for stage in self:
            if any(f.model != "crm.lite.deal" for f in stage.required_field_ids):
                raise ValidationError(
                    self.env._("Required fields must be fields of deals.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        if "pipeline_id" in vals:
            moved = self.filtered(lambda s: s.pipeline_id.id != vals["pipeline_id"])
            if moved and self.env["crm.lite.deal"].with_context(
                active_test=False
            ).search_count([("stage_id", "in", moved.ids)], limit=1):
                raise UserError(
                    self.env._(
                        "A stage that holds deals cannot move to another pipeline."
                    )
                )
        result = super().write(vals)
        if "pipeline_id" in vals:
            # The stage takes the company of its new pipeline.
            check_companies_allowed(self)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_deals(self):
        deals = self.env["crm.lite.deal"].with_context(active_test=False)
        for stage in self:
            count = deals.search_count([("stage_id", "=", stage.id)])
            if count:
                raise UserError(
                    self.env._(
                        "Stage %(stage)s holds %(count)s deal(s), archived ones "
                        "included. Move them to another stage before deleting it.",
                        stage=stage.name,
                        count=count,
                    )
                )
