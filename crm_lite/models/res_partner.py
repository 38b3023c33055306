from markupsafe import escape as html_escape

from odoo import api, fields, models


class ResPartner(models.Model):
    """CRM figures of contacts and organizations."""

    _inherit = "res.partner"

    birthday = fields.Date()
    crm_birthday_key = fields.Char(
        compute="_compute_crm_birthday_key",
        store=True,
        index="btree_not_null",
        help="Month and day of the birthday (MM-DD), to find today's birthdays.",
    )
    crm_source_id = fields.Many2one(
        "utm.source",
        "Client Source",
        index="btree_not_null",
        help="Where this client first came from.",
    )
    deal_ids = fields.One2many("crm.lite.deal", "partner_id")
    deal_count = fields.Integer(compute="_compute_deal_figures")
    open_pipeline_amount = fields.Monetary(
        "Open Pipeline",
        compute="_compute_deal_figures",
        currency_field="crm_currency_id",
        groups="crm_lite.group_crm_lite_user",
        help="Expected revenue of the open deals you can see, in the currency of "
        "the current company.",
    )
    crm_currency_id = fields.Many2one("res.currency", compute="_compute_deal_figures")
    last_meeting_date = fields.Datetime(compute="_compute_meeting_dates")
    next_meeting_date = fields.Datetime(compute="_compute_meeting_dates")
    last_interaction_date = fields.Datetime(
        compute="_compute_last_interaction_date",
        help="Latest e-mail, note, done activity or meeting with the client; "
        "mailings and greetings do not count.",
    )
    crm_mailing_trace_count = fields.Integer(
        "Mailings Received",
        compute="_compute_crm_mailing_trace_count",
        groups="crm_lite.group_crm_lite_user",
    )

    @api.depends("birthday")
    def _compute_crm_birthday_key(self):
        for partner in self:
            partner.crm_birthday_key = (
                partner.birthday.strftime("%m-%d") if partner.birthday else False
            )

    def _crm_family(self):
        """Each partner with its direct contacts (an organization's people)."""
        return {partner: partner | partner.child_ids for partner in self}

    @api.depends_context("uid", "company", "allowed_company_ids")
    def _compute_deal_figures(self):
        families = self._crm_family()
        all_ids = [p.id for family in families.values() for p in family if p.id]
        deals_by_partner = {}
        if all_ids:
            for field in ("partner_id", "organization_id"):
                groups = self.env["crm.lite.deal"]._read_group(
                    [(field, "in", all_ids)], [field], ["id:recordset"]
                )
                for partner, deals in groups:
                    deals_by_partner[partner] = (
                        deals_by_partner.get(partner, self.env["crm.lite.deal"]) | deals
                    )
        currency = self.env.company.currency_id
        to_currency = self.env["res.currency"]._crm_sum_in_company_currency
        for partner in self:
            deals = self.env["crm.lite.deal"]
            for member in families[partner]:
                deals |= deals_by_partner.get(member, deals)
            partner.deal_count = len(deals)
            partner.crm_currency_id = currency
            partner.open_pipeline_amount = to_currency(
                (deal.company_id, deal.amount)
                for deal in deals
                if deal.stage_kind == "open"
            )

    def _compute_meeting_dates(self):
        families = self._crm_family()
        all_ids = [p.id for family in families.values() for p in family if p.id]
        now = fields.Datetime.now()
        last, upcoming = {}, {}
        if all_ids:
            events = self.env["calendar.event"]
            for partner, start in events._read_group(
                [("partner_ids", "in", all_ids), ("start", "<", now)],
                ["partner_ids"],
                ["start:max"],
            ):
                last[partner] = start
            for partner, start in events._read_group(
                [("partner_ids", "in", all_ids), ("start", ">=", now)],
                ["partner_ids"],
                ["start:min"],
            ):
                upcoming[partner] = start
        for partner in self:
            family = families[partner]
            past = [last[p] for p in family if p in last]
            future = [upcoming[p] for p in family if p in upcoming]
            partner.last_meeting_date = max(past) if past else False
            partner.next_meeting_date = min(future) if future else False

    @api.depends("last_meeting_date")
    def _compute_last_interaction_date(self):
        """Latest meeting, e-mail, note or done activity with the client,
        on the partner itself, its contacts or their deals."""
        families = self._crm_family()
        all_partners = self.browse(
            {p.id for family in families.values() for p in family if p.id}
        )
        deals = self.env["crm.lite.deal"].search(
            [
                "|",
                ("partner_id", "in", all_partners.ids),
                ("organization_id", "in", all_partners.ids),
            ]
        )
        # Bulk e-mails (mailings, greetings: "email_outgoing") are not
        # interactions with the client.
        interaction_domain = [
            "|",
            ("message_type", "in", ("email", "comment")),
            ("mail_activity_type_id", "!=", False),
        ]
        messages = self.env["mail.message"]
        latest = {}
        for model, res_ids in (
            ("res.partner", all_partners.ids),
            ("crm.lite.deal", deals.ids),
        ):
            if not res_ids:
                continue
            for res_id, date in messages._read_group(
                [("model", "=", model), ("res_id", "in", res_ids), *interaction_domain],
                ["res_id"],
                ["date:max"],
            ):
                latest[(model, res_id)] = date
        for partner in self:
            family = families[partner]
            candidates = [latest.get(("res.partner", p.id)) for p in family]
            candidates += [
                latest.get(("crm.lite.deal", deal.id))
                for deal in deals
                if deal.partner_id in family or deal.organization_id in family
            ]
            candidates.append(partner.last_meeting_date)
            candidates = [date for date in candidates if date]
            partner.last_interaction_date = max(candidates) if candidates else False

    @api.model
    def mail_allowed_qweb_expressions(self):
        # Contact fields a marketer without the Mail Template Editor right may
        # put in a mailing (Email Marketing's restricted rendering); nothing
        # that reaches users' or other records' private data.
        return super().mail_allowed_qweb_expressions() + (
            "object.email",
            "object.city",
            "object.commercial_company_name",
            "object.country_id.name",
        )

    def _compute_crm_mailing_trace_count(self):
        groups = self.env["mailing.trace"]._read_group(
            [("model", "=", "res.partner"), ("res_id", "in", self.ids)],
            ["res_id"],
            ["__count"],
        )
        counts = dict(groups)
        for partner in self:
            partner.crm_mailing_trace_count = counts.get(partner.id, 0)

    def action_view_mailing_traces(self):
        """The mailings the contact received, with what they did of them."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mailings Received"),
            "res_model": "mailing.trace",
            "view_mode": "list,form",
            "domain": [("model", "=", "res.partner"), ("res_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_view_deals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lite.crm_lite_deal_action"
        )
        family = self | self.child_ids
        action["domain"] = [
            "|",
            ("partner_id", "in", family.ids),
            ("organization_id", "in", family.ids),
        ]
        action["context"] = {
            "default_partner_id": self.id,
            "search_default_filter_open": 1,
        }
        action["help"] = self.env._(
            "<p class='o_view_nocontent_smiling_face'>No open deal with %(partner)s"
            "</p><p>Create one, or remove the <i>Open</i> filter to see the won "
            "and lost ones.</p>",
            partner=html_escape(self.display_name),
        )
        return action
