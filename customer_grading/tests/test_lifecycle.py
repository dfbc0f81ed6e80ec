from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestOverride(GradingCase):
    """Before publication a grading manager may give a result another grade,
    with its reason; the grade in force is then the override."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_manual_scheme({"quality": 100})
        cls.scheme = cls.company.grading_scheme_id
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.indicator = cls.scheme.indicator_ids
        cls.customer = cls._customer("Overridden Buyer", user=cls.salesman_1)
        cls._value(cls.customer, cls.indicator, 60)  # C

    def _override(self, run, level, reason="Strategic account", until=False, user=None):
        result = self._result(run, self.customer)
        action = result.with_user(user or self.manager).action_override()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(user or self.manager)
            .with_context(**action["context"])
        )
        wizard.level_id = self.levels[level]
        wizard.reason = reason
        wizard.until = until
        wizard.save().action_confirm()
        return result

    def test_override_before_publication(self):
        run = self._run()
        result = self._override(run, "B")
        self.assertEqual(
            (result.level_id.code, result.computed_level_id.code, result.override_reason),
            ("B", "C", "Strategic account"),
        )
        self.assertEqual(result.override_user_id, self.manager)
        self.assertFalse(result.next_level_id)  # the grade no longer follows the score
        run.action_apply()
        self.assertEqual(self.customer.grading_level_id.code, "B")
        self.assertEqual(self.customer.grading_result_id, result)
        # the reason shows to those who see the customer's breakdown only
        self.assertEqual(
            self.customer.with_user(self.salesman_1).grading_override_reason, "Strategic account"
        )
        self.assertFalse(self.customer.with_user(self.salesman_2).grading_override_reason)
        # published: an override goes through an appeal now
        with self.assertRefused(UserError, "only be overridden before its run is published"):
            result.with_user(self.manager).action_override()

    def test_override_refused_to_salespeople(self):
        run = self._run()
        result = self._result(run, self.customer)
        with self.assertRefused(AccessError, "Only a grading manager overrides"):
            result.with_user(self.salesman_1).action_override()
        with self.assertRefused(AccessError, "Only a grading manager overrides"):
            result.with_user(self.salesman_1).action_remove_override()

    def test_override_removed_gives_back_the_computed_grade(self):
        run = self._run()
        result = self._override(run, "A")
        self.assertEqual(result.trend, "new")
        result.with_user(self.manager).action_remove_override()
        self.assertEqual(
            (result.level_id.code, result.override_level_id), ("C", self.levels["A"].browse())
        )
        self.assertFalse(result.override_reason)

    def test_override_kept_until_its_date(self):
        first = self._run(date_to=date(2026, 6, 30))
        self._override(first, "A", until=date(2026, 9, 30))
        first.action_apply()
        second = self._run(date_to=DATE_TO)  # up to the date: carried over
        carried = self._result(second, self.customer)
        self.assertEqual(
            (carried.level_id.code, carried.computed_level_id.code, carried.trend),
            ("A", "C", "same"),
        )
        self.assertEqual(carried.override_reason, "Strategic account")
        second.action_apply()
        third = self._run(date_to=date(2026, 12, 31))  # after it: graded normally
        normal = self._result(third, self.customer)
        self.assertEqual(
            (normal.level_id.code, normal.override_level_id.id, normal.trend), ("C", False, "down")
        )


@tagged("post_install", "-at_install")
class TestReview(GradingCase):
    """Review before publication: submit, send back, approve (by a second
    manager when the company asks for one), publication notices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.grading_review_required = True
        cls._use_manual_scheme({"quality": 100})
        cls.scheme = cls.company.grading_scheme_id
        cls.indicator = cls.scheme.indicator_ids
        cls.reviewer = new_test_user(
            cls.env,
            login="cg_reviewer",
            name="Second Reviewer",
            groups="base.group_user,customer_grading.group_customer_grading_manager",
        )
        cls.rising = cls._customer("Rising Buyer", user=cls.salesman_1)
        cls.falling = cls._customer("Falling Buyer", user=cls.salesman_2)
        cls.steady = cls._customer("Steady Buyer", user=cls.salesman_1)
        cls.values = {
            partner: cls._value(partner, cls.indicator, score)
            for partner, score in ((cls.rising, 60), (cls.falling, 90), (cls.steady, 75))
        }

    def _review_activities(self, run):
        activity_type = self.env.ref("customer_grading.mail_activity_type_run_review")
        return run.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    def _computed(self, date_to=DATE_TO):
        run = self.env["customer.grading.run"].with_user(self.manager).create({"date_to": date_to})
        run.action_compute()
        return run

    def test_submit_approve_publishes(self):
        run = self._computed()
        with self.assertRefused(UserError, "reviews grades before publication"):
            run.action_apply()
        run.action_submit_review()
        self.assertEqual((run.state, run.submitted_by_id), ("review", self.manager))
        reviewers = self._review_activities(run).user_id
        self.assertIn(self.reviewer, reviewers)
        self.assertFalse(self.rising.grading_level_id)  # nothing published yet
        run.with_user(self.reviewer).action_approve()
        self.assertEqual((run.state, run.approved_by_id), ("applied", self.reviewer))
        self.assertFalse(self._review_activities(run))
        self.assertEqual(
            [p.grading_level_id.code for p in (self.rising, self.falling, self.steady)],
            ["C", "A", "B"],
        )

    def test_send_back_needs_its_reason(self):
        run = self._computed()
        run.action_submit_review()
        with self.assertRefused(UserError, "Give the reason for sending"):
            run.with_user(self.reviewer).action_send_back()
        run.with_user(self.reviewer).review_note = "Manual values of last year"
        run.with_user(self.reviewer).action_send_back()
        self.assertEqual((run.state, run.review_note), ("computed", "Manual values of last year"))
        self.assertFalse(self._review_activities(run))
        run.action_compute()  # recomputed, then submitted again
        run.action_submit_review()
        self.assertFalse(run.review_note)

    def test_second_reviewer(self):
        self.company.grading_review_second_person = True
        run = self._computed()
        run.action_submit_review()
        self.assertNotIn(self.manager, self._review_activities(run).user_id)
        with self.assertRefused(UserError, "submitted by you"):
            run.action_approve()
        run.with_user(self.reviewer).action_approve()
        self.assertEqual(run.state, "applied")

    def test_salespeople_neither_submit_nor_approve(self):
        run = self._computed()
        for action in ("action_submit_review", "action_approve", "action_send_back"):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                getattr(run.with_user(self.salesman_1), action)()
        self.assertEqual(run.state, "computed")

    @freeze_time("2026-10-02")
    def test_quarterly_action_submits_for_review(self):
        Run = self.env["customer.grading.run"].sudo()
        runs = Run._cron_grade_last_quarter()
        while Run._cron_process_runs():
            pass
        run = runs.filtered(lambda r: r.company_id == self.company)
        self.assertEqual(run.state, "review")
        self.assertFalse(run.submitted_by_id)  # the scheduler
        self.assertEqual(self._review_activities(run).user_id, self.company._grading_managers())
        self.assertFalse(self.rising.grading_level_id)

    def test_review_figures_and_publication_notices(self):
        first = self._computed(date_to=date(2026, 6, 30))
        first.action_submit_review()
        first.action_approve()
        self.assertFalse(self._notices(first))  # first grades: nothing changed
        self.values[self.rising].value = 95  # C → A
        self.values[self.falling].value = 50  # A → D
        run = self._computed()
        self.assertEqual(run.changed_count, 2)
        self.assertEqual(run.previous_distribution, "A: 1 · B: 1 · C: 1")
        self.assertEqual(run.distribution, "A: 1 · B: 1 · D: 1")
        moves = self.env["customer.grading.result"].search(
            run.action_view_biggest_moves()["domain"], order="score_move desc"
        )
        self.assertEqual(moves[:2].partner_id, self.falling | self.rising)
        self.assertEqual(self._result(run, self.falling).score_change, -40)
        migration = run.action_view_migration()["context"]
        self.assertEqual(migration["pivot_row_groupby"], ["previous_level_id"])
        run.action_submit_review()
        run.with_user(self.reviewer).action_approve()
        # one notice per salesperson, listing their customers whose grade changed
        notices = self._notices(run)
        self.assertEqual(len(notices), 2)
        to_first = notices.filtered(lambda m: self.salesman_1.partner_id in m.partner_ids)
        self.assertIn("Rising Buyer: C → A", to_first.body)
        self.assertNotIn("Steady", to_first.body)
        self.assertFalse(self.env["mail.activity"].search([("res_id", "in", run.result_ids.ids)]))

    def _notices(self, run):
        """The publication notices of ``run`` (not the activity assignments)."""
        return (
            self.env["mail.message"]
            .sudo()  # a notification is read by its recipients only
            .search(
                [
                    ("model", "=", run._name),
                    ("res_id", "=", run.id),
                    ("message_type", "=", "user_notification"),
                ]
            )
            .filtered(lambda message: (message.subject or "").startswith("Grades published"))
        )

    def test_publication_queries_do_not_grow_with_customers(self):
        def publish_queries(count):
            customers = self.env["res.partner"]
            for index in range(count):
                customer = self._customer(
                    f"Bulk {count} {index}", user=self.salesman_1 if index % 2 else self.salesman_2
                )
                customers |= customer
                self._value(customer, self.indicator, 60)
            first = self.env["customer.grading.run"].create(
                {"date_to": date(2026, 6, 30), "partner_ids": [(6, 0, customers.ids)]}
            )
            first.action_compute()
            first.action_submit_review()
            first.action_approve()
            customers.grading_value_ids.value = 95  # every grade changes
            run = self.env["customer.grading.run"].create(
                {"date_to": DATE_TO, "partner_ids": [(6, 0, customers.ids)]}
            )
            run.action_compute()
            run.action_submit_review()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            run.action_approve()
            self.assertEqual(run.state, "applied")
            return self.env.cr.sql_log_count - before

        publish_queries(2)  # warm-up: caches of the registry
        self.assertEqual(publish_queries(4), publish_queries(16))
