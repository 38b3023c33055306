from ast import literal_eval

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from odoo.addons.mail.tools.alias_error import AliasError

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input


class CrmLitePipeline(models.Model):
    """A sales funnel: an ordered set of stages that deals move through.

    A company can run several pipelines ("New sales", "Repeat sales"...).
    Each pipeline may own a mail alias: e-mails sent to it become deals.
    """

    _name = "crm.lite.pipeline"
    _description = "Sales Pipeline"
    _inherit = ["mail.alias.mixin.optional"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    member_ids = fields.Many2many(
        "res.users",
        "crm_lite_pipeline_member_rel",
        "pipeline_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False)]",
        help="Salespeople working this pipeline.",
    )
    stage_ids = fields.One2many("crm.lite.stage", "pipeline_id", string="Stages")
    deal_ids = fields.One2many("crm.lite.deal", "pipeline_id", string="Deals")
    deal_properties_definition = fields.PropertiesDefinition(
        "Deal Properties",
        help="Extra fields shown on the deals of this pipeline.",
    )
    auto_won_on_paid = fields.Boolean(
        "Win Deals When Paid",
        help="Move a deal to the won stage of this pipeline as soon as its "
        "invoices are fully paid.",
    )
    open_deal_count = fields.Integer(compute="_compute_open_deals")
    open_amount = fields.Monetary(
        "Open Pipeline", compute="_compute_open_deals", currency_field="currency_id"
    )

    @api.depends("deal_ids.stage_id", "deal_ids.amount", "deal_ids.active")
    def _compute_open_deals(self):
        groups = self.env["crm.lite.deal"]._read_group(
            [("pipeline_id", "in", self.ids), ("stage_kind", "=", "open")],
            ["pipeline_id"],
            ["__count", "amount:sum"],
        )
        figures = {pipeline: (count, amount) for pipeline, count, amount in groups}
        for pipeline in self:
            pipeline.open_deal_count, pipeline.open_amount = figures.get(
                pipeline, (0, 0.0)
            )

    @api.constrains("member_ids", "company_id")
    def _check_members_company(self):
        for pipeline in self:
            outsiders = pipeline.member_ids.filtered(
                lambda user, company=pipeline.company_id: company
                not in user.company_ids
            )
            if outsiders:
                raise ValidationError(
                    self.env._(
                        "These members cannot access the company %(company)s "
                        "of pipeline %(pipeline)s: %(users)s",
                        company=pipeline.company_id.name,
                        pipeline=pipeline.name,
                        users=", ".join(outsiders.mapped("name")),
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        if "active" in vals and not vals["active"]:
            self._check_no_open_deals()
        if "company_id" in vals:
            moved = self.filtered(lambda p: p.company_id.id != vals["company_id"])
            if moved and self.env["crm.lite.deal"].with_context(
                active_test=False
            ).search_count([("pipeline_id", "in", moved.ids)], limit=1):
                raise UserError(
                    self.env._(
                        "A pipeline that holds deals cannot move to another company."
                    )
                )
        result = super().write(vals)
        if "company_id" in vals:
            check_companies_allowed(self)
        return result

    def _check_no_open_deals(self):
        open_deals = self.env["crm.lite.deal"].search(
            [("pipeline_id", "in", self.ids), ("stage_kind", "=", "open")]
        )
        if open_deals:
            raise UserError(
                self.env._(
                    "Pipeline %(pipeline)s still has %(count)s open deal(s). "
                    "Close them or move them to another pipeline first.",
                    pipeline=", ".join(open_deals.pipeline_id.mapped("name")),
                    count=len(open_deals),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_deals(self):
        if (
            self.env["crm.lite.deal"]
            .with_context(active_test=False)
            .search_count([("pipeline_id", "in", self.ids)], limit=1)
        ):
            raise UserError(
                self.env._(
                    "A pipeline that holds deals cannot be deleted; archive it instead."
                )
            )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _get_first_stage(self):
        """The stage new deals of this pipeline start in."""
        self.ensure_one()
        stages = self.stage_ids.sorted()
        return stages.filtered(lambda s: s.kind == "open")[:1] or stages[:1]

    def _get_won_stage(self):
        self.ensure_one()
        return self.stage_ids.sorted().filtered(lambda s: s.kind == "won")[:1]

    def _get_lost_stage(self):
        self.ensure_one()
        return self.stage_ids.sorted().filtered(lambda s: s.kind == "lost")[:1]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_deals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lite.crm_lite_deal_action"
        )
        action["domain"] = [("pipeline_id", "=", self.id)]
        action["context"] = {"default_pipeline_id": self.id}
        return action

    # ------------------------------------------------------------
    # MAIL ALIAS
    # ------------------------------------------------------------

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("crm.lite.deal")
        if self.id:
            defaults = literal_eval(self.alias_defaults or "{}")
            defaults["pipeline_id"] = self.id
            values["alias_defaults"] = defaults
        return values

    def _alias_get_error(self, message, message_dict, alias):
        """Refuse e-mails without a usable sender before a deal is attempted.

        Refusing here bounces the e-mail without flagging the alias as
        misconfigured, which an exception in ``message_new`` would do.
        """
        error = super()._alias_get_error(message, message_dict, alias)
        if error:
            return error
        _name, email = tools.parse_contact_from_email(
            message_dict.get("email_from") or ""
        )
        if not email:
            return AliasError(
                "no_sender",
                self.env._(
                    "The e-mail has no usable sender address: no deal was created."
                ),
                is_config_error=False,
            )
        return None
