from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestDealStages(CrmLiteCommon):
    """How a deal moves through the stages of its pipeline."""

    def _history(self, deal):
        return self.env["crm.lite.stage.history"].search(
            [("deal_id", "=", deal.id)], order="id"
        )

    # ------------------------------------------------------------------
    # Creation defaults
    # ------------------------------------------------------------------

    def test_new_deal_starts_in_first_open_stage(self):
        # A won stage placed first must not catch new deals.
        self.env["crm.lite.stage"].create(
            {
                "name": "Early Won",
                "sequence": 0,
                "pipeline_id": self.pipeline.id,
                "kind": "won",
                "probability": 100,
            }
        )
        deal = self._create_deal()
        self.assertEqual(deal.stage_id, self.stage_lead)
        self.assertEqual(deal.stage_kind, "open")
        self.assertFalse(deal.date_closed)

        deal_2 = self._create_deal(pipeline_id=self.pipeline_2.id)
        self.assertEqual(deal_2.stage_id, self.stage2_new)

    def test_default_pipeline_is_the_one_the_salesperson_works_in(self):
        deal = (
            self.env["crm.lite.deal"]
            .with_user(self.user_sales_1)
            .create({"name": "Typed in the kanban", "partner_id": self.contact.id})
        )
        self.assertEqual(deal.pipeline_id, self.pipeline)
        self.assertEqual(deal.stage_id, self.stage_lead)
        self.assertEqual(deal.user_id, self.user_sales_1)
        self.assertEqual(deal.company_id, self.company)

    def test_form_new_deal(self):
        """The deal form fills stage, probability and organization."""
        with Form(self.env["crm.lite.deal"].with_user(self.user_sales_1)) as form:
            form.name = "Form deal"
            form.pipeline_id = self.pipeline_2
            self.assertEqual(form.stage_id, self.stage2_new)
            self.assertEqual(form.probability, 20)
            form.partner_id = self.contact
            self.assertEqual(form.organization_id, self.organization)
            form.amount = 500
            self.assertEqual(form.weighted_amount, 100)
        deal = form.record
        self.assertEqual(deal.stage_id, self.stage2_new)
        self.assertEqual(deal.organization_id, self.organization)
        self.assertEqual(deal.weighted_amount, 100)

    def test_probability_from_stage_and_override(self):
        deal = self._create_deal(amount=2000)
        self.assertEqual(deal.probability, 10)
        self.assertEqual(deal.weighted_amount, 200)

        deal.probability = 25
        self.assertEqual(deal.probability, 25)
        self.assertEqual(deal.weighted_amount, 500)
        deal.amount = 4000
        self.assertEqual(deal.weighted_amount, 1000)

        # A new stage brings its own probability again.
        deal.stage_id = self.stage_negotiation
        self.assertEqual(deal.probability, 40)
        self.assertEqual(deal.weighted_amount, 1600)

        # A probability given at creation wins over the stage's.
        deal_2 = self._create_deal(probability=70, amount=100)
        self.assertEqual(deal_2.stage_id, self.stage_lead)
        self.assertEqual(deal_2.probability, 70)
        self.assertEqual(deal_2.weighted_amount, 70)

        self.env.flush_all()
        stored = self.env["crm.lite.deal"].search_read(
            [("id", "in", (deal | deal_2).ids)], ["weighted_amount"], order="id"
        )
        self.assertEqual([row["weighted_amount"] for row in stored], [1600, 70])

    def test_organization_from_contact(self):
        deal = self._create_deal(partner_id=self.contact.id)
        self.assertEqual(deal.organization_id, self.organization)

        deal_org = self._create_deal(partner_id=self.other_customer.id)
        self.assertEqual(deal_org.organization_id, self.other_customer)

        # The contact changes company: the deal follows.
        deal.partner_id = self.other_customer
        self.assertEqual(deal.organization_id, self.other_customer)

        # An explicit organization is kept.
        deal_explicit = self._create_deal(
            partner_id=False, organization_id=self.organization.id
        )
        self.assertEqual(deal_explicit.organization_id, self.organization)

    def test_copy(self):
        deal = self._create_deal(name="Big Deal", probability=65)
        deal.action_set_won()
        copy = deal.copy()
        self.assertEqual(copy.name, "Big Deal (copy)")
        # The copy is a new, open deal.
        self.assertEqual(copy.stage_id, self.stage_lead)
        self.assertFalse(copy.date_closed)
        self.assertEqual(copy.amount, 1000)
        self.assertEqual(copy.partner_id, self.contact)
        self.assertEqual(copy.user_id, self.user_sales_1)
        self.assertEqual(len(self._history(copy)), 1)
        self.assertEqual(self.env["crm.lite.deal"].browse(deal.id).name, "Big Deal")
        self.assertEqual(deal.copy({"name": "Renamed"}).name, "Renamed")

    # ------------------------------------------------------------------
    # Won / lost / reopen
    # ------------------------------------------------------------------

    def test_won_sets_and_leaving_clears_date_closed(self):
        with freeze_time("2026-01-05 09:00:00"):
            deal = self._create_deal()
        self.assertEqual(deal.date_last_stage_update, datetime(2026, 1, 5, 9, 0))
        with freeze_time("2026-02-10 15:30:00"):
            deal.stage_id = self.stage_won
        self.assertEqual(deal.stage_kind, "won")
        self.assertEqual(deal.probability, 100)
        self.assertEqual(deal.date_closed, datetime(2026, 2, 10, 15, 30))
        self.assertEqual(deal.date_last_stage_update, datetime(2026, 2, 10, 15, 30))

        with freeze_time("2026-02-12 08:00:00"):
            deal.stage_id = self.stage_negotiation
        self.assertFalse(deal.date_closed)
        self.assertEqual(deal.stage_kind, "open")
        self.assertEqual(deal.probability, 40)
        self.assertEqual(deal.date_last_stage_update, datetime(2026, 2, 12, 8, 0))

    def test_action_set_won(self):
        deal_1 = self._create_deal()
        deal_2 = self._create_deal(pipeline_id=self.pipeline_2.id)
        deal_3 = self._create_deal(stage_id=self.stage_negotiation.id)
        (deal_1 | deal_2 | deal_3).with_user(self.user_sales_1).action_set_won()
        self.assertEqual(deal_1.stage_id, self.stage_won)
        self.assertEqual(deal_2.stage_id, self.stage2_won)
        self.assertEqual(deal_3.stage_id, self.stage_won)
        for deal in deal_1 | deal_2 | deal_3:
            self.assertEqual(deal.stage_kind, "won")
            self.assertEqual(deal.probability, 100)
            self.assertTrue(deal.date_closed)

    def test_action_set_won_without_won_stage(self):
        pipeline = self.env["crm.lite.pipeline"].create({"name": "Open Ended"})
        stage = self.env["crm.lite.stage"].create(
            {"name": "Talking", "pipeline_id": pipeline.id}
        )
        deal = self._create_deal(pipeline_id=pipeline.id)
        with self.assertRaisesRegex(UserError, "Open Ended has no won stage"):
            deal.action_set_won()
        self.assertEqual(deal.stage_id, stage)

    def test_lost_stage_requires_reason(self):
        deal = self._create_deal(stage_id=self.stage_negotiation.id)
        history_count = len(self._history(deal))
        with self.assertRaisesRegex(UserError, "needs a lost reason"):
            deal.write({"stage_id": self.stage_lost.id})
        # Nothing was written: the deal stays where it was, without new history.
        self.assertEqual(deal.stage_id, self.stage_negotiation)
        self.assertFalse(deal.date_closed)
        self.assertEqual(len(self._history(deal)), history_count)

        with self.assertRaisesRegex(UserError, "needs a lost reason"):
            self._create_deal(stage_id=self.stage_lost.id)

        # Removing the reason of a lost deal is refused as well.
        deal.action_set_lost(self.lost_reason.id)
        with self.assertRaisesRegex(UserError, "needs a lost reason"):
            deal.lost_reason_id = False
        self.assertEqual(deal.lost_reason_id, self.lost_reason)

    def test_action_set_lost(self):
        with freeze_time("2026-03-01 10:00:00"):
            deals = self._create_deal() | self._create_deal(
                stage_id=self.stage_negotiation.id
            )
        with freeze_time("2026-03-03 11:00:00"):
            deals.with_user(self.user_sales_1).action_set_lost(self.lost_reason.id)
        for deal in deals:
            self.assertEqual(deal.stage_id, self.stage_lost)
            self.assertEqual(deal.stage_kind, "lost")
            self.assertEqual(deal.lost_reason_id, self.lost_reason)
            self.assertEqual(deal.probability, 0)
            self.assertEqual(deal.weighted_amount, 0)
            self.assertEqual(deal.date_closed, datetime(2026, 3, 3, 11, 0))
        with self.assertRaisesRegex(UserError, "Choose why the deal was lost"):
            deals.action_set_lost(False)

    def test_action_set_lost_without_lost_stage(self):
        deal = self._create_deal(pipeline_id=self.pipeline_2.id)
        with self.assertRaisesRegex(UserError, "Repeat Sales has no lost stage"):
            deal.action_set_lost(self.lost_reason.id)
        self.assertEqual(deal.stage_id, self.stage2_new)
        self.assertFalse(deal.lost_reason_id)

    def test_lost_wizard(self):
        deals = self._create_deal() | self._create_deal(
            stage_id=self.stage_negotiation.id
        )
        action = deals.action_open_lost_wizard()
        self.assertEqual(action["res_model"], "crm.lite.deal.lost")
        wizard_form = Form(
            self.env["crm.lite.deal.lost"]
            .with_user(self.user_sales_1)
            .with_context(**action["context"])
        )
        wizard_form.lost_reason_id = self.lost_reason
        wizard_form.note = "<p>They chose the cheaper offer.</p>"
        wizard = wizard_form.save()
        self.assertEqual(wizard.deal_ids, deals)
        result = wizard.action_mark_lost()
        self.assertEqual(result, {"type": "ir.actions.act_window_close"})
        for deal in deals:
            self.assertEqual(deal.stage_id, self.stage_lost)
            self.assertEqual(deal.lost_reason_id, self.lost_reason)
            self.assertTrue(deal.date_closed)
            self.assertIn(
                "They chose the cheaper offer.",
                " ".join(str(body) for body in deal.message_ids.mapped("body")),
            )

    def test_reopen(self):
        deal = self._create_deal()
        deal.action_set_lost(self.lost_reason.id)
        self.assertTrue(deal.date_closed)
        deal.action_reopen()
        self.assertEqual(deal.stage_id, self.stage_lead)
        self.assertEqual(deal.stage_kind, "open")
        self.assertFalse(deal.lost_reason_id)
        self.assertFalse(deal.date_closed)
        self.assertEqual(deal.probability, 10)

        # Winning a lost deal clears its reason too.
        deal.action_set_lost(self.lost_reason.id)
        deal.action_set_won()
        self.assertFalse(deal.lost_reason_id)
        self.assertEqual(deal.stage_kind, "won")

    # ------------------------------------------------------------------
    # Stage rules and constraints
    # ------------------------------------------------------------------

    def test_stage_required_fields(self):
        deadline_field = self.env["ir.model.fields"]._get(
            "crm.lite.deal", "date_deadline"
        )
        self.stage_negotiation.required_field_ids = [Command.set(deadline_field.ids)]
        deal = self._create_deal()
        with self.assertRaisesRegex(UserError, "Expected Closing"):
            deal.stage_id = self.stage_negotiation
        self.assertEqual(deal.stage_id, self.stage_lead)

        with self.assertRaisesRegex(UserError, "Expected Closing"):
            self._create_deal(stage_id=self.stage_negotiation.id)

        # Filled in the same save: allowed.
        deal.write(
            {"stage_id": self.stage_negotiation.id, "date_deadline": "2026-06-30"}
        )
        self.assertEqual(deal.stage_id, self.stage_negotiation)

        # Filled before: allowed too.
        deal_2 = self._create_deal(date_deadline="2026-07-31")
        deal_2.stage_id = self.stage_negotiation
        self.assertEqual(deal_2.stage_id, self.stage_negotiation)

    def test_stage_required_fields_must_be_deal_fields(self):
        partner_field = self.env["ir.model.fields"]._get("res.partner", "email")
        with self.assertRaises(ValidationError):
            self.stage_negotiation.required_field_ids = [Command.set(partner_field.ids)]

    def test_stage_of_another_pipeline(self):
        deal = self._create_deal()
        with self.assertRaisesRegex(
            ValidationError, "belongs to pipeline Repeat Sales"
        ):
            deal.stage_id = self.stage2_won
        self.assertEqual(deal.stage_id, self.stage_lead)
        with self.assertRaises(ValidationError):
            self._create_deal(stage_id=self.stage2_new.id)

    def test_change_pipeline_moves_to_its_first_stage(self):
        deal = self._create_deal(stage_id=self.stage_negotiation.id)
        deal.pipeline_id = self.pipeline_2
        self.assertEqual(deal.stage_id, self.stage2_new)
        self.assertEqual(deal.probability, 20)

        # With an explicit stage of the new pipeline, that stage is used.
        deal.write({"pipeline_id": self.pipeline.id, "stage_id": self.stage_won.id})
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertTrue(deal.date_closed)

    def test_amount_and_probability_bounds(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._create_deal(amount=-1)
        deal = self._create_deal()
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            deal.amount = -0.01
        for probability in (150, -1, 100.5):
            with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
                deal.probability = probability
        deal.write({"amount": 0, "probability": 100})
        self.assertEqual(deal.weighted_amount, 0)
        self.assertEqual(deal.probability, 100)

    def test_salesperson_must_access_the_company(self):
        with self.assertRaises(UserError):
            self._create_deal(
                pipeline_id=self.pipeline_co2.id, user_id=self.user_sales_1.id
            )
        deal = self._create_deal(
            pipeline_id=self.pipeline_co2.id, user_id=self.user_sales_co2.id
        )
        self.assertEqual(deal.company_id, self.company_2)
        with self.assertRaises(UserError):
            deal.user_id = self.user_sales_2
        self.assertEqual(deal.user_id, self.user_sales_co2)
        # A pipeline of another company is refused as well.
        with self.assertRaises(UserError):
            self._create_deal(
                pipeline_id=self.pipeline_co2.id,
                user_id=self.user_manager.id,
                company_id=self.company.id,
            )

    # ------------------------------------------------------------------
    # Kanban
    # ------------------------------------------------------------------

    def test_kanban_drop_batch(self):
        """Dropping deals from several columns on one column."""
        with freeze_time("2026-04-01 08:00:00"):
            in_lead = self._create_deal(name="In lead")
            in_nego = self._create_deal(
                name="In negotiation", stage_id=self.stage_negotiation.id
            )
            in_won = self._create_deal(name="In won", stage_id=self.stage_won.id)
        in_nego.probability = 55
        deals = in_lead | in_nego | in_won
        with freeze_time("2026-04-02 08:00:00"):
            deals.write({"stage_id": self.stage_negotiation.id})
        self.assertEqual(deals.stage_id, self.stage_negotiation)
        self.assertEqual(in_lead.probability, 40)
        self.assertEqual(in_won.probability, 40)
        self.assertFalse(in_won.date_closed)
        self.assertEqual(in_lead.date_last_stage_update, datetime(2026, 4, 2, 8, 0))
        # The deal already in the column did not move: nothing changes on it.
        self.assertEqual(in_nego.probability, 55)
        self.assertEqual(in_nego.date_last_stage_update, datetime(2026, 4, 1, 8, 0))
        self.assertEqual(len(self._history(in_lead)), 2)
        self.assertEqual(len(self._history(in_won)), 2)
        self.assertEqual(len(self._history(in_nego)), 1)

    def test_batch_drop_on_won_keeps_earlier_closing_date(self):
        with freeze_time("2026-04-01 08:00:00"):
            won_early = self._create_deal(stage_id=self.stage_won.id)
            still_open = self._create_deal()
        with freeze_time("2026-04-20 08:00:00"):
            (won_early | still_open).write({"stage_id": self.stage_won.id})
        self.assertEqual(won_early.date_closed, datetime(2026, 4, 1, 8, 0))
        self.assertEqual(still_open.date_closed, datetime(2026, 4, 20, 8, 0))

    def test_kanban_groups_show_every_stage_of_the_pipeline(self):
        self._create_deal()
        groups = (
            self.env["crm.lite.deal"]
            .with_context(default_pipeline_id=self.pipeline.id)
            .read_group(
                [("pipeline_id", "=", self.pipeline.id)], ["stage_id"], ["stage_id"]
            )
        )
        stage_ids = [group["stage_id"][0] for group in groups]
        self.assertEqual(
            stage_ids,
            (
                self.stage_lead
                | self.stage_negotiation
                | self.stage_won
                | self.stage_lost
            ).ids,
        )
        counts = {group["stage_id"][0]: group["stage_id_count"] for group in groups}
        self.assertEqual(counts[self.stage_lead.id], 1)
        self.assertEqual(counts[self.stage_won.id], 0)


@tagged("post_install", "-at_install")
class TestDealTracking(CrmLiteCommon):
    """Stage moves are told in the chatter with their own subtypes."""

    @classmethod
    def default_env_context(cls):
        return {"no_reset_password": True}

    def _stage_tracking_messages(self, deal):
        self.env.flush_all()
        self.env.cr.flush()
        return deal.message_ids.filtered(
            lambda m: "stage_id" in m.tracking_value_ids.field_id.mapped("name")
        )

    def test_stage_change_tracking(self):
        deal = self._create_deal()
        self.env.flush_all()
        self.env.cr.flush()
        self.assertFalse(self._stage_tracking_messages(deal))

        deal.with_user(self.user_sales_1).stage_id = self.stage_negotiation
        messages = self._stage_tracking_messages(deal)
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.subtype_id, self.env.ref("crm_lite.mt_deal_stage"))
        self.assertEqual(messages.author_id, self.user_sales_1.partner_id)
        tracking = messages.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "stage_id"
        )
        self.assertEqual(tracking.old_value_char, "Lead")
        self.assertEqual(tracking.new_value_char, "Negotiation")

        deal.action_set_won()
        messages = self._stage_tracking_messages(deal)
        self.assertEqual(len(messages), 2)
        self.assertEqual(messages[0].subtype_id, self.env.ref("crm_lite.mt_deal_won"))

        deal.action_reopen()
        self.assertEqual(
            self._stage_tracking_messages(deal)[0].subtype_id,
            self.env.ref("crm_lite.mt_deal_stage"),
        )
        deal.action_set_lost(self.lost_reason.id)
        messages = self._stage_tracking_messages(deal)
        self.assertEqual(len(messages), 4)
        self.assertEqual(messages[0].subtype_id, self.env.ref("crm_lite.mt_deal_lost"))
        lost_values = messages[0].tracking_value_ids
        self.assertIn("lost_reason_id", lost_values.field_id.mapped("name"))

    def test_non_stage_change_uses_default_subtype(self):
        deal = self._create_deal()
        self.env.flush_all()
        self.env.cr.flush()
        deal.amount = 2500
        self.env.flush_all()
        self.env.cr.flush()
        message = deal.message_ids.filtered(
            lambda m: "amount" in m.tracking_value_ids.field_id.mapped("name")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))

    def test_won_subtype_notifies_followers(self):
        """Followers of a deal get "Deal Won" by default, not every move."""
        deal = self._create_deal()
        deal.message_subscribe(partner_ids=self.user_sales_2.partner_id.ids)
        follower = deal.message_follower_ids.filtered(
            lambda f: f.partner_id == self.user_sales_2.partner_id
        )
        self.assertIn(self.env.ref("crm_lite.mt_deal_won"), follower.subtype_ids)
        self.assertNotIn(self.env.ref("crm_lite.mt_deal_stage"), follower.subtype_ids)
