from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


@tagged("post_install", "-at_install")
class TestStageHistory(CrmLiteCommon):
    """Every stage a deal enters leaves one read-only history row."""

    def _history(self, deals):
        return (
            self.env["crm.lite.stage.history"]
            .sudo()
            .search([("deal_id", "in", deals.ids)], order="id")
        )

    def test_create_writes_first_row(self):
        with freeze_time("2026-01-10 09:00:00"):
            deal = (
                self.env["crm.lite.deal"]
                .with_user(self.user_sales_1)
                .create(
                    {
                        "name": "Fresh deal",
                        "pipeline_id": self.pipeline.id,
                        "partner_id": self.contact.id,
                        "amount": 1500,
                    }
                )
            )
        history = self._history(deal)
        self.assertEqual(len(history), 1)
        self.assertRecordValues(
            history,
            [
                {
                    "deal_id": deal.id,
                    "pipeline_id": self.pipeline.id,
                    "company_id": self.company.id,
                    "stage_from_id": False,
                    "stage_id": self.stage_lead.id,
                    "stage_kind": "open",
                    "user_id": self.user_sales_1.id,
                    "salesperson_id": self.user_sales_1.id,
                    "date": datetime(2026, 1, 10, 9, 0),
                    "amount": 1500,
                }
            ],
        )
        self.assertEqual(deal.stage_history_ids, history)

    def test_create_in_a_later_stage(self):
        deal = self._create_deal(stage_id=self.stage_won.id, amount=800)
        self.assertRecordValues(
            self._history(deal),
            [
                {
                    "stage_from_id": False,
                    "stage_id": self.stage_won.id,
                    "stage_kind": "won",
                    "amount": 800,
                }
            ],
        )

    def test_stage_changes_add_rows(self):
        with freeze_time("2026-01-10 09:00:00"):
            deal = self._create_deal(amount=1000)
        with freeze_time("2026-01-12 10:00:00"):
            deal.with_user(self.user_sales_1).write(
                {"stage_id": self.stage_negotiation.id, "amount": 1200}
            )
        # The manager moves the deal of Sally: the row tells who moved it and
        # whose deal it was.
        with freeze_time("2026-01-20 16:00:00"):
            deal.with_user(self.user_manager).action_set_won()
        history = self._history(deal)
        self.assertRecordValues(
            history,
            [
                {
                    "stage_from_id": False,
                    "stage_id": self.stage_lead.id,
                    "stage_kind": "open",
                    "user_id": self.env.uid,
                    "salesperson_id": self.user_sales_1.id,
                    "amount": 1000,
                    "date": datetime(2026, 1, 10, 9, 0),
                },
                {
                    "stage_from_id": self.stage_lead.id,
                    "stage_id": self.stage_negotiation.id,
                    "stage_kind": "open",
                    "user_id": self.user_sales_1.id,
                    "salesperson_id": self.user_sales_1.id,
                    "amount": 1200,
                    "date": datetime(2026, 1, 12, 10, 0),
                },
                {
                    "stage_from_id": self.stage_negotiation.id,
                    "stage_id": self.stage_won.id,
                    "stage_kind": "won",
                    "user_id": self.user_manager.id,
                    "salesperson_id": self.user_sales_1.id,
                    "amount": 1200,
                    "date": datetime(2026, 1, 20, 16, 0),
                },
            ],
        )
        # Newest first, as shown on the deal.
        self.assertEqual(deal.stage_history_ids, history.sorted(reverse=True))

    def test_write_without_stage_change_adds_nothing(self):
        deal = self._create_deal()
        deal.write({"amount": 5000, "name": "Renamed", "probability": 30})
        deal.write({"stage_id": self.stage_lead.id})
        deal.user_id = self.user_sales_2
        self.assertEqual(len(self._history(deal)), 1)

    def test_batch_write(self):
        deals = (
            self._create_deal(name="A", amount=100)
            | self._create_deal(name="B", amount=200)
            | self._create_deal(name="C", amount=300, stage_id=self.stage_won.id)
        )
        deals.write({"stage_id": self.stage_negotiation.id})
        history = self._history(deals).filtered(lambda h: h.stage_from_id)
        self.assertEqual(len(history), 3)
        self.assertEqual(
            sorted(
                (h.deal_id.name, h.stage_from_id.name, h.stage_id.name, h.amount)
                for h in history
            ),
            [
                ("A", "Lead", "Negotiation", 100),
                ("B", "Lead", "Negotiation", 200),
                ("C", "Won", "Negotiation", 300),
            ],
        )

    def test_pipeline_change_logged_in_new_pipeline(self):
        deal = self._create_deal(stage_id=self.stage_negotiation.id)
        deal.pipeline_id = self.pipeline_2
        last = self._history(deal)[-1]
        self.assertEqual(last.stage_from_id, self.stage_negotiation)
        self.assertEqual(last.stage_id, self.stage2_new)
        self.assertEqual(last.pipeline_id, self.pipeline_2)

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------

    def test_import_creates_and_updates_history(self):
        Deal = self.env["crm.lite.deal"]
        fields_ = [
            "id",
            "name",
            "pipeline_id/.id",
            "stage_id/.id",
            "partner_id/.id",
            "user_id/.id",
            "amount",
        ]
        rows = [
            [
                "__import__.deal_imported_1",
                "Imported 1",
                str(self.pipeline.id),
                str(self.stage_lead.id),
                str(self.contact.id),
                str(self.user_sales_1.id),
                "100",
            ],
            [
                "__import__.deal_imported_2",
                "Imported 2",
                str(self.pipeline.id),
                str(self.stage_won.id),
                str(self.other_customer.id),
                str(self.user_sales_2.id),
                "250.5",
            ],
        ]
        result = Deal.load(fields_, rows)
        self.assertFalse(result["messages"])
        deals = Deal.browse(result["ids"])
        self.assertEqual(deals.mapped("name"), ["Imported 1", "Imported 2"])
        self.assertEqual(deals.stage_id, self.stage_lead | self.stage_won)
        self.assertTrue(deals[1].date_closed)
        history = self._history(deals)
        self.assertEqual(len(history), 2)
        self.assertEqual(
            sorted((h.deal_id.name, h.stage_id.name, h.amount) for h in history),
            [("Imported 1", "Lead", 100.0), ("Imported 2", "Won", 250.5)],
        )
        self.assertFalse(history.stage_from_id)

        # Re-importing the same external ids updates the deals.
        result = Deal.load(
            ["id", "stage_id/.id", "amount"],
            [
                ["__import__.deal_imported_1", str(self.stage_negotiation.id), "120"],
                ["__import__.deal_imported_2", str(self.stage_won.id), "260"],
            ],
        )
        self.assertFalse(result["messages"])
        self.assertEqual(result["ids"], deals.ids)
        self.assertEqual(deals[0].stage_id, self.stage_negotiation)
        self.assertEqual(deals[1].amount, 260)
        history = self._history(deals)
        # Only the deal that changed stage got a new row.
        self.assertEqual(len(history), 3)
        self.assertRecordValues(
            history[-1],
            [
                {
                    "deal_id": deals[0].id,
                    "stage_from_id": self.stage_lead.id,
                    "stage_id": self.stage_negotiation.id,
                    "amount": 120,
                }
            ],
        )

    def test_import_update_by_database_id(self):
        deal = self._create_deal()
        result = self.env["crm.lite.deal"].load(
            [".id", "stage_id/.id"], [[str(deal.id), str(self.stage_won.id)]]
        )
        self.assertFalse(result["messages"])
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertEqual(
            self._history(deal).mapped("stage_id"), self.stage_lead | self.stage_won
        )

    def test_import_into_lost_without_reason_fails(self):
        result = self.env["crm.lite.deal"].load(
            ["name", "pipeline_id/.id", "stage_id/.id"],
            [["Lost import", str(self.pipeline.id), str(self.stage_lost.id)]],
        )
        self.assertFalse(result["ids"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertIn("lost reason", result["messages"][0]["message"])
        self.assertFalse(
            self.env["crm.lite.deal"].search([("name", "=", "Lost import")])
        )

    # ------------------------------------------------------------------
    # Read-only, kept
    # ------------------------------------------------------------------

    def test_history_is_read_only(self):
        deal = self._create_deal()
        row = self._history(deal)
        for user in (self.user_sales_1, self.user_sales_all, self.user_manager):
            History = self.env["crm.lite.stage.history"].with_user(user)
            # They can read it...
            self.assertEqual(History.search([("deal_id", "=", deal.id)]), row)
            self.assertEqual(row.with_user(user).stage_id, self.stage_lead)
            # ... but not change it.
            with self.assertRaises(AccessError):
                History.create(
                    {
                        "deal_id": deal.id,
                        "stage_id": self.stage_won.id,
                        "date": "2026-01-01 00:00:00",
                    }
                )
            with self.assertRaises(AccessError):
                row.with_user(user).write({"stage_id": self.stage_won.id})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()
        self.assertEqual(row.stage_id, self.stage_lead)
        self.assertEqual(len(self._history(deal)), 1)

    def test_salesperson_sees_history_of_own_deals_only(self):
        own = self._create_deal(user_id=self.user_sales_1.id)
        colleague = self._create_deal(user_id=self.user_sales_2.id)
        History = self.env["crm.lite.stage.history"].with_user(self.user_sales_1)
        self.assertEqual(
            History.search([("deal_id", "in", (own | colleague).ids)]),
            self._history(own),
        )
        with self.assertRaises(AccessError):
            self._history(colleague).with_user(self.user_sales_1).read(["stage_id"])
        History_all = self.env["crm.lite.stage.history"].with_user(self.user_sales_all)
        self.assertEqual(
            History_all.search([("deal_id", "in", (own | colleague).ids)]),
            self._history(own | colleague),
        )

    def test_history_kept_when_deal_archived(self):
        deal = self._create_deal()
        deal.stage_id = self.stage_negotiation
        deal.action_archive()
        self.assertFalse(deal.active)
        history = self._history(deal)
        self.assertEqual(len(history), 2)
        # The salesperson still finds the history of the archived deal.
        History = self.env["crm.lite.stage.history"].with_user(self.user_sales_1)
        self.assertEqual(History.search([("deal_id", "=", deal.id)]), history)
        # Archiving is not a stage change.
        deal.action_unarchive()
        self.assertEqual(self._history(deal), history)

    def test_history_survives_stage_deletion(self):
        """A stage left by all deals can go; the rows that mention it stay."""
        stage_tmp = self.env["crm.lite.stage"].create(
            {"name": "Temporary", "sequence": 2, "pipeline_id": self.pipeline.id}
        )
        deal = self._create_deal(stage_id=stage_tmp.id)
        deal.stage_id = self.stage_negotiation
        stage_tmp.unlink()
        history = self._history(deal)
        self.assertEqual(len(history), 2)
        self.assertEqual(history[1].stage_id, self.stage_negotiation)
        self.assertEqual(history.mapped("stage_kind"), ["open", "open"])

    def _import_file(self, content, file_type, file_name):
        """Import deals the way the user does: Odoo's import of a file."""
        wizard = self.env["base_import.import"].create(
            {
                "res_model": "crm.lite.deal",
                "file": content,
                "file_type": file_type,
                "file_name": file_name,
            }
        )
        columns = ["Name", "Pipeline", "Stage", "Expected Revenue"]
        return wizard.execute_import(
            ["name", "pipeline_id", "stage_id", "amount"],
            columns,
            {"has_headers": True, "separator": ",", "quoting": '"'},
        )

    def test_import_csv_file_by_names(self):
        # "Negotiation" is also a stage of the "New Sales" pipeline the
        # addon installs: the stage of the deal's own pipeline is taken.
        content = (
            b"Name,Pipeline,Stage,Expected Revenue\n"
            b"CSV deal 1,Test Pipeline,Negotiation,1500\n"
            b"CSV deal 2,Test Pipeline,Lead,700\n"
        )
        result = self._import_file(content, "text/csv", "deals.csv")
        # Odoo warns that the stage names are ambiguous; no error.
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"])
        deals = self.env["crm.lite.deal"].browse(result["ids"])
        self.assertEqual(
            deals.mapped("stage_id"), self.stage_negotiation | self.stage_lead
        )
        self.assertEqual(deals.mapped("amount"), [1500.0, 700.0])
        self.assertEqual(
            deals.stage_history_ids.mapped("stage_id"),
            self.stage_negotiation | self.stage_lead,
        )
        self.assertEqual(len(deals.stage_history_ids), 2)

    def test_import_xlsx_file(self):
        import io

        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Name", "Pipeline", "Stage", "Expected Revenue"])
        sheet.append(["XLSX deal", "Test Pipeline", "Won", 2500])
        buffer = io.BytesIO()
        book.save(buffer)
        result = self._import_file(
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "deals.xlsx",
        )
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"])
        deal = self.env["crm.lite.deal"].browse(result["ids"])
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertTrue(deal.date_closed)
        self.assertEqual(deal.stage_history_ids.stage_id, self.stage_won)
