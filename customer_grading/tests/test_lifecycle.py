from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

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
        run.action_apply()
        self.assertEqual(self.customer.grading_level_id.code, "B")
        self.assertEqual(self.customer.grading_result_id, result)
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
