from lxml import etree

from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from odoo.addons.crm_lite import uninstall_hook
from odoo.addons.crm_lite.hooks import FOREIGN_INDEXES
from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestScaleGuards(CrmLiteCommon):
    """What keeps the suite fast on years of data: indexes, filters that stay
    in the database, jobs that do not loop per record."""

    def _indexed_columns(self, table):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (table,)
        )
        return [indexdef for (indexdef,) in self.env.cr.fetchall()]

    def test_filtered_columns_are_indexed(self):
        deal_indexes = self._indexed_columns("crm_lite_deal")
        self.assertTrue(any("(stage_kind)" in index for index in deal_indexes))
        history_indexes = self._indexed_columns("crm_lite_stage_history")
        self.assertTrue(any("(stage_from_id)" in index for index in history_indexes))
        self.assertTrue(
            any("(pipeline_id, date)" in index for index in history_indexes),
            history_indexes,
        )

    def test_kanban_columns_read_in_index_order(self):
        """A column of a million deals shows its first cards without sorting
        the column: the index follows the deals' order within a stage."""
        Deal = self.env["crm.lite.deal"]
        self.assertEqual(Deal._order, "priority desc, id desc")
        (kanban,) = [
            index
            for index in self._indexed_columns("crm_lite_deal")
            if "crm_lite_deal_stage_kanban_index" in index
        ]
        self.assertIn("(stage_id, priority DESC, id DESC)", kanban)
        self.assertIn("INCLUDE (pipeline_id, company_id, user_id) WHERE active", kanban)

    def test_indexes_on_other_addons_tables_go_on_uninstall(self):
        """Salespeople read the deals they follow (found by partner), partner
        forms look duplicates up by e-mail and sum a client's customer
        invoices: crm_lite indexes mail's and accounting's tables for that,
        and its uninstall hook drops those indexes (this transaction is rolled
        back)."""
        expected = {
            "mail_followers": "(partner_id, res_model) INCLUDE (res_id)",
            "res_partner": "(email_normalized) WHERE (email_normalized IS NOT NULL)",
            "account_move": "USING btree (commercial_partner_id)",
        }
        for table, definition in expected.items():
            with self.subTest(table=table):
                self.assertTrue(
                    any(
                        index.startswith("CREATE INDEX crm_lite_")
                        and definition in index
                        for index in self._indexed_columns(table)
                    ),
                    self._indexed_columns(table),
                )
        uninstall_hook(self.env)
        for name in FOREIGN_INDEXES:
            self.assertFalse(index_exists(self.env.cr, name), name)

    def test_partner_figure_filters_are_subqueries(self):
        """A filter on what clients paid stays a subquery, however many
        clients there are: no list of ids built in Python."""
        Partner = self.env["res.partner"]
        for domain in (
            Partner._search_crm_total_paid(">", 100),
            Partner._search_crm_total_paid("<", 100),
            Partner._search_crm_days_since_last_paid_invoice(">", 30),
            Partner._search_crm_has_open_deal("=", True),
        ):
            with self.subTest(domain=domain):
                self.assertEqual(len(domain), 1)
                self.assertIsInstance(domain[0][2], SQL)

    def test_rotting_deals_found_in_one_query(self):
        self._create_deal(name="Old deal")
        self.env.flush_all()
        # The user's time zone (for "today"), then the deals: whatever the
        # number of stages and deals.
        with self.assertQueryCount(2):
            self.env["crm.lite.deal"]._get_rotting_deal_ids()

    def test_deal_kanban_has_its_own_view_class(self):
        """The column header change applies to deal kanbans only."""
        arch = self.env["crm.lite.deal"].get_views([(False, "kanban")])["views"][
            "kanban"
        ]["arch"]
        self.assertEqual(etree.fromstring(arch).get("js_class"), "crm_lite_deal_kanban")
