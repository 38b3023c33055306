from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from .tools import NAME_MAX_LENGTH, check_companies_allowed, check_input

PRIORITIES = [
    ("0", "Normal"),
    ("1", "Good"),
    ("2", "Very Good"),
    ("3", "Excellent"),
]
# What the application alone writes: figures read from accounting, the dates
# and flags of stage moves, history and links kept by other documents.
DEAL_PROTECTED_FIELDS = frozenset(
    {
        "amount_invoiced",
        "amount_due",
        "amount_paid",
        "payment_state",
        "stage_kind",
        "date_closed",
        "date_last_stage_update",
        "is_rotting",
        "weighted_amount",
        "stage_history_ids",
        "invoice_ids",
        "duration_tracking",
    }
)


KANBAN_INDEX = "crm_lite_deal_stage_kanban_index"
# On a table of mail, named for crm_lite so that its uninstall hook drops it.
FOLLOWERS_INDEX = "crm_lite_mail_followers_partner_index"


class CrmLiteDeal(models.Model):
    """A sales opportunity moving through the stages of a pipeline."""

    _name = "crm.lite.deal"
    _description = "Deal"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "mail.tracking.duration.mixin",
        "utm.mixin",
    ]
    _order = "priority desc, id desc"
    _check_company_auto = True
    _track_duration_field = "stage_id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Contact",
        index=True,
        tracking=True,
        check_company=True,
        help="The person you talk to.",
    )
    organization_id = fields.Many2one(
        "res.partner",
        index=True,
        compute="_compute_organization_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="The organization documents are issued to.",
    )
    pipeline_id = fields.Many2one(
        "crm.lite.pipeline",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
        default=lambda self: self._default_pipeline_id(),
    )
    stage_id = fields.Many2one(
        "crm.lite.stage",
        index=True,
        tracking=True,
        ondelete="restrict",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        group_expand="_read_group_stage_ids",
        domain="[('pipeline_id', '=', pipeline_id)]",
    )
    stage_kind = fields.Selection(
        related="stage_id.kind", store=True, index=True, string="Status"
    )
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        index=True,
        tracking=True,
        check_company=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        "Expected Revenue", currency_field="currency_id", tracking=True
    )
    probability = fields.Float(
        compute="_compute_probability",
        store=True,
        readonly=False,
        precompute=True,
        aggregator="avg",
    )
    weighted_amount = fields.Monetary(
        "Weighted Revenue",
        compute="_compute_weighted_amount",
        store=True,
        currency_field="currency_id",
    )
    date_deadline = fields.Date("Expected Closing", index=True)
    date_closed = fields.Datetime("Closed On", readonly=True, copy=False, index=True)
    date_last_stage_update = fields.Datetime(
        "Last Stage Update", readonly=True, copy=False, index=True
    )
    priority = fields.Selection(PRIORITIES, default="0", index=True)
    tag_ids = fields.Many2many(
        "crm.lite.tag", "crm_lite_deal_tag_rel", "deal_id", "tag_id", string="Tags"
    )
    lost_reason_id = fields.Many2one(
        "crm.lite.lost.reason", index=True, tracking=True, copy=False
    )
    properties = fields.Properties(
        definition="pipeline_id.deal_properties_definition", copy=True
    )
    description = fields.Html("Notes")
    color = fields.Integer(aggregator=None)
    is_rotting = fields.Boolean(
        "Rotting",
        readonly=True,
        copy=False,
        index=True,
        help="Nothing happened on this open deal for longer than its stage allows.",
    )
    stage_history_ids = fields.One2many(
        "crm.lite.stage.history", "deal_id", readonly=True
    )
    meeting_ids = fields.One2many("calendar.event", "deal_id", string="Meetings")
    meeting_count = fields.Integer(compute="_compute_meeting_count")
    partner_duplicate_ids = fields.Many2many(
        "res.partner",
        string="Possible Duplicates of the Contact",
        compute="_compute_partner_duplicate_ids",
    )

    # ------------------------------------------------------------
    # DEFAULTS AND COMPUTES
    # ------------------------------------------------------------

    @api.model
    def _default_pipeline_id(self):
        pipelines = self.env["crm.lite.pipeline"].search(
            [("company_id", "in", self.env.companies.ids)]
        )
        mine = pipelines.filtered(lambda p: self.env.user in p.member_ids)
        return (mine or pipelines)[:1]

    @api.depends("partner_id")
    def _compute_organization_id(self):
        """The contact's organization; none for a private person. A deal
        without contact keeps the organization typed in."""
        for deal in self:
            if not deal.partner_id:
                continue
            commercial = deal.partner_id.commercial_partner_id
            deal.organization_id = commercial if commercial.is_company else False

    @api.depends("pipeline_id")
    def _compute_stage_id(self):
        for deal in self:
            if deal.pipeline_id and deal.stage_id.pipeline_id != deal.pipeline_id:
                deal.stage_id = deal.pipeline_id._get_first_stage()
            elif not deal.pipeline_id:
                deal.stage_id = False

    @api.depends("stage_id")
    def _compute_probability(self):
        for deal in self:
            deal.probability = deal.stage_id.probability

    @api.depends("amount", "probability")
    def _compute_weighted_amount(self):
        for deal in self:
            deal.weighted_amount = deal.amount * deal.probability / 100.0

    def _compute_meeting_count(self):
        groups = self.env["calendar.event"]._read_group(
            [("deal_id", "in", self.ids)], ["deal_id"], ["__count"]
        )
        counts = {deal: count for deal, count in groups}
        for deal in self:
            deal.meeting_count = counts.get(deal, 0)

    @api.depends(
        "stage_kind",
        "partner_id.email",
        "partner_id.phone",
        "partner_id.mobile",
        "partner_id.country_id",
    )
    def _compute_partner_duplicate_ids(self):
        for deal in self:
            partner = deal.partner_id
            if not partner or deal.stage_kind != "open":
                deal.partner_duplicate_ids = False
                continue
            # Only partners that existed before this contact are offered: a
            # deal on the oldest record of a duplicate pair is left alone.
            own_id = partner._origin.id
            deal.partner_duplicate_ids = partner._crm_find_duplicates(limit=5).filtered(
                lambda p, own_id=own_id: not own_id or p.id < own_id
            )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Show every stage of the pipeline being looked at, even empty ones."""
        pipeline_id = self.env.context.get("default_pipeline_id")
        if not pipeline_id:
            return stages
        return stages.search([("pipeline_id", "=", pipeline_id)])

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("amount")
    def _check_amount(self):
        for deal in self:
            if deal.amount < 0:
                raise ValidationError(
                    self.env._(
                        "The expected revenue of %(deal)s cannot be negative.",
                        deal=deal.name,
                    )
                )

    @api.constrains("probability")
    def _check_probability(self):
        for deal in self:
            if not 0 <= deal.probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of %(deal)s must be between 0 and 100.",
                        deal=deal.name,
                    )
                )

    @api.constrains("stage_id", "pipeline_id")
    def _check_stage_pipeline(self):
        for deal in self:
            if not deal.stage_id:
                raise ValidationError(
                    self.env._(
                        "Pipeline %(pipeline)s has no stage yet: add stages before "
                        "creating deals in it.",
                        pipeline=deal.pipeline_id.name,
                    )
                )
            if deal.stage_id.pipeline_id != deal.pipeline_id:
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s belongs to pipeline %(other)s, not to "
                        "pipeline %(pipeline)s of deal %(deal)s.",
                        stage=deal.stage_id.name,
                        other=deal.stage_id.pipeline_id.name,
                        pipeline=deal.pipeline_id.name,
                        deal=deal.name,
                    )
                )

    def _check_stage_requirements(self):
        """Refuse a stage whose entry rules the deal does not meet."""
        for deal in self:
            stage = deal.stage_id
            # sudo: which fields a stage requires is configuration every
            # salesperson meets; field definitions are not readable by them.
            missing = [
                field.field_description
                for field in stage.sudo().required_field_ids
                if field.name in deal._fields and not deal[field.name]
            ]
            if missing:
                raise UserError(
                    self.env._(
                        "Deal %(deal)s cannot enter stage %(stage)s: fill in "
                        "%(fields)s first.",
                        deal=deal.name,
                        stage=stage.name,
                        fields=", ".join(missing),
                    )
                )
            if stage.kind == "lost" and not deal.lost_reason_id:
                raise UserError(
                    self.env._(
                        "Deal %(deal)s needs a lost reason to enter stage %(stage)s. "
                        "Use the Lost button and tell why.",
                        deal=deal.name,
                        stage=stage.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def init(self):
        result = super().init()
        cr = self.env.cr
        # A kanban column reads its first cards in the model's order and counts
        # them up to the pager's limit: with this index both stop early instead
        # of sorting a stage of a million deals. The included columns are those
        # a column's domain and the record rules test, for index-only counts.
        if not index_exists(cr, KANBAN_INDEX):
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (stage_id, priority DESC, id DESC)"
                    " INCLUDE (pipeline_id, company_id, user_id) WHERE active",
                    SQL.identifier(KANBAN_INDEX),
                    SQL.identifier(self._table),
                )
            )
        # The "followed deals" rule makes every salesperson's query look up the
        # deals they follow; mail's own indexes make that a heap scan of all
        # their followings. Dropped by the uninstall hook.
        if not index_exists(cr, FOLLOWERS_INDEX):
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON mail_followers (partner_id, res_model)"
                    " INCLUDE (res_id)",
                    SQL.identifier(FOLLOWERS_INDEX),
                )
            )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        check_input(
            self,
            vals_list,
            char_limits={"name": NAME_MAX_LENGTH},
            protected=DEAL_PROTECTED_FIELDS,
        )
        now = fields.Datetime.now()
        for vals in vals_list:
            self._match_imported_stage(vals, vals.get("pipeline_id"))
            vals.setdefault("date_last_stage_update", now)
            if vals.get("stage_id"):
                stage = self.env["crm.lite.stage"].browse(vals["stage_id"])
                vals.update(self._stage_change_values(stage, vals, now))
        deals = super().create(vals_list)
        deals._check_stage_requirements()
        deals._set_partner_first_source()
        deals._log_stage_history({deal.id: False for deal in deals}, now)
        closed = deals.filtered(lambda d: d.stage_kind != "open")
        if closed:
            closed._status_changed_hook({deal.id: False for deal in closed})
        return deals

    def write(self, vals):
        check_input(
            self,
            [vals],
            char_limits={"name": NAME_MAX_LENGTH},
            protected=DEAL_PROTECTED_FIELDS,
        )
        vals = dict(vals)
        now = fields.Datetime.now()
        if len(self) == 1:
            self._match_imported_stage(
                vals, vals.get("pipeline_id", self.pipeline_id.id)
            )
        if "pipeline_id" in vals and "stage_id" not in vals:
            pipeline = self.env["crm.lite.pipeline"].browse(vals["pipeline_id"])
            if any(deal.stage_id.pipeline_id != pipeline for deal in self):
                vals["stage_id"] = pipeline._get_first_stage().id
        previous_stages = {}
        if "stage_id" in vals:
            stage = self.env["crm.lite.stage"].browse(vals["stage_id"])
            previous_stages = {
                deal.id: deal.stage_id for deal in self if deal.stage_id != stage
            }
            if previous_stages and len(previous_stages) < len(self):
                # Deals already in the stage (batch drop in the kanban) keep
                # their closing date, stage date and probability.
                moved = self.browse(list(previous_stages))
                (self - moved).write({k: v for k, v in vals.items() if k != "stage_id"})
                return moved.write(vals)
            if previous_stages:
                vals.update(self._stage_change_values(stage, vals, now))
                vals["date_last_stage_update"] = now
                vals["is_rotting"] = False
        result = super().write(vals)
        if {"company_id", "pipeline_id"} & set(vals):
            check_companies_allowed(self)
        if previous_stages:
            moved = self.browse(list(previous_stages))
            moved._check_stage_requirements()
            moved._log_stage_history(previous_stages, now)
            previous_status = {
                deal.id: previous_stages[deal.id].kind
                for deal in moved
                if previous_stages[deal.id].kind != deal.stage_kind
            }
            if previous_status:
                self.browse(list(previous_status))._status_changed_hook(previous_status)
        elif "lost_reason_id" in vals and not vals["lost_reason_id"]:
            self.filtered(lambda d: d.stage_kind == "lost")._check_stage_requirements()
        if {"partner_id", "organization_id", "company_id"} & set(vals):
            self._check_invoices_consistency()
        return result

    def _status_changed_hook(self, previous_status):
        """Called once the deals in ``self`` changed status (open, won, lost).

        Extension point for the addons that react to a deal being won, lost or
        reopened (loyalty offers, reports, notifications), so that they never
        override ``write``. Runs in the same transaction, after the stage
        history row is written.

        :param dict previous_status: ``{deal id: 'open' | 'won' | 'lost'}``,
            or ``False`` for a deal created directly in a won or lost stage
        """

    def _check_linkable(self):
        """Other documents (meetings, wizards) may point to these deals only
        when the user can read them: a link would show their name and status.
        The message names none of them."""
        if self.env.su or not self:
            return
        if self - self._filtered_access("read"):
            raise AccessError(
                self.env._("You cannot link a record to a deal you cannot see.")
            )

    def _set_partner_first_source(self):
        """Remember where a client first came from: the source of its first deal."""
        # sudo: a side effect of creating the deal; salespeople without
        # "Contact Creation" rights may not write on partners themselves.
        for deal in self.filtered("source_id"):
            partners = (deal.partner_id | deal.organization_id).sudo()
            for partner in partners.filtered(lambda p: not p.crm_source_id):
                partner.crm_source_id = deal.source_id

    @api.model
    def _match_imported_stage(self, vals, pipeline_id):
        """Imports name stages, and pipelines often share stage names
        ("Negotiation"): take the stage of that name in the deal's pipeline."""
        if not (
            self.env.context.get("import_file") and vals.get("stage_id") and pipeline_id
        ):
            return
        stage = self.env["crm.lite.stage"].browse(vals["stage_id"])
        if stage.pipeline_id.id == pipeline_id:
            return
        same_name = stage.search(
            [("pipeline_id", "=", pipeline_id), ("name", "=", stage.name)], limit=1
        )
        if same_name:
            vals["stage_id"] = same_name.id

    @api.model
    def _stage_change_values(self, stage, vals, now):
        """Side values of entering ``stage``: closing date and lost reason."""
        if stage.kind == "open":
            return {"date_closed": False, "lost_reason_id": False}
        values = {"date_closed": now}
        if stage.kind == "won":
            values["lost_reason_id"] = False
        return values

    def _log_stage_history(self, previous_stages, now):
        # History is read-only for every user; the ORM writes it on their behalf.
        self.env["crm.lite.stage.history"].sudo().create(
            [
                {
                    "deal_id": deal.id,
                    "pipeline_id": deal.pipeline_id.id,
                    "company_id": deal.company_id.id,
                    "stage_from_id": previous_stages[deal.id].id
                    if previous_stages[deal.id]
                    else False,
                    "stage_id": deal.stage_id.id,
                    "stage_kind": deal.stage_id.kind,
                    "user_id": self.env.uid,
                    "salesperson_id": deal.user_id.id,
                    "date": now,
                    "amount": deal.amount,
                }
                for deal in self
            ]
        )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", deal.name))
            if "name" not in (default or {})
            else vals
            for deal, vals in zip(self, vals_list, strict=True)
        ]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_set_won(self):
        for pipeline, deals in self.grouped("pipeline_id").items():
            stage = pipeline._get_won_stage()
            if not stage:
                raise UserError(
                    self.env._(
                        "Pipeline %(pipeline)s has no won stage.",
                        pipeline=pipeline.name,
                    )
                )
            deals.write({"stage_id": stage.id})
        return True

    def action_set_lost(self, lost_reason_id, stage_id=None):
        """Close the deals as lost with the given reason (used by the wizard),
        in ``stage_id`` (a lost stage of their pipeline) or their pipeline's
        first lost stage."""
        if not lost_reason_id:
            raise UserError(self.env._("Choose why the deal was lost."))
        chosen = self.env["crm.lite.stage"].browse(stage_id)
        for pipeline, deals in self.grouped("pipeline_id").items():
            stage = (
                chosen if chosen.pipeline_id == pipeline else self.env["crm.lite.stage"]
            )
            if chosen and (not stage or stage.kind != "lost"):
                raise UserError(
                    self.env._(
                        "Stage %(stage)s is not a lost stage of pipeline %(pipeline)s.",
                        stage=chosen.name,
                        pipeline=pipeline.name,
                    )
                )
            stage = stage or pipeline._get_lost_stage()
            if not stage:
                raise UserError(
                    self.env._(
                        "Pipeline %(pipeline)s has no lost stage.",
                        pipeline=pipeline.name,
                    )
                )
            deals.write({"stage_id": stage.id, "lost_reason_id": lost_reason_id})
        return True

    def action_open_lost_wizard(self):
        """The "why was it lost?" dialog; ``default_stage_id`` in the context
        (a lost stage the deal was dropped on) is kept."""
        context = {"active_ids": self.ids, "active_model": self._name}
        if self.env.context.get("default_stage_id"):
            context["default_stage_id"] = self.env.context["default_stage_id"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lost"),
            "res_model": "crm.lite.deal.lost",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }

    def action_reopen(self):
        """Open won or lost deals again, in the stage they were closed from
        (the stage history knows it), or their pipeline's first stage."""
        for deal in self:
            deal.write({"stage_id": deal._get_reopen_stage().id})
        return True

    def _get_reopen_stage(self):
        self.ensure_one()
        # sudo: history rows follow the deal's visibility; the stage the deal
        # left is not a secret of whoever may reopen it.
        entered = (
            self.env["crm.lite.stage.history"]
            .sudo()
            .search(
                [("deal_id", "=", self.id), ("stage_id", "=", self.stage_id.id)],
                order="date desc, id desc",
                limit=1,
            )
        )
        previous = entered.stage_from_id
        if (
            previous
            and previous.pipeline_id == self.pipeline_id
            and previous.kind == "open"
        ):
            return previous
        return self.pipeline_id._get_first_stage()

    def action_link_existing_contact(self):
        """Replace a freshly typed contact by the partner that already existed."""
        for deal in self:
            existing = deal.partner_duplicate_ids.sorted("id")[:1]
            if not existing:
                raise UserError(self.env._("No existing contact matches this one."))
            deal.partner_id = existing
        return True

    @api.model
    def action_open_default_pipeline(self):
        """Open the kanban of the pipeline the user works in."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lite.crm_lite_deal_action"
        )
        pipeline = self._default_pipeline_id()
        if pipeline:
            action["display_name"] = pipeline.name
            action["domain"] = [("pipeline_id", "=", pipeline.id)]
            action["context"] = {
                "default_pipeline_id": pipeline.id,
                "search_default_filter_my_deals": 1,
            }
        return action

    def action_schedule_meeting(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendar.action_calendar_event"
        )
        partners = self.env.user.partner_id | self.partner_id
        action["context"] = {
            "default_deal_id": self.id,
            "default_res_model": self._name,
            "default_res_id": self.id,
            "default_partner_ids": partners.ids,
            "default_user_id": self.env.uid,
            "default_name": self.name,
        }
        action["domain"] = [("deal_id", "=", self.id)]
        return action
