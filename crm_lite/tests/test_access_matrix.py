from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lite.tests.common import CrmLiteCommon

# Who may do what on each model of crm_lite, through the ORM as the user:
# c = create (a record of the user's own company and, for deals, their own),
# r = read, w = write, u = delete a record of the first company that belongs to
# ``user_sales_1`` where records have an owner.
ROLES = (
    "sales_1",  # own documents, owner of the record
    "sales_2",  # own documents, a colleague
    "sales_all",  # all documents
    "manager",  # CRM administrator
    "accountant",  # Invoicing, no CRM right
    "employee",  # no CRM right
    "portal",
    "sales_co2",  # own documents, second company only
    "marketing",  # Email Marketing user, no CRM right
)
MATRIX = {
    "crm.lite.deal": {
        "sales_1": "crwu",
        "sales_2": "c",
        "sales_all": "crwu",
        "manager": "crwu",
        "sales_co2": "c",
    },
    "crm.lite.pipeline": {
        "sales_1": "r",
        "sales_2": "r",
        "sales_all": "r",
        "manager": "crwu",
        "accountant": "r",
    },
    "crm.lite.stage": {
        "sales_1": "r",
        "sales_2": "r",
        "sales_all": "r",
        "manager": "crwu",
        "accountant": "r",
    },
    "crm.lite.tag": {
        "sales_1": "r",
        "sales_2": "r",
        "sales_all": "r",
        "manager": "crwu",
        "accountant": "r",
        "sales_co2": "r",
    },
    "crm.lite.lost.reason": {
        "sales_1": "r",
        "sales_2": "r",
        "sales_all": "r",
        "manager": "crwu",
        "accountant": "r",
        "sales_co2": "r",
    },
    # History is written by the application only, and seen like its deal.
    "crm.lite.stage.history": {
        "sales_1": "r",
        "sales_all": "r",
        "manager": "r",
    },
    "crm.lite.campaign.cost": {
        "sales_1": "r",
        "sales_2": "r",
        "sales_all": "r",
        "manager": "crwu",
    },
    "crm.lite.segment": {"manager": "crwu", "marketing": "crwu"},
    "crm.lite.occasion": {"manager": "crwu"},
    "crm.lite.occasion.log": {"manager": "ru"},
}


class _Done(Exception):
    """Raised to roll back a permitted operation."""


