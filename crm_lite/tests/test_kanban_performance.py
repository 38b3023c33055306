import logging
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.tests import new_test_user, tagged, users, warmup

from odoo.addons.crm_lite.tests.common import CrmLiteCommon

_logger = logging.getLogger(__name__)

# Fields the kanban_activity widget reads next to activity_ids (see
# mail/static/src/views/web/fields/kanban_activity/kanban_activity.js).
KANBAN_ACTIVITY_DEPENDENCIES = (
    "activity_exception_decoration",
    "activity_exception_icon",
    "activity_state",
    "activity_summary",
    "activity_type_icon",
    "activity_type_id",
)
PROGRESS_BAR = {
    "field": "activity_state",
    "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
    "sum_field": "amount",
}
# Records the kanban loads per column.
KANBAN_GROUP_LIMIT = 40
# Queries of one kanban load of the 80-deal pipeline, as the web client asks
# for it: web_read_group + read_progress_bar + one web_search_read per open
# column (4 here). Measured 41 on Odoo 18.0 community (see the log line
# "crm_lite kanban load"), plus a margin of 2.
KANBAN_QUERY_COUNT = 43


@tagged("post_install", "-at_install", "crm_lite_performance")
class TestKanbanPerformance(CrmLiteCommon):
    """Opening the pipeline costs a fixed number of queries, whatever the
    number of deals in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.perf_user = new_test_user(
            cls.env,
            login="crm_lite_perf_user",
            name="Perf Manager",
            groups="base.group_user,crm_lite.group_crm_lite_all",
        )
        cls.salespeople = cls.perf_user | cls.env["res.users"].concat(
            *(
                new_test_user(
                    cls.env,
                    login=f"crm_lite_perf_sales_{idx}",
                    name=f"Perf Seller {idx}",
                    groups="base.group_user,crm_lite.group_crm_lite_user",
                )
                for idx in range(3)
            )
        )
        cls.tags = cls.env["crm.lite.tag"].create(
            [{"name": f"Perf tag {idx}", "color": idx + 1} for idx in range(4)]
        )
        organizations = cls.env["res.partner"].create(
            [{"name": f"Perf Org {idx}", "is_company": True} for idx in range(5)]
        )
        contacts = cls.env["res.partner"].create(
            [
                {"name": f"Perf Contact {idx}", "parent_id": organizations[idx % 5].id}
                for idx in range(10)
            ]
        )
        cls.partners = organizations | contacts
        cls.pipeline_small = cls._create_pipeline("Perf Small", 20)
        cls.pipeline_big = cls._create_pipeline("Perf Big", 80)

    @classmethod
    def _create_pipeline(cls, name, deal_count):
        pipeline = cls.env["crm.lite.pipeline"].create({"name": name})
        stages = cls.env["crm.lite.stage"].create(
            [
                {
                    "name": f"{name} {idx}",
                    "sequence": idx,
                    "pipeline_id": pipeline.id,
                    "rotting_days": 10,
                }
                for idx in range(4)
            ]
            + [
                {
                    "name": f"{name} Won",
                    "sequence": 10,
                    "pipeline_id": pipeline.id,
                    "kind": "won",
                    "fold": True,
                },
            ]
        )
        open_stages = stages[:4]
        deals = cls.env["crm.lite.deal"].create(
            [
                {
                    "name": f"{name} deal {idx}",
                    "pipeline_id": pipeline.id,
                    "stage_id": open_stages[idx % 4].id,
                    "partner_id": cls.partners[idx % len(cls.partners)].id,
                    "user_id": cls.salespeople[idx % len(cls.salespeople)].id,
                    "tag_ids": [fields.Command.set(cls.tags[: idx % 3 + 1].ids)],
                    "amount": 100.0 * (idx + 1),
                    "priority": str(idx % 4),
                    "color": idx % 11,
                    "is_rotting": idx % 7 == 0,
                }
                for idx in range(deal_count)
            ]
        )
        today = fields.Date.today()
        for idx, deal in enumerate(deals):
            if idx % 3 == 0:
                deal.activity_schedule(
                    "mail.mail_activity_data_call",
                    date_deadline=today + timedelta(days=(idx % 5) - 2),
                    user_id=deal.user_id.id,
                    summary="Call back",
                )
            if idx % 10 == 0:
                deal.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=today + timedelta(days=7),
                    user_id=deal.user_id.id,
                )
        return pipeline

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _kanban_specification(self):
        """The fields spec the web client derives from the kanban arch."""
        Deal = self.env["crm.lite.deal"]
        arch = Deal.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        spec = {}
        for node in etree.fromstring(arch).iter("field"):
            name = node.get("name")
            field = Deal._fields[name]
            if field.type == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            elif node.get("widget") == "many2many_tags":
                spec[name] = {"fields": {"display_name": {}, "color": {}}}
            else:
                spec[name] = {}
            if node.get("widget") == "kanban_activity":
                for dependency in KANBAN_ACTIVITY_DEPENDENCIES:
                    spec.setdefault(dependency, {})
                spec["activity_type_id"] = {"fields": {"display_name": {}}}
        return spec

    def _load_kanban(self, pipeline, spec):
        Deal = self.env["crm.lite.deal"].with_context(
            default_pipeline_id=pipeline.id, bin_size=True
        )
        domain = [("pipeline_id", "=", pipeline.id)]
        result = Deal.web_read_group(domain, ["amount:sum"], ["stage_id"], lazy=True)
        Deal.read_progress_bar(domain, "stage_id", PROGRESS_BAR)
        records = []
        for group in result["groups"]:
            if group.get("__fold"):
                continue
            loaded = Deal.web_search_read(
                group["__domain"], spec, limit=KANBAN_GROUP_LIMIT
            )
            records += loaded["records"]
        return result, records

    def _count_queries(self, pipeline, spec):
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        result, records = self._load_kanban(pipeline, spec)
        return self.env.cr.sql_log_count - start, result, records

    # ------------------------------------------------------------
    # TESTS
    # ------------------------------------------------------------

    def test_kanban_specification(self):
        spec = self._kanban_specification()
        for name in (
            "name",
            "amount",
            "partner_id",
            "organization_id",
            "tag_ids",
            "user_id",
            "priority",
            "activity_ids",
            "activity_state",
            "is_rotting",
            "color",
            "currency_id",
        ):
            self.assertIn(name, spec)
        self.assertEqual(spec["tag_ids"], {"fields": {"display_name": {}, "color": {}}})

    @users("crm_lite_perf_user")
    @warmup
    def test_kanban_query_count(self):
        spec = self._kanban_specification()
        with self.assertQueryCount(crm_lite_perf_user=KANBAN_QUERY_COUNT):
            result, records = self._load_kanban(self.pipeline_big, spec)
        # The load did show the whole pipeline.
        self.assertEqual(len(result["groups"]), 5)
        self.assertEqual(len(records), 80)
        by_id = {record["id"]: record for record in records}
        deal = self.env["crm.lite.deal"].search(
            [("pipeline_id", "=", self.pipeline_big.id), ("activity_ids", "!=", False)],
            limit=1,
        )
        self.assertTrue(by_id[deal.id]["activity_ids"])
        self.assertTrue(by_id[deal.id]["activity_state"])

    @users("crm_lite_perf_user")
    def test_kanban_query_count_does_not_grow_with_deals(self):
        spec = self._kanban_specification()
        # Warm the ORM caches with both pipelines first.
        self._load_kanban(self.pipeline_big, spec)
        self._load_kanban(self.pipeline_small, spec)

        count_small, _result, records_small = self._count_queries(
            self.pipeline_small, spec
        )
        count_big, _result, records_big = self._count_queries(self.pipeline_big, spec)
        _logger.info(
            "crm_lite kanban load: %s queries for %s deals, %s queries for %s deals",
            count_small,
            len(records_small),
            count_big,
            len(records_big),
        )
        self.assertEqual(len(records_small), 20)
        self.assertEqual(len(records_big), 80)
        # Each column costs the same fixed queries. The 20-deal pipeline may
        # even cost a few more (fewer partners already in cache when its next
        # column loads), but 4 times more deals must not cost more queries.
        self.assertLessEqual(
            count_big - count_small,
            2,
            f"Kanban load: {count_small} queries for 20 deals but {count_big} for 80",
        )
        self.assertLessEqual(count_big, KANBAN_QUERY_COUNT + 2)
