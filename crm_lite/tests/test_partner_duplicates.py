import importlib.util

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import file_path

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestPartnerDuplicates(CrmLiteCommon):
    """Contacts typed twice are spotted by normalized e-mail and phone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="dup_salesman",
            name="Dup Salesman",
            groups="base.group_user,base.group_partner_manager,crm_lite.group_crm_lite_user",
        )
        cls.pipeline = cls.env["crm.lite.pipeline"].create(
            {"name": "Duplicates Funnel"}
        )
        cls.stage_new, cls.stage_won = cls.env["crm.lite.stage"].create(
            [
                {"name": "New", "sequence": 1, "pipeline_id": cls.pipeline.id},
                {
                    "name": "Won",
                    "sequence": 5,
                    "pipeline_id": cls.pipeline.id,
                    "kind": "won",
                    "probability": 100,
                },
            ]
        )
        cls.lithuania = cls.env.ref("base.lt")
        cls.germany = cls.env.ref("base.de")
        cls.uk = cls.env.ref("base.uk")
        cls.older = cls.env["res.partner"].create(
            {
                "name": "Jonas Older",
                "email": "jonas@shop.example",
                "phone": "+370 612 34567",
                "country_id": cls.lithuania.id,
            }
        )
        cls.unrelated = cls.env["res.partner"].create(
            {
                "name": "Rita Unrelated",
                "email": "rita@elsewhere.example",
                "phone": "+370 699 00011",
                "country_id": cls.lithuania.id,
            }
        )

    def _partner(self, **values):
        return (
            self.env["res.partner"]
            .with_user(self.salesman)
            .create({"name": "Typed Again", **values})
        )

    def test_same_email_other_case(self):
        newer = self._partner(email="  JONAS@Shop.Example ")
        self.assertEqual(newer.crm_duplicate_ids, self.older)
        self.assertEqual(newer.crm_duplicate_count, 1)
        # And the other way round.
        self.older.invalidate_recordset(["crm_duplicate_ids"])
        self.assertEqual(self.older.crm_duplicate_ids, newer)

    def test_same_phone_written_differently(self):
        # The national form of a Lithuanian client is the same E.164 number.
        newer = self._partner(phone="8 612 34567", country_id=self.lithuania.id)
        self.assertEqual(newer.crm_phone_key, "+37061234567")
        self.assertEqual(self.older.crm_phone_key, "+37061234567")
        self.assertEqual(newer.crm_duplicate_ids, self.older)

    def test_same_digits_in_another_country_is_another_number(self):
        # Same last eight digits, but a German number: not a duplicate.
        german = self._partner(phone="0612 34567", country_id=self.germany.id)
        self.assertEqual(german.crm_phone_key, "+4961234567")
        self.assertFalse(german.crm_duplicate_ids)
        # Its country corrected to Lithuania, it is the same number again.
        german.country_id = self.lithuania
        german.phone = "8 612 34567"
        german.invalidate_recordset(["crm_duplicate_ids"])
        self.assertEqual(german.crm_duplicate_ids, self.older)

    def test_mobile_matches_phone(self):
        newer = self._partner(mobile="(8 612) 345-67", country_id=self.lithuania.id)
        self.assertEqual(newer.crm_duplicate_ids, self.older)
        # A phone equal to someone's mobile matches as well.
        with_mobile = self._partner(
            name="Mobile Only", mobile="+44 7911 123456", country_id=self.uk.id
        )
        third = self._partner(
            name="Phone Only", phone="07911 123456", country_id=self.uk.id
        )
        self.assertEqual(third.crm_duplicate_ids, with_mobile)

    def test_number_without_country_compared_on_its_digits(self):
        first = self._partner(name="No Country 1", phone="612 345 678")
        second = self._partner(name="No Country 2", phone="612-345-678")
        self.assertEqual(second.crm_duplicate_ids, first)

    def test_no_match(self):
        newer = self._partner(email="jonas@other-shop.example", phone="+370 612 34568")
        self.assertFalse(newer.crm_duplicate_ids)
        self.assertEqual(newer.crm_duplicate_count, 0)
        # Too short numbers are not compared at all.
        short_1 = self._partner(name="Short 1", phone="1234")
        short_2 = self._partner(name="Short 2", phone="1234")
        self.assertFalse(short_1.crm_duplicate_ids)
        self.assertFalse(short_2.crm_duplicate_ids)
        # Nothing to compare: no duplicates either.
        self.assertFalse(self._partner(name="Nothing").crm_duplicate_ids)

    def test_onchange_warns_while_typing(self):
        draft = self.env["res.partner"].new(
            {"name": "Draft", "email": "Jonas@SHOP.example"}
        )
        result = draft._onchange_crm_warn_duplicates()
        self.assertTrue(result and result.get("warning"))
        self.assertIn("Jonas Older", result["warning"]["message"])
        self.assertFalse(
            self.env["res.partner"]
            .new({"name": "Draft", "email": "nobody@nowhere.example"})
            ._onchange_crm_warn_duplicates()
        )

    def test_onchange_warning_in_form(self):
        """The warning reaches the form view the user types in."""
        with self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs:
            partner_form = Form(self.env["res.partner"].with_user(self.salesman))
            partner_form.name = "Jonas Again"
            partner_form.country_id = self.lithuania
            partner_form.phone = "8 612 34567"
        self.assertTrue(any("Jonas Older" in line for line in logs.output))

    def test_deal_offers_existing_contact(self):
        newer = self._partner(name="Jonas Typed Again", email="jonas@shop.example")
        Deal = self.env["crm.lite.deal"].with_user(self.salesman)
        deal = Deal.create(
            {"name": "Shelves", "pipeline_id": self.pipeline.id, "partner_id": newer.id}
        )
        self.assertEqual(deal.partner_duplicate_ids, self.older)
        # A deal on the oldest record is left alone.
        deal_older = Deal.create(
            {
                "name": "Desks",
                "pipeline_id": self.pipeline.id,
                "partner_id": self.older.id,
            }
        )
        self.assertFalse(deal_older.partner_duplicate_ids)
        with self.assertRaises(UserError):
            deal_older.action_link_existing_contact()

        deal.action_link_existing_contact()
        self.assertEqual(deal.partner_id, self.older)
        self.assertFalse(deal.partner_duplicate_ids)

    def test_closed_deal_offers_nothing(self):
        newer = self._partner(email="jonas@shop.example")
        deal = (
            self.env["crm.lite.deal"]
            .with_user(self.salesman)
            .create(
                {
                    "name": "Closed",
                    "pipeline_id": self.pipeline.id,
                    "partner_id": newer.id,
                }
            )
        )
        deal.action_set_won()
        self.assertFalse(deal.partner_duplicate_ids)

    def test_merge_duplicates(self):
        newer = self._partner(name="Jonas Newer", email="JONAS@shop.example")
        deal = (
            self.env["crm.lite.deal"]
            .with_user(self.salesman)
            .create(
                {
                    "name": "Cabinets",
                    "pipeline_id": self.pipeline.id,
                    "partner_id": newer.id,
                }
            )
        )
        # An administrator merges contacts whose e-mails differ in case.
        action = newer.with_env(self.env).action_crm_merge_duplicates()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        self.assertCountEqual(action["context"]["active_ids"], (self.older | newer).ids)
        self.assertEqual(action["context"]["default_dst_partner_id"], self.older.id)

        # The administrator runs the wizard the action opens.
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.partner_ids, self.older | newer)
        self.assertEqual(wizard.dst_partner_id, self.older)
        wizard.action_merge()

        self.assertFalse(newer.exists())
        deal.invalidate_recordset()
        self.assertEqual(deal.partner_id, self.older)
        self.assertIn(deal, self.older.deal_ids)

    def test_merge_partners_greeted_alike(self):
        """Both contacts got the same greeting: the merge goes through, the
        kept contact has one greeting per year and keeps the rows only the
        merged contact had."""
        newer = self._partner(name="Jonas Newer", email="JONAS@shop.example")
        both = self.older | newer
        template = self.env["mail.template"].create(
            {"name": "Greeting", "model_id": self.env.ref("base.model_res_partner").id}
        )
        occasion = self.env["crm.lite.occasion"].create(
            {
                "name": "New Year",
                "kind": "fixed",
                "day": 1,
                "month": 1,
                "template_id": template.id,
            }
        )
        self.env["crm.lite.occasion.log"].create(
            [
                {
                    "occasion_id": occasion.id,
                    "partner_id": partner.id,
                    "year": 2026,
                    "date": "2026-01-01",
                    "state": "sent",
                }
                for partner in both
            ]
            # Only the newer contact was greeted the year before: kept.
            + [
                {
                    "occasion_id": occasion.id,
                    "partner_id": newer.id,
                    "year": 2025,
                    "date": "2025-01-01",
                    "state": "sent",
                }
            ]
        )

        self.env["base.partner.merge.automatic.wizard"]._merge(both.ids, self.older)

        self.assertFalse(newer.exists())
        self.assertEqual(occasion.log_ids.partner_id, self.older)
        self.assertEqual(sorted(occasion.log_ids.mapped("year")), [2025, 2026])

    def test_upgrade_recomputes_phone_keys(self):
        """Databases upgraded from 18.0.1.0.0 had the last 8 digits as key."""
        path = file_path("crm_lite/migrations/18.0.1.1.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("crm_lite_migrate", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET crm_phone_key = '61234567' WHERE id = %s",
            (self.older.id,),
        )
        self.env.invalidate_all()
        self.assertEqual(self.older.crm_phone_key, "61234567")
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(self.older.crm_phone_key, "+37061234567")