@tagged("post_install", "-at_install")
class TestAccessMatrix(CrmLiteCommon):
    """Every model of crm_lite, as every kind of user: what the ORM lets them
    create, read, write and delete (the same as over JSON-RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "sales_1": cls.user_sales_1,
            "sales_2": cls.user_sales_2,
            "sales_all": cls.user_sales_all,
            "manager": cls.user_manager,
            "accountant": cls.user_accountant,
            "employee": cls.user_employee,
            "portal": cls.user_portal,
            "sales_co2": cls.user_sales_co2,
            "marketing": cls.user_marketing,
        }
        cls.campaign = cls.env["utm.campaign"].create({"title": "Matrix Campaign"})
        cls.segment = cls.env["crm.lite.segment"].create(
            {"name": "Everyone", "domain": "[]"}
        )
        cls.template = cls.env["mail.template"].create(
            {"name": "Hello", "model_id": cls.env.ref("base.model_res_partner").id}
        )
        cls.occasion = cls.env["crm.lite.occasion"].create(
            {
                "name": "New Year",
                "kind": "fixed",
                "day": 1,
                "month": 1,
                "template_id": cls.template.id,
            }
        )

    # ------------------------------------------------------------
    # FIXTURES: a record of each model, and what each user would create
    # ------------------------------------------------------------

    def _fixture(self, model):
        """A record of the first company, owned by ``user_sales_1``."""
        env = self.env
        if model == "crm.lite.deal":
            return self._create_deal(name="Matrix deal")
        if model == "crm.lite.pipeline":
            return env[model].create({"name": "Matrix pipeline"})
        if model == "crm.lite.stage":
            return env[model].create(
                {"name": "Matrix stage", "pipeline_id": self.pipeline.id}
            )
        if model in ("crm.lite.tag", "crm.lite.lost.reason"):
            self._counter += 1
            return env[model].create({"name": f"Matrix {model} {self._counter}"})
        if model == "crm.lite.stage.history":
            return self._create_deal(name="Deal with history").stage_history_ids
        if model == "crm.lite.campaign.cost":
            return env[model].create(
                {"campaign_id": self.campaign.id, "description": "Booth", "amount": 10}
            )
        if model == "crm.lite.segment":
            return env[model].create({"name": "Matrix segment", "domain": "[]"})
        if model == "crm.lite.occasion":
            return env[model].create(
                {
                    "name": "Matrix day",
                    "kind": "birthday",
                    "template_id": self.template.id,
                }
            )
        if model == "crm.lite.occasion.log":
            return env[model].create(
                {
                    "occasion_id": self.occasion.id,
                    "partner_id": self.contact.id,
                    "year": 2026,
                    "date": "2026-01-01",
                    "state": "sent",
                }
            )
        raise ValueError(model)

    def _create_values(self, model, user):
        second = user == self.user_sales_co2
        if model == "crm.lite.deal":
            pipeline = self.pipeline_co2 if second else self.pipeline
            return {"name": "New deal", "pipeline_id": pipeline.id, "user_id": user.id}
        if model == "crm.lite.pipeline":
            return {"name": "New pipeline"}
        if model == "crm.lite.stage":
            pipeline = self.pipeline_co2 if second else self.pipeline
            return {"name": "New stage", "pipeline_id": pipeline.id}
        if model in ("crm.lite.tag", "crm.lite.lost.reason"):
            self._counter += 1
            return {"name": f"New {model} {self._counter}"}
        if model == "crm.lite.stage.history":
            deal = self._create_deal(name="Deal for a forged row")
            return {"deal_id": deal.id, "stage_id": self.stage_won.id}
        if model == "crm.lite.campaign.cost":
            return {"campaign_id": self.campaign.id, "description": "Ad", "amount": 5}
        if model == "crm.lite.segment":
            return {"name": "New segment", "domain": "[]"}
        if model == "crm.lite.occasion":
            return {
                "name": "New day",
                "kind": "birthday",
                "template_id": self.template.id,
            }
        if model == "crm.lite.occasion.log":
            return {
                "occasion_id": self.occasion.id,
                "partner_id": self.other_customer.id,
                "year": 2026,
                "date": "2026-01-01",
                "state": "sent",
            }
        raise ValueError(model)

    def _write_values(self, model):
        if model == "crm.lite.stage.history":
            return {"stage_id": self.stage_won.id}
        if model == "crm.lite.campaign.cost":
            return {"description": "Changed"}
        if model == "crm.lite.occasion.log":
            return {"note": "Changed"}
        return {"name": "Changed"}

    def _allowed(self, model, user, operation):
        """Whether ``user`` may perform ``operation`` (c, r, w, u) on ``model``;
        whatever happens is rolled back."""
        Model = self.env[model].with_user(user)
        try:
            with self.env.cr.savepoint():
                if operation == "c":
                    values = self._create_values(model, user)
                    Model.create(values).flush_recordset()
                else:
                    record = self._fixture(model).with_user(user)
                    if operation == "r":
                        record.read(["display_name"])
                    elif operation == "w":
                        record.write(self._write_values(model))
                        record.flush_recordset()
                    else:
                        record.unlink()
                raise _Done()
        except _Done:
            return True
        except AccessError:
            return False
        finally:
            self.env.invalidate_all()

    @mute_logger(
        "odoo.addons.base.models.ir_rule",
        "odoo.addons.base.models.ir_model",
        "odoo.models",
    )
    def test_access_matrix(self):
        self._counter = 0
        failures = []
        for model, rights in MATRIX.items():
            for role in ROLES:
                expected = rights.get(role, "")
                for operation in "crwu":
                    allowed = self._allowed(model, self.users[role], operation)
                    if allowed != (operation in expected):
                        failures.append(
                            f"{model} {operation} as {role}: "
                            f"{'allowed' if allowed else 'refused'}"
                        )
        self.assertFalse(failures, "\n".join(failures))

    def test_matrix_covers_every_model(self):
        model_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_lite"), ("model", "=", "ir.model")])
            .mapped("res_id")
        )
        own = {
            model.model
            for model in self.env["ir.model"].browse(model_ids)
            if model.model.startswith("crm.lite.")
            and not model.transient
            and not self.env[model.model]._abstract
        }
        self.assertEqual(own - set(MATRIX), set())
