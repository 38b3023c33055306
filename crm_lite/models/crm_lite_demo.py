from datetime import timedelta

from odoo import api, fields, models


class CrmLiteDemo(models.AbstractModel):
    """Demo only: helpers called by demo/crm_lite_demo.xml to give the demo
    deals a past. Nothing else uses this model."""

    _name = "crm.lite.demo"
    _description = "CRM Lite Demo Data Helper"

    @api.model
    def _walk_deal(self, deal_xmlid, steps):
        """Demo only: move a deal through its stages, then date each move back.

        ``steps`` is a list of ``[stage_xmlid, days_ago]`` or ``[stage_xmlid,
        days_ago, extra_values]`` (e.g. the lost reason); the first step is the
        stage the deal was created in. Stages are written through the ORM by
        the salesperson, so history rows, chatter tracking and closing dates
        come from the real code; only their dates are then moved to the past.
        """
        deal = self.env.ref(deal_xmlid)
        actor = deal.with_user(deal.user_id) if deal.user_id else deal
        history = self.env["crm.lite.stage.history"].sudo()
        messages = self.env["mail.message"].sudo()
        deal_messages = [("model", "=", deal._name), ("res_id", "=", deal.id)]
        done_rows = history.search([("deal_id", "=", deal.id)])
        done_messages = messages.search(deal_messages)
        # A first step on the stage of a deal that never moved dates its creation.
        creation = len(done_rows) == 1 and deal.stage_id == self.env.ref(steps[0][0])
        if creation:
            if deal.user_id:  # the salesperson created it, not the installer
                done_rows.user_id = deal.user_id
                done_messages.author_id = deal.user_id.partner_id
            done_rows, done_messages = history, messages
        now = fields.Datetime.now()
        first = None
        for stage_xmlid, days_ago, *extra in steps:
            when = now - timedelta(days=days_ago)
            stage = self.env.ref(stage_xmlid)
            if actor.stage_id != stage or extra:
                actor.write(dict(extra[0] if extra else {}, stage_id=stage.id))
            actor._track_finalize()  # post the tracking message now, to date it
            rows = history.search([("deal_id", "=", deal.id)]) - done_rows
            new_messages = messages.search(deal_messages) - done_messages
            rows.write({"date": when})
            new_messages.write({"date": when})
            # create_date/uid can only be written by the superuser during install.
            new_messages.tracking_value_ids.write({"create_date": when})
            done_rows |= rows
            done_messages |= new_messages
            first = first or when
        values = {"date_last_stage_update": when}
        if creation:
            values.update(create_date=first, create_uid=deal.user_id.id or self.env.uid)
        if deal.stage_kind != "open":
            values["date_closed"] = when
        deal.write(values)

    @api.model
    def _pay_invoice(self, move_xmlid, days_ago, amount=None):
        """Demo only: register a customer payment on a posted invoice."""
        move = self.env.ref(move_xmlid)
        values = {"payment_date": fields.Date.today() - timedelta(days=days_ago)}
        if amount:
            values["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create(values)._create_payments()
