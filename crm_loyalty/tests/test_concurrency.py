# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.tools import guarded
from .common import CrmLoyaltyFixtures

# What the tests commit is named so, to be found and removed.
RACE = "[crm_loyalty race test]"
RACE_LOGIN = "crm_loyalty_race_"
RACE_JOURNAL_CODE = "LRACE"


@tagged("post_install", "-at_install")
class TestConcurrentRedemption(CrmLoyaltyFixtures, TransactionCase):
    """Two accountants post, at the same moment, invoices that redeem the same
    single-use coupon or the same points: each in a transaction of its own, as
    the web server runs a request (``odoo.service.model.retrying``: a
    serialization failure is retried, then the transaction commits; on an
    error it is rolled back).

    Both transactions must see the same committed records, so these tests
    cannot work in the test's own transaction like the others: the records
    are made and committed in cursors of their own, in the main company (its
    chart of accounts, a sales journal of their own), and removed at the end
    by a class cleanup registered before anything is made, so also when a
    test or the set-up fails. The test's own cursor is left unused: it holds
    no lock the racing transactions could wait for.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Removed at the end, also when a test or this set-up fails, and at
        # the start: what a run killed half-way left.
        cls.addClassCleanup(cls._remove_race_records)
        cls._remove_race_records()
        with cls._committed() as env:
            cls.company = env.ref("base.main_company")
            cls.journal = env["account.journal"].create(
                {
                    "name": f"Loyalty race invoices {RACE}",
                    "code": RACE_JOURNAL_CODE,
                    "type": "sale",
                    "company_id": cls.company.id,
                }
            )
            cls.product_20 = env["product.product"].create(
                {"name": f"Armchair {RACE}", "list_price": 100.0, "taxes_id": False}
            )
            cls.race_customer = env["res.partner"].create({"name": f"Rachel {RACE}"})
            cls.accountants = env["res.users"].union(
                *(
                    new_test_user(
                        env,
                        login=f"{RACE_LOGIN}{index}",
                        name=f"Accountant {index} {RACE}",
                        groups="account.group_account_invoice",
                        company_id=cls.company.id,
                    )
                    for index in (1, 2)
                )
            )
            cls.coupons = cls._coupon_program(f"Coupons {RACE}", discount=20)
            cls.points = cls._points_program(
                f"Points {RACE}", per_euro=1.0, point_value=0.1
            )
        # The records above belong to a cursor now closed: they are used for
        # their ids, or with another environment.

    # ------------------------------------------------------------
    # TESTS
    # ------------------------------------------------------------

    @mute_logger("odoo.sql_db")
    def test_two_accountants_post_the_same_single_use_coupon_at_once(self):
        with self._committed() as env:
            coupon = self._coupon(self.coupons.with_env(env), code="RACE-ONCE")
            drafts = [
                self._draft_with_coupon(env, accountant, "race-once")
                for accountant in self.accountants
            ]
        self._assert_one_posts(drafts, coupon, spent=1.0, left=0.0)

    @mute_logger("odoo.sql_db")
    def test_two_accountants_post_invoices_spending_the_same_points_at_once(self):
        with self._committed() as env:
            card = self._give_points(
                self.race_customer.with_env(env), self.points.with_env(env), 100
            )
            drafts = [
                self._draft_with_points(env, accountant, card, 80)
                for accountant in self.accountants
            ]
        self._assert_one_posts(drafts, card, spent=80.0, left=20.0)

    @mute_logger("odoo.sql_db")
    def test_points_spent_by_a_transaction_running_or_just_committed(self):
        """Step by step, the two orders in which the transactions can meet:
        the second posts while the first still holds the card (refused at
        once), and the second started before the first committed and posts
        after (the server retries it, it sees the points gone)."""
        with self._committed() as env:
            card = self._give_points(
                self.race_customer.with_env(env), self.points.with_env(env), 100
            )
            first, second = (
                self._draft_with_points(env, accountant, card, 80)
                for accountant in self.accountants
            )
        env_1, env_2 = (self._user_env(user) for user in self.accountants)
        first, second = first.with_env(env_1), second.with_env(env_2)

        second.invalidate_recordset()
        self.assertEqual(second.state, "draft")  # the second request runs
        first.action_post()  # not committed yet: the card stays locked
        # Were the card not locked NOWAIT, the second would wait for the
        # first, here in the same thread: fail instead of waiting forever.
        env_2.cr.execute("SET LOCAL lock_timeout = '10s'")
        with self.assertRaises(UserError) as caught:
            second.action_post()
        self.assertIn("being used by another operation", str(caught.exception))
        env_2.cr.rollback()

        env_2.invalidate_all()
        self.assertEqual(second.state, "draft")  # pressed again, still running
        env_1.cr.commit()  # the first invoice is posted now
        attempts = []

        def post_second():
            attempts.append(len(attempts) + 1)
            return second.action_post()

        with self.assertRaises(UserError) as caught:
            retrying(post_second, env_2)
        env_2.cr.rollback()
        self.assertEqual(
            attempts,
            [1, 2],
            "The second transaction met the first's commit (a serialization "
            "failure): the server ran it again, and then it saw the points gone.",
        )
        message = str(caught.exception)
        self.assertIn("was used meanwhile", message)
        self.assertIn("holds 20.0", message)
        self.assertNotIn(first.name, message, "It names nothing of the other.")

        with self._committed() as env:
            self._assert_spent_once(
                env, card, first.id, second.id, spent=80.0, left=20.0
            )

    # ------------------------------------------------------------
    # TOOLS
    # ------------------------------------------------------------

    def _draft_with_coupon(self, env, accountant, code):
        invoice = self._race_draft(env, accountant)
        status = invoice._try_apply_code(code)
        self.assertNotIn("error", status, status.get("error"))
        for coupon, rewards in status.items():
            self._claim(invoice, rewards[:1], coupon)
        return invoice

    def _draft_with_points(self, env, accountant, card, points):
        invoice = self._race_draft(env, accountant)
        self._claim(
            invoice,
            self.points.with_env(invoice.env).reward_ids,
            card.with_env(invoice.env),
            points=points,
        )
        return invoice

    def _race_draft(self, env, accountant):
        return self._draft(
            self.race_customer.with_env(env),
            user=accountant,
            journal_id=self.journal.id,
        )

    def _user_env(self, user):
        """An environment of ``user`` on a transaction of its own, closed at
        the end of the test (rolling back what it did not commit)."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, user.id, {})

    def _assert_one_posts(self, drafts, card, spent, left):
        """Post ``drafts`` at once, each in its own thread and transaction:
        exactly one is posted, the other is refused with a clear message and
        leaves nothing behind."""
        barrier = threading.Barrier(len(drafts), timeout=20)

        def post(invoice):
            env = invoice.env
            self.assertEqual(invoice.state, "draft")  # its transaction began
            barrier.wait()
            try:
                retrying(invoice.action_post, env)
            except UserError as error:
                env.cr.rollback()  # what the server does with a failed request
                return error
            return None

        # The thread running the tests holds the registries' lock, which
        # threads take to make an environment: as in Odoo's own browser tests
        # (Registry.enter_test_mode), the lock is replaced meanwhile.
        self.patch(Registry, "_lock", DummyRLock())
        invoices = [draft.with_env(self._user_env(draft.env.user)) for draft in drafts]
        with ThreadPoolExecutor(max_workers=len(drafts)) as executor:
            futures = [executor.submit(post, invoice) for invoice in invoices]
            errors = [future.result(timeout=60) for future in futures]
        refused = [draft for draft, error in zip(drafts, errors, strict=True) if error]
        self.assertEqual(len(refused), 1, f"Exactly one of two is posted: {errors}")
        message = str(next(error for error in errors if error))
        self.assertRegex(message, "being used by another operation|used meanwhile")
        with self._committed() as env:
            posted = next(draft for draft in drafts if draft not in refused)
            self.assertNotIn(
                posted.with_env(env).name, message, "It names nothing of the other."
            )
            self._assert_spent_once(
                env, card, posted.id, refused[0].id, spent=spent, left=left
            )

    def _assert_spent_once(self, env, card, posted_id, refused_id, spent, left):
        card = card.with_env(env)
        posted, refused = env["account.move"].browse([posted_id, refused_id])
        self.assertEqual(posted.state, "posted")
        self.assertEqual(refused.state, "draft", "Nothing of the other is posted.")
        self.assertEqual(card.points, left, "Nothing is spent twice.")
        rows = env["loyalty.history"].search([("card_id", "=", card.id)])
        self.assertEqual(
            [(row.order_id, row.used) for row in rows if row.entry_type == "spent"],
            [(posted.id, spent)],
        )
        self.assertFalse(rows.filtered(lambda row: row.order_id == refused.id))
        self.assertEqual(
            self._reward_lines(refused).coupon_id,
            card,
            "The refused invoice keeps its claim, to update or post later.",
        )
        self.assertEqual(sum(self._reward_lines(refused).mapped("points_cost")), spent)

    @classmethod
    @contextmanager
    def _committed(cls):
        """``cls.env`` (where the shared helpers make their records) as the
        superuser on a cursor of its own, committed at the end of the block."""
        test_env = cls.env
        with cls.registry.cursor() as cr:
            cls.env = api.Environment(cr, SUPERUSER_ID, {})
            try:
                yield cls.env
            finally:
                cls.env = test_env

    @classmethod
    def _remove_race_records(cls):
        """Remove what the tests committed, and what posting made of it
        (invoices, cards, points history), whatever step they reached."""
        with cls._committed() as env:
            company = env.ref("base.main_company")
            journals = env["account.journal"].search(
                [("code", "=", RACE_JOURNAL_CODE), ("company_id", "=", company.id)]
            )
            partners = (
                env["res.partner"]
                .with_context(active_test=False)
                .search([("name", "like", RACE)])
            )
            invoices = env["account.move"].search(
                [
                    "|",
                    ("journal_id", "in", journals.ids),
                    ("partner_id", "in", partners.ids),
                ]
            )
            invoices.filtered(lambda move: move.state != "draft").button_draft()
            invoices.with_context(force_delete=True).unlink()
            programs = (
                env["loyalty.program"]
                .with_context(active_test=False)
                .search([("name", "like", RACE)])
            )
            cards = (
                env["loyalty.card"]
                .with_context(active_test=False)
                .search([("program_id", "in", programs.ids)])
            )
            guarded(
                env["loyalty.history"].search([("card_id", "in", cards.ids)])
            ).unlink()
            cards.unlink()
            discount_products = programs.reward_ids.discount_line_product_id
            programs.active = False
            programs.unlink()
            products = (
                env["product.product"]
                .with_context(active_test=False)
                .search([("name", "like", RACE)])
            )
            (products | discount_products).product_tmpl_id.unlink()
            users = (
                env["res.users"]
                .with_context(active_test=False)
                .search([("login", "=like", f"{RACE_LOGIN}%")])
            )
            partners |= users.partner_id
            users.unlink()
            partners.unlink()
            journals.unlink()
