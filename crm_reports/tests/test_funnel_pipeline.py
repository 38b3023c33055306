from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmReportsCommon, moment


@tagged("post_install", "-at_install")
class TestFunnelAndPipeline(CrmReportsCommon):
    """Deals moving through Lead, Negotiation, Won and Lost on fixed days;
    every figure is counted by hand below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A: Lead 1 Jan -> Negotiation 11 Jan -> Won 21 Jan.
        cls.deal_a = cls._deal_on("2025-01-01 10:00", name="A")
        cls._move_on(cls.deal_a, cls.stage_negotiation, "2025-01-11 10:00")
        cls._move_on(cls.deal_a, cls.stage_won, "2025-01-21 10:00")
        # B: Lead 1 Jan -> Lost 6 Jan, then archived.
        cls.deal_b = cls._deal_on("2025-01-01 10:00", name="B")
        cls._move_on(cls.deal_b, cls.stage_lost, "2025-01-06 10:00")
        cls.deal_b.active = False
        # C (Samuel): Lead 5 Jan -> Negotiation 7 Jan -> back to Lead 10 Jan.
        cls.deal_c = cls._deal_on(
            "2025-01-05 10:00", name="C", user_id=cls.user_sales_2.id, amount=500
        )
        cls._move_on(cls.deal_c, cls.stage_negotiation, "2025-01-07 10:00")
        cls._move_on(cls.deal_c, cls.stage_lead, "2025-01-10 10:00")
        # D (Samuel): Lead 1 Feb -> Negotiation 3 Feb -> Lost 5 Feb.
        cls.deal_d = cls._deal_on(
            "2025-02-01 10:00", name="D", user_id=cls.user_sales_2.id
        )
        cls._move_on(cls.deal_d, cls.stage_negotiation, "2025-02-03 10:00")
        cls._move_on(cls.deal_d, cls.stage_lost, "2025-02-05 10:00")
        cls.deals = cls.deal_a | cls.deal_b | cls.deal_c | cls.deal_d

    def _funnel(self, extra=(), user=None):
        return self._read_totals(
            "crm.lite.report.funnel",
            [("deal_id", "in", self.deals.ids), *extra],
            ["stage_id"],
            [
                "__count",
                "moved_forward:sum",
                "won_later:sum",
                "lost_here:sum",
                "conversion_rate:sum",
                "win_rate:sum",
                "days_in_stage:avg",
            ],
            user=user,
        )

    @freeze_time("2025-03-01 10:00")
    def test_head_of_sales_reads_entries_conversion_and_days_per_stage(self):
        funnel = self._funnel()
        # Lead: A (10 days, forward, won), B (5 days, lost here), C (2 days,
        # forward), C again (50 days so far), D (2 days, forward).
        self.assertEqual(funnel[(self.stage_lead,)][:4], (5, 3, 1, 1))
        self.assertAlmostEqual(funnel[(self.stage_lead,)][4], 100.0 * 3 / 5)
        self.assertAlmostEqual(funnel[(self.stage_lead,)][5], 100.0 * 1 / 5)
        self.assertAlmostEqual(funnel[(self.stage_lead,)][6], (10 + 5 + 2 + 50 + 2) / 5)
        # Negotiation: A (10 days, forward to Won), C (3 days, back to Lead),
        # D (2 days, lost here).
        self.assertEqual(funnel[(self.stage_negotiation,)][:4], (3, 1, 1, 1))
        self.assertAlmostEqual(funnel[(self.stage_negotiation,)][4], 100.0 / 3)
        self.assertAlmostEqual(funnel[(self.stage_negotiation,)][6], (10 + 3 + 2) / 3)
        # Won: A, still there (no days); Lost: B (archived) and D.
        self.assertEqual(funnel[(self.stage_won,)][:4], (1, 0, 1, 0))
        self.assertAlmostEqual(funnel[(self.stage_won,)][5], 100.0)
        self.assertFalse(funnel[(self.stage_won,)][6])
        self.assertEqual(funnel[(self.stage_lost,)][0], 2)

    @freeze_time("2025-03-01 10:00")
    def test_entries_tell_when_the_deal_left_and_where_it_went(self):
        Funnel = self.env["crm.lite.report.funnel"]
        rows = Funnel.search([("deal_id", "=", self.deal_c.id)], order="date_entered")
        self.assertEqual(
            [(r.stage_id, r.date_entered, r.date_left, r.next_stage_id) for r in rows],
            [
                (
                    self.stage_lead,
                    moment("2025-01-05 10:00"),
                    moment("2025-01-07 10:00"),
                    self.stage_negotiation,
                ),
                (
                    self.stage_negotiation,
                    moment("2025-01-07 10:00"),
                    moment("2025-01-10 10:00"),
                    self.stage_lead,
                ),
                (
                    self.stage_lead,
                    moment("2025-01-10 10:00"),
                    False,
                    self.env["crm.lite.stage"],
                ),
            ],
        )
        self.assertEqual(rows.mapped("moved_forward"), [1, 0, 0])
        self.assertEqual(rows.mapped("lost_here"), [0, 0, 0])
        archived = Funnel.search(
            [("deal_id", "=", self.deal_b.id)], order="date_entered"
        )
        self.assertEqual(archived.stage_id, self.stage_lead | self.stage_lost)
        self.assertEqual(archived.mapped("lost_here"), [1, 0])

    @freeze_time("2025-03-01 10:00")
    def test_funnel_of_a_past_month_filters_on_the_entry_date(self):
        january = [
            ("date_entered", ">=", "2025-01-01 00:00:00"),
            ("date_entered", "<", "2025-02-01 00:00:00"),
        ]
        funnel = self._funnel(january)
        self.assertEqual(funnel[(self.stage_lead,)][:4], (4, 2, 1, 1))
        self.assertEqual(funnel[(self.stage_negotiation,)][:4], (2, 1, 1, 0))
        empty = self._funnel([("date_entered", ">=", "2030-01-01 00:00:00")])
        self.assertEqual(empty, {})

    def test_deal_won_then_reopened_and_lost_is_not_counted_as_won(self):
        deal = self._deal_on("2025-04-01 10:00", name="E")
        self._move_on(deal, self.stage_won, "2025-04-02 10:00")
        with freeze_time("2025-04-03 10:00"):
            deal.action_reopen()
        Funnel = self.env["crm.lite.report.funnel"]
        rows = Funnel.search([("deal_id", "=", deal.id)], order="date_entered, id")
        # Lead, Won, Lead again: while the deal is open, none is won.
        self.assertEqual(rows.mapped("won_later"), [0, 0, 0])
        self._move_on(deal, self.stage_won, "2025-04-05 10:00")
        # A report row read earlier in the same transaction stays cached.
        self.env.invalidate_all()
        rows = Funnel.search([("deal_id", "=", deal.id)], order="date_entered, id")
        self.assertEqual(rows.mapped("won_later"), [1, 1, 1, 1])
        self.assertEqual(
            rows.mapped("moved_forward"), [1, 0, 1, 0], "Won to Lead is not forward"
        )
        with freeze_time("2025-04-07 10:00"):
            deal.action_reopen()
        self._move_on(deal, self.stage_lost, "2025-04-09 10:00")
        self.env.invalidate_all()
        rows = Funnel.search([("deal_id", "=", deal.id)], order="date_entered, id")
        self.assertEqual(rows.mapped("won_later"), [0] * 6)
        self.assertEqual(rows.mapped("lost_here"), [0, 0, 0, 0, 1, 0])

    def test_salesperson_sees_only_the_funnel_of_their_deals(self):
        mine = self._funnel(user=self.user_sales_1)
        self.assertEqual(sum(values[0] for values in mine.values()), 2 + 1 + 1 + 1)
        theirs = self._funnel(user=self.user_sales_2)
        self.assertEqual(sum(values[0] for values in theirs.values()), 3 + 3)
        everything = self._funnel(user=self.user_sales_all)
        self.assertEqual(sum(values[0] for values in everything.values()), 11)
        co2 = self._funnel(user=self.user_sales_co2)
        self.assertEqual(co2, {})

    def test_manager_reads_the_open_pipeline_by_stage(self):
        other = self._create_deal(name="F", amount=2000, user_id=self.user_sales_2.id)
        other.write({"stage_id": self.stage_negotiation.id})
        rotting = self._create_deal(name="G", amount=300)
        rotting.sudo().write({"is_rotting": True})
        archived = self._create_deal(name="H", amount=99)
        archived.active = False
        pipeline = self._read_totals(
            "crm.lite.report.pipeline",
            [("pipeline_id", "=", self.pipeline.id)],
            ["stage_id"],
            [
                "deal_count:sum",
                "amount:sum",
                "weighted_amount:sum",
                "rotting_count:sum",
            ],
            user=self.user_manager,
        )
        # Lead: C (500) and G (300) at 10 %; Negotiation: F (2000) at 40 %.
        self.assertEqual(pipeline[(self.stage_lead,)], (2, 800.0, 80.0, 1))
        self.assertEqual(pipeline[(self.stage_negotiation,)], (1, 2000.0, 800.0, 0))
        self.assertEqual(set(pipeline), {(self.stage_lead,), (self.stage_negotiation,)})
        own = self._read_totals(
            "crm.lite.report.pipeline",
            [("pipeline_id", "=", self.pipeline.id)],
            ["stage_id"],
            ["deal_count:sum", "amount:sum"],
            user=self.user_sales_1,
        )
        self.assertEqual(own, {(self.stage_lead,): (1, 300.0)})
