from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestHistory(GradingCase):
    """What was applied stays as it was: runs, results and the configuration
    they refer to are never recomputed, blanked or deleted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = cls._customer("Big Buyer", user=cls.salesman_1)
        cls.small = cls._customer("Small Buyer", user=cls.salesman_2)
        cls.middle = cls._customer("Middle Buyer", user=cls.salesman_1)
        for month in range(1, 13):
            cls._invoice(
                cls.big, 10000, date(2025, 9 + month, 1) if month <= 3 else date(2026, month - 3, 1)
            )
        cls._invoice(cls.middle, 30000, date(2026, 5, 1))
        cls._invoice(cls.small, 1000, date(2026, 2, 1))
        cls._order(cls.big, date(2026, 3, 3), price=5000, cost=2000)
        cls._order(cls.small, date(2026, 2, 1), price=1000, cost=900)
        cls._value(cls.big, "industry_prospects", option="Excellent")
        cls._value(cls.small, "industry_prospects", option="Poor")
        cls.customers = cls.big | cls.small | cls.middle
        cls.Run = cls.env["customer.grading.run"].sudo()  # the scheduler's view

    def _dangling_grades(self):
        """Customers whose grade in force, in any company, names a result that
        does not exist."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.id FROM res_partner p, jsonb_each_text(p.grading_result_id) e
             WHERE NOT EXISTS (SELECT 1 FROM customer_grading_result r
                                WHERE r.id = e.value::int)
            """
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _process_checking_grades(self):
        """Run the scheduled action step by step (an interruption may come
        after any step), checking every customer's grade after each."""
        steps = 0
        while self.Run._cron_process_runs():
            steps += 1
            self.assertEqual(self._dangling_grades(), [], f"after step {steps}")
        self.assertEqual(self._dangling_grades(), [])
        return steps

    def _graded_quarter(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        run = self.Run._cron_grade_last_quarter().filtered(lambda r: r.company_id == self.company)
        self._process_checking_grades()
        self.assertEqual(run.state, "applied")
        return run

    @freeze_time("2026-10-02")
    def test_quarterly_action_leaves_an_applied_quarter_alone(self):
        run = self._graded_quarter()
        results = run.result_ids
        in_force = {partner: partner.grading_result_id for partner in self.customers}
        self.assertEqual(set(in_force.values()), set(results))

        again = self.Run._cron_grade_last_quarter()
        self._process_checking_grades()
        self.assertEqual(again.filtered(lambda r: r.company_id == self.company), run)
        self.assertEqual((run.state, run.result_ids), ("applied", results))
        self.assertEqual({p: p.grading_result_id for p in self.customers}, in_force)
        same_period = [("period_label", "=", "2026 Q3"), ("company_id", "=", self.company.id)]
        self.assertEqual(self.Run.search_count(same_period), 1)

    @freeze_time("2026-10-02")
    def test_quarterly_action_resumes_a_run_still_computing(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        run = self.Run._cron_grade_last_quarter().filtered(lambda r: r.company_id == self.company)
        self.Run._cron_process_runs()  # started, then interrupted
        self.Run._cron_process_runs()
        self.assertEqual(run.state, "computing")
        progress = run.progress
        again = self.Run._cron_grade_last_quarter()
        self.assertEqual(again.filtered(lambda r: r.company_id == self.company), run)
        self.assertEqual((run.state, run.progress), ("computing", progress))
        self._process_checking_grades()
        self.assertEqual(run.state, "applied")
        self.assertEqual(len(run.result_ids), 3)

    @freeze_time("2026-10-02")
    def test_regrade_period_makes_a_new_run_that_replaces_the_old_one(self):
        old = self._graded_quarter()
        old_results = {result.partner_id: (result.id, result.score) for result in old.result_ids}
        old_lines = old.result_ids.line_ids.mapped(lambda line: (line.id, line.points))
        self._value(self.middle, "industry_prospects", option="Excellent")

        action = old.with_user(self.manager).action_regrade_period()
        new = self.Run.browse(action["res_id"])
        self.assertEqual(
            (new.state, new.period_label, new.date_from, new.date_to),
            ("draft", old.period_label, old.date_from, old.date_to),
        )
        new.with_user(self.manager).write({"auto_apply": True})
        new.with_user(self.manager).action_queue()
        while new.state != "publishing":  # computed, then published by the scheduler
            self.Run._cron_process_runs()
        # until the new run is applied, the old grades stay in force
        self.assertEqual(old.state, "applied")
        self.assertEqual(self.middle.grading_result_id.run_id, old)
        self._process_checking_grades()  # applied batch by batch
        self.assertEqual(new.state, "applied")
        self.assertEqual(
            (old.state, old.replaced_by_id, old.replaced_user_id),
            ("replaced", new, self.manager),
        )
        self.assertTrue(old.replaced_date)
        self.assertEqual(self.middle.grading_result_id.run_id, new)
        self.assertEqual(self.middle.grading_history_ids.run_id, new)
        # the replaced run and its breakdown stay readable as they were
        self.assertEqual(
            {result.partner_id: (result.id, result.score) for result in old.result_ids},
            old_results,
        )
        self.assertEqual(
            old.result_ids.line_ids.mapped(lambda line: (line.id, line.points)), old_lines
        )
        for refused in (
            old.action_cancel,
            old.unlink,
            old.action_compute,
            old.action_reset_to_draft,
            old.action_regrade_period,
        ):
            with self.assertRaises(UserError), self.env.cr.savepoint():
                refused()
        self.assertEqual(len(old.result_ids), 3)

    def test_a_second_run_for_a_period_is_prepared_only_once(self):
        run = self._run()
        run.action_apply()
        again = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        with self.assertRefused(UserError, "already has a grading run for 2026 Q3"):
            self.env["customer.grading.run"].create({"date_to": DATE_TO})
        again.action_compute()
        again.action_apply()
        self.assertEqual((run.state, again.state), ("replaced", "applied"))

    def test_run_being_applied_is_not_recomputed_reset_or_cancelled(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        run = self._run()
        run.action_apply()  # handed to the scheduled action
        self.assertEqual((run.state, run.applied_result_id), ("publishing", 0))
        for refused in (run.action_reset_to_draft, run.action_compute, run.action_cancel):
            with self.assertRefused(UserError, "grade history"):
                refused()
        self.Run._cron_process_runs()  # one customer has its grade from this run
        self.assertEqual(run.state, "publishing")
        self.assertTrue(run.applied_result_id)
        for refused in (
            run.action_reset_to_draft,
            run.action_compute,
            run.action_cancel,
            run.unlink,
        ):
            with self.assertRefused(UserError, "grade history"):
                refused()
        self.assertEqual(self._dangling_grades(), [])
        self._process_checking_grades()
        self.assertEqual(run.state, "applied")

    def test_configuration_in_use_is_archived_not_deleted(self):
        run = self._run()
        run.action_apply()
        big = self._result(run, self.big)
        subtotals = {d.dimension_id: d.points for d in big.dimension_ids}
        loyalty = self.scheme.dimension_ids.filtered(lambda d: d.name == "Loyalty")
        credit = self.scheme.dimension_ids.filtered(lambda d: d.name == "Credit")
        # moving indicators does not rewrite the subtotals of past results
        loyalty.indicator_ids.dimension_id = credit
        big.invalidate_recordset()
        self.assertEqual({d.dimension_id: d.points for d in big.dimension_ids}, subtotals)

        indicator = self.indicators["brand_recognition"]
        weights = {
            "recommendation": Command.update(self.indicators["recommendation"].id, {"weight": 3}),
            "brand_recognition": Command.update(indicator.id, {"weight": 0}),
        }
        self.scheme.indicator_ids = list(weights.values())
        option = self.indicators["industry_prospects"].option_ids.filtered(
            lambda o: o.name == "Excellent"
        )
        for record in (indicator, loyalty, self.levels["D"], option):
            with self.assertRefused(UserError, "Archive it instead"):
                record.unlink()
        line_count = len(run.result_ids.line_ids)

        # archived, they leave the scheme and stay in the history
        for record in (indicator, self.levels["D"], option, loyalty):
            record.action_archive()
        self.assertNotIn(self.levels["D"], self.scheme.level_ids)
        self.assertNotIn(indicator, self.scheme.indicator_ids)
        run.invalidate_recordset()
        self.assertEqual(len(run.result_ids.line_ids), line_count)
        self.assertIn(indicator, big.line_ids.indicator_id)
        self.assertEqual(self._result(run, self.small).level_id, self.levels["D"])
        self.assertEqual({d.dimension_id: d.points for d in big.dimension_ids}, subtotals)
