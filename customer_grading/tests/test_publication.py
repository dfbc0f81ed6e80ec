from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestBackgroundPublication(GradingCase):
    """Publishing a run over all customers is handed to the scheduled action,
    which gives the grades batch by batch, shows its progress, resumes after
    an interruption and ends as a publication in one call would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.grading_apply_policies = True
        cls.scheme = cls._use_manual_scheme({"quality": 100})
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.indicator = cls.scheme.indicator_ids
        cls.term_45 = cls.env["account.payment.term"].create(
            {
                "name": "45 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 45})
                ],
            }
        )
        cls.levels["A"].with_company(cls.company).write(
            {"payment_term_id": cls.term_45.id, "credit_limit": 50000}
        )
        cls.rising = cls._customer("Rising Buyer", user=cls.salesman_1)
        cls.falling = cls._customer("Falling Buyer", user=cls.salesman_2)
        cls.steady = cls._customer("Steady Buyer", user=cls.salesman_1)
        cls.customers = cls.rising | cls.falling | cls.steady
        cls.values = {
            partner: cls._value(partner, cls.indicator, score)
            for partner, score in ((cls.rising, 60), (cls.falling, 90), (cls.steady, 75))
        }
        cls.Run = cls.env["customer.grading.run"].sudo()  # the scheduler's view

    def setUp(self):
        super().setUp()
        # the first grades, then a run over all customers that changes two of them
        self.first = self._run(date_to=date(2026, 6, 30))
        self.first._publish()
        self.values[self.rising].value = 95  # C → A, and grade A's terms
        self.values[self.falling].value = 50  # A → D
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        self.run = self._run()

    def _published(self):
        """What a publication of ``self.run`` leaves: the run, the customers'
        grades and terms, the notes on the results, the salespeople's notices."""
        self.env.flush_all()
        self.env.invalidate_all()
        run = self.run
        Message = self.env["mail.message"].sudo()
        notes = Message.search(
            [("model", "=", "customer.grading.result"), ("res_id", "in", run.result_ids.ids)]
        )
        notices = Message.search(
            [
                ("model", "=", run._name),
                ("res_id", "=", run.id),
                ("message_type", "=", "user_notification"),
                ("subject", "=like", "Grades published%"),  # not the review activities
            ]
        )
        return {
            "run": (run.state, run.applied_result_id, self.first.state, self.first.replaced_by_id),
            "customers": {
                partner.name: (
                    partner.grading_level_id.code,
                    partner.grading_score,
                    partner.grading_result_id,
                    partner.with_company(self.company).property_payment_term_id,
                    partner.sudo().with_company(self.company).credit_limit,
                )
                for partner in self.customers
            },
            "policy notes": sorted(run.result_ids.mapped("policy_note"), key=str),
            "notes": sorted((note.res_id, note.body, note.author_id) for note in notes),
            "notices": sorted(
                (notice.partner_ids.ids, notice.body, notice.author_id) for notice in notices
            ),
        }

    def _in_one_call(self):
        """What publishing the run in one call leaves, rolled back afterwards."""
        savepoint = self.env.cr.savepoint()
        self.run.with_user(self.manager)._publish()
        published = self._published()
        savepoint.close(rollback=True)
        self.env.invalidate_all()
        return published

    def _process(self):
        """Run the scheduled action until it has nothing left; the number of calls."""
        calls = 1
        while self.Run._cron_process_runs():
            calls += 1
        return calls

    def test_publish_returns_at_once_and_the_scheduler_publishes(self):
        expected = self._in_one_call()
        self.assertEqual(expected["run"][0], "applied")
        cron = self.env.ref("customer_grading.ir_cron_process_runs")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        action = self.run.with_user(self.manager).action_apply()

        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            (self.run.state, self.run.publish_requested_by_id), ("publishing", self.manager)
        )
        self.assertTrue(self.run.publish_requested_date)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.assertEqual(self.rising.grading_level_id.code, "C")  # nothing published yet
        self.assertEqual(self.run.publication_progress, "Publishing: 0 / 3 customers")
        self.assertEqual(self.Run._cron_process_runs(), 2)  # one batch of one customer
        self.assertEqual(self.run.publication_progress, "Publishing: 1 / 3 customers")
        self.assertEqual(self._process(), 2)
        self.assertEqual(self._published(), expected)

    def test_approval_publishes_in_the_background(self):
        self.company.grading_review_required = True
        expected = self._in_one_call()
        self.run.with_user(self.manager).action_submit_review()
        self.run.with_user(self.manager).action_approve()
        self.assertEqual(
            (self.run.state, self.run.approved_by_id, self.run.publish_requested_by_id),
            ("publishing", self.manager, self.manager),
        )
        self._process()
        self.assertEqual(self._published(), expected)

    def test_interrupted_publication_resumes_without_repeating_a_batch(self):
        expected = self._in_one_call()
        self.run.with_user(self.manager).action_apply()
        self.Run._cron_process_runs()
        published = self.run.applied_result_id
        # the next batch fails: rolled back alone, the published one stays
        Publication = type(self.env["customer.grading.publication"])
        with (
            patch.object(Publication, "_log_grade_changes", side_effect=ZeroDivisionError),
            self.assertRaises(ZeroDivisionError),
        ):
            self.Run._cron_process_runs()
        self.assertEqual((self.run.state, self.run.applied_result_id), ("publishing", published))
        self._process()
        self.assertEqual(self._published(), expected)

    def test_only_grading_managers_publish(self):
        grading_user = new_test_user(
            self.env, login="cg_grading_user", groups="customer_grading.group_customer_grading_user"
        )
        for user in (self.salesman_1, grading_user):
            for action in ("action_apply", "action_approve"):
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    getattr(self.run.with_user(user), action)()
        self.assertEqual((self.run.state, self.run.publish_requested_by_id.id), ("computed", False))

    def test_run_of_one_batch_is_published_at_once(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 3)
        self.assertTrue(self.run.with_user(self.manager).action_apply())
        self.assertEqual(
            (self.run.state, self.run.publish_requested_by_id), ("applied", self.manager)
        )
        self.assertEqual(self.rising.grading_result_id.run_id, self.run)
