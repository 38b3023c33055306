from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon, create_pipeline


@tagged("post_install", "-at_install")
class TestSegments(CrmLiteCommon):
    """Segments pick partners with the filters users ask for: tags, address,
    salesperson, client source, payments and open deals.

    Clients (all tagged VIP except Lena, a contact of Loyal):

    ========= ====== ======= ========== =========== ============ ==========
    client    city   country salesman   source      paid         open deal
    ========= ====== ======= ========== =========== ============ ==========
    Loyal     Lyon   FR      seller_1   Trade Fair  1000, 100 d  no (won)
    Recent    Paris  FR      seller_2   Website     300, 10 d    yes
    Debtor    Berlin DE      -          -           200, never   no (lost)
    Nina      Lyon   FR      -          -           nothing      yes
    ========= ====== ======= ========== =========== ============ ==========
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.manager = new_test_user(
            cls.env,
            login="seg_manager",
            name="Sergio Segments",
            email="sergio@segments.example",
            groups="crm_lite.group_crm_lite_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.seller_1, cls.seller_2 = (
            new_test_user(
                cls.env,
                login=login,
                name=name,
                groups="crm_lite.group_crm_lite_user",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            for login, name in (
                ("seg_seller_1", "Seller One"),
                ("seg_seller_2", "Seller Two"),
            )
        )
        cls.vip = cls.env["res.partner.category"].create({"name": "VIP"})
        cls.source_fair, cls.source_web = cls.env["utm.source"].create(
            [{"name": "Trade Fair"}, {"name": "Website"}]
        )
        france, germany = cls.env.ref("base.fr"), cls.env.ref("base.de")
        Partner = cls.env["res.partner"]
        cls.loyal = Partner.create(
            {
                "name": "Loyal Ltd",
                "is_company": True,
                "city": "Lyon",
                "country_id": france.id,
                "user_id": cls.seller_1.id,
                "category_id": [Command.set(cls.vip.ids)],
            }
        )
        cls.lena = Partner.create(
            {"name": "Lena Loyal", "parent_id": cls.loyal.id, "type": "contact"}
        )
        cls.recent = Partner.create(
            {
                "name": "Recent SA",
                "is_company": True,
                "city": "Paris",
                "country_id": france.id,
                "user_id": cls.seller_2.id,
                "category_id": [Command.set(cls.vip.ids)],
            }
        )
        cls.debtor = Partner.create(
            {
                "name": "Debtor GmbH",
                "is_company": True,
                "city": "Berlin",
                "country_id": germany.id,
                "category_id": [Command.set(cls.vip.ids)],
            }
        )
        cls.nina = Partner.create(
            {
                "name": "Nina New",
                "city": "Lyon",
                "country_id": france.id,
                "category_id": [Command.set(cls.vip.ids)],
            }
        )
        cls.clients = cls.loyal | cls.recent | cls.debtor | cls.nina
        cls.partners = cls.clients | cls.lena

        # ------------------------------------------------------- deals
        pipeline, stages = create_pipeline(cls.env(su=True), "Segment Funnel")
        cls.stage_new, cls.stage_won, cls.stage_lost = stages
        lost_reason = cls.env["crm.lite.lost.reason"].sudo().create({"name": "Gone"})
        Deal = cls.env["crm.lite.deal"].sudo()
        deal_values = {"pipeline_id": pipeline.id, "user_id": False, "amount": 100.0}
        cls.deal_loyal = Deal.create(
            dict(
                deal_values,
                name="Loyal order",
                partner_id=cls.loyal.id,
                source_id=cls.source_fair.id,
            )
        )
        cls.deal_loyal.stage_id = cls.stage_won
        cls.deal_recent = Deal.create(
            dict(
                deal_values,
                name="Recent order",
                partner_id=cls.recent.id,
                source_id=cls.source_web.id,
            )
        )
        cls.deal_debtor = Deal.create(
            dict(deal_values, name="Debtor order", partner_id=cls.debtor.id)
        )
        cls.deal_debtor.action_set_lost(lost_reason.id)
        cls.deal_nina = Deal.create(
            dict(deal_values, name="Nina order", partner_id=cls.nina.id)
        )

        # ---------------------------------------------------- invoices
        cls.invoice_loyal = cls._invoice(cls.loyal, 1000.0, days_ago=100)
        cls._pay(cls.invoice_loyal)
        cls._pay(cls._invoice(cls.recent, 300.0, days_ago=10))
        cls._invoice(cls.debtor, 800.0, days_ago=50)  # not paid at all
        cls._pay(cls._invoice(cls.debtor, 500.0, days_ago=5), 200.0)

    @classmethod
    def _invoice(cls, partner, amount, days_ago):
        return cls._invoice_partner(
            partner, amount, date=cls.today - timedelta(days=days_ago)
        )

    def _segment(self, domain, name="Test segment"):
        return (
            self.env["crm.lite.segment"]
            .with_user(self.manager)
            .create({"name": name, "domain": repr(domain)})
        )

    def _assert_members(self, domain, expected):
        """The test partners in the segment are exactly ``expected``."""
        segment = self._segment(domain)
        members = segment._get_partners()
        self.assertEqual(
            members & self.partners,
            expected,
            f"{domain}: got {(members & self.partners).mapped('name')}",
        )
        self.assertEqual(segment.partner_count, len(members))
        return segment

    # ------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------

    def test_partner_payment_figures(self):
        self.assertRecordValues(
            self.partners.with_user(self.manager),
            [
                {
                    "crm_total_paid": 1000.0,
                    "crm_last_paid_invoice_date": self.today - timedelta(days=100),
                    "crm_days_since_last_paid_invoice": 100,
                    "crm_has_open_deal": False,
                },
                {
                    "crm_total_paid": 300.0,
                    "crm_last_paid_invoice_date": self.today - timedelta(days=10),
                    "crm_days_since_last_paid_invoice": 10,
                    "crm_has_open_deal": True,
                },
                {
                    # 1300 invoiced, 1100 still due.
                    "crm_total_paid": 200.0,
                    "crm_last_paid_invoice_date": False,
                    "crm_days_since_last_paid_invoice": 0,
                    "crm_has_open_deal": False,
                },
                {
                    "crm_total_paid": 0.0,
                    "crm_last_paid_invoice_date": False,
                    "crm_days_since_last_paid_invoice": 0,
                    "crm_has_open_deal": True,
                },
                {
                    # A contact shows what its organization paid.
                    "crm_total_paid": 1000.0,
                    "crm_last_paid_invoice_date": self.today - timedelta(days=100),
                    "crm_days_since_last_paid_invoice": 100,
                    "crm_has_open_deal": False,
                },
            ],
        )

    # ------------------------------------------------------------
    # QUICK FILTERS
    # ------------------------------------------------------------

    def test_filter_tags(self):
        segment = self._assert_members(
            [("category_id", "in", self.vip.ids)], self.clients
        )
        self.assertEqual(segment.partner_count, 4)
        other_tag = self.env["res.partner.category"].create({"name": "Press"})
        self._assert_members(
            [("category_id", "in", other_tag.ids)], self.env["res.partner"]
        )
        self._assert_members(
            [("category_id", "not in", self.vip.ids), ("id", "in", self.partners.ids)],
            self.lena,
        )

    def test_filter_city_and_country(self):
        self._assert_members(
            [("city", "=", "Lyon"), ("is_company", "=", True)], self.loyal
        )
        self._assert_members(
            [("city", "=", "Lyon"), ("category_id", "in", self.vip.ids)],
            self.loyal | self.nina,
        )
        self._assert_members([("city", "=", "Marseille")], self.env["res.partner"])
        self._assert_members([("country_id.code", "=", "DE")], self.debtor)
        self._assert_members(
            [
                ("country_id", "=", self.env.ref("base.fr").id),
                ("category_id", "in", self.vip.ids),
            ],
            self.loyal | self.recent | self.nina,
        )

    def test_filter_salesperson(self):
        segment = self._assert_members(
            [("user_id", "=", self.seller_2.id)], self.recent
        )
        self.assertEqual(segment.partner_count, 1)
        self._assert_members(
            [("user_id", "=", False), ("category_id", "in", self.vip.ids)],
            self.debtor | self.nina,
        )

    def test_filter_client_source(self):
        # Set from the first deal of each client.
        self.assertEqual(self.loyal.crm_source_id, self.source_fair)
        self.assertEqual(self.recent.crm_source_id, self.source_web)
        segment = self._assert_members(
            [("crm_source_id", "=", self.source_fair.id)], self.loyal
        )
        self.assertEqual(segment.partner_count, 1)
        self._assert_members(
            [("crm_source_id", "=", False), ("category_id", "in", self.vip.ids)],
            self.debtor | self.nina,
        )

    def test_filter_days_since_last_paid_invoice(self):
        # Older than 30 days: Loyal (and its contact); Recent paid 10 days
        # ago; Debtor and Nina never paid an invoice in full.
        self._assert_members(
            [("crm_days_since_last_paid_invoice", ">", 30)], self.loyal | self.lena
        )
        self._assert_members(
            [("crm_days_since_last_paid_invoice", "<", 30)], self.recent
        )
        self._assert_members(
            [("crm_days_since_last_paid_invoice", ">", 100)], self.env["res.partner"]
        )
        self._assert_members(
            [("crm_days_since_last_paid_invoice", ">=", 100)], self.loyal | self.lena
        )
        # 25 days later, Recent's last payment is 35 days old.
        with freeze_time(self.today + timedelta(days=25)):
            self._assert_members(
                [("crm_days_since_last_paid_invoice", ">", 30)],
                self.loyal | self.lena | self.recent,
            )
            self._assert_members(
                [("crm_days_since_last_paid_invoice", "<", 30)], self.env["res.partner"]
            )

    def test_filter_days_uses_latest_paid_invoice(self):
        # Loyal pays a new invoice dated 3 days ago: its last paid invoice is
        # now recent.
        self._pay(self._invoice(self.loyal, 50.0, days_ago=3))
        self.assertEqual(self.loyal.crm_days_since_last_paid_invoice, 3)
        self._assert_members(
            [("crm_days_since_last_paid_invoice", ">", 30)], self.env["res.partner"]
        )
        self._assert_members(
            [("crm_days_since_last_paid_invoice", "<", 30)],
            self.loyal | self.lena | self.recent,
        )
        # An unpaid newer invoice does not count as paid.
        self._invoice(self.recent, 70.0, days_ago=1)
        self.assertEqual(self.recent.crm_days_since_last_paid_invoice, 10)

    def test_filter_total_paid(self):
        self._assert_members([("crm_total_paid", ">", 500)], self.loyal | self.lena)
        self._assert_members([("crm_total_paid", ">", 1000)], self.env["res.partner"])
        # "Below" includes clients who never paid anything.
        segment = self._assert_members(
            [("crm_total_paid", "<", 500), ("category_id", "in", self.vip.ids)],
            self.recent | self.debtor | self.nina,
        )
        self.assertEqual(segment.partner_count, 3)
        self._assert_members(
            [("crm_total_paid", "<", 250), ("category_id", "in", self.vip.ids)],
            self.debtor | self.nina,
        )

    def test_filter_total_paid_after_refund(self):
        self._assert_members([("crm_total_paid", ">", 800)], self.loyal | self.lena)
        # A credit note of 250 on Loyal's paid invoice: it paid 750 net.
        self._credit_note(self.invoice_loyal, 250.0)
        self.assertEqual(self.loyal.crm_total_paid, 750.0)
        self._assert_members([("crm_total_paid", ">", 800)], self.env["res.partner"])
        self._assert_members([("crm_total_paid", ">", 700)], self.loyal | self.lena)

    def test_filter_has_open_deal(self):
        self._assert_members(
            [("crm_has_open_deal", "=", True)], self.recent | self.nina
        )
        self._assert_members(
            [("crm_has_open_deal", "=", False), ("id", "in", self.partners.ids)],
            self.loyal | self.lena | self.debtor,
        )
        self._assert_members(
            [("crm_has_open_deal", "!=", True), ("category_id", "in", self.vip.ids)],
            self.loyal | self.debtor,
        )
        # Winning Recent's deal closes it.
        self.deal_recent.sudo().stage_id = self.stage_won
        self._assert_members([("crm_has_open_deal", "=", True)], self.nina)

    def test_filters_combined(self):
        # VIPs in France who paid less than 500 and have an open deal.
        segment = self._assert_members(
            [
                ("category_id", "in", self.vip.ids),
                ("country_id.code", "=", "FR"),
                ("crm_total_paid", "<", 500),
                ("crm_has_open_deal", "=", True),
            ],
            self.recent | self.nina,
        )
        self.assertEqual(segment.partner_count, 2)
        # Either lapsed clients (last paid long ago) or from the website.
        self._assert_members(
            [
                "|",
                ("crm_days_since_last_paid_invoice", ">", 60),
                ("crm_source_id", "=", self.source_web.id),
            ],
            self.loyal | self.lena | self.recent,
        )

    # ------------------------------------------------------------
    # INVALID FILTERS
    # ------------------------------------------------------------

    @mute_logger("odoo.osv.expression", "odoo.models")
    def test_invalid_domain_refused(self):
        Segment = self.env["crm.lite.segment"].with_user(self.manager)
        for domain in (
            "[('name', '=', 'Acme'",  # syntax error
            "[('no_such_field', '=', 1)]",  # unknown field
            "[('name', 'resembles', 'Acme')]",  # unknown operator
            "[('crm_total_paid', 'in', [1, 2])]",  # operator the figure can't search
            "'everybody'",  # not a list of conditions
            "[('name', '=', undefined_name)]",  # unknown variable
        ):
            with self.subTest(domain=domain):
                with self.assertRaises(ValidationError):
                    Segment.create({"name": "Broken", "domain": domain})
                self.assertFalse(
                    Segment.with_context(active_test=False).search(
                        [("name", "=", "Broken")]
                    )
                )

        segment = self._segment([("city", "=", "Lyon")], name="Lyon")
        with self.assertRaises(ValidationError):
            segment.write({"domain": "[('no_such_field', '=', 1)]"})
        self.assertEqual(segment.domain, "[('city', '=', 'Lyon')]")
        self.assertEqual(segment.partner_count, len(segment._get_partners()))
        self.assertIn(self.loyal, segment._get_partners())

    def test_empty_domain_is_everyone_of_its_company(self):
        segment = (
            self.env["crm.lite.segment"].with_user(self.manager).create({"name": "All"})
        )
        self.assertEqual(segment.domain, "[]")
        self.assertEqual(segment.company_id, self.company)
        self.assertEqual(
            segment.partner_count,
            self.env["res.partner"].search_count(
                ["|", ("company_id", "=", False), ("company_id", "=", self.company.id)]
            ),
        )
