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

    @api.model
    def _mailing_history(self, mailing_xmlid, segment_xmlid, days_ago, recipients):
        """Demo only: a mailing sent ``days_ago`` to a segment, with what its
        recipients did, as Email Marketing records it (traces and clicks).

        ``recipients`` is a list of ``[partner_xmlid, status]``; status is one
        of ``sent``, ``open``, ``click`` (opened and clicked), ``reply`` or
        ``bounce``.
        """
        mailing = self.env.ref(mailing_xmlid)
        segment = self.env.ref(segment_xmlid)
        segment._sync_mailing_filter()
        sent = fields.Datetime.now() - timedelta(days=days_ago)
        mailing.write(
            {
                "mailing_filter_id": segment.mailing_filter_id.id,
                "mailing_domain": segment.mailing_filter_id.mailing_domain,
                "body_html": mailing.body_arch,
                "state": "done",
                "sent_date": sent,
            }
        )
        tracker = self.env["link.tracker"].create(
            {
                "url": "https://www.example.com/collection",
                "title": mailing.subject,
                "mass_mailing_id": mailing.id,
                "campaign_id": mailing.campaign_id.id,
            }
        )
        for partner_xmlid, status in recipients:
            partner = self.env.ref(partner_xmlid)
            values = {
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": partner.id,
                "email": partner.email_normalized,
                "sent_datetime": sent,
                "trace_status": {"click": "open"}.get(status, status),
            }
            if status in ("open", "click", "reply"):
                values["open_datetime"] = sent + timedelta(hours=3)
            if status == "reply":
                values["reply_datetime"] = sent + timedelta(hours=5)
            if status == "bounce":
                values.update(
                    sent_datetime=False,
                    failure_type="mail_bounce",
                    failure_reason="550 5.1.1 mailbox unavailable",
                )
            trace = self.env["mailing.trace"].create(values)
            if status == "click":
                self.env["link.tracker.click"].sudo().add_click(
                    tracker.code,
                    ip="198.51.100.7",
                    country_code="US",
                    mailing_trace_id=trace.id,
                )

    @api.model
    def _use_segment(self, mailing_xmlid, segment_xmlid):
        """Demo only: send a draft mailing to a segment's audience."""
        segment = self.env.ref(segment_xmlid)
        segment._sync_mailing_filter()
        mailing = self.env.ref(mailing_xmlid)
        mailing.write(
            {
                "mailing_filter_id": segment.mailing_filter_id.id,
                "mailing_domain": segment.mailing_filter_id.mailing_domain,
                "body_html": mailing.body_arch,
            }
        )
