from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, new_test_user, tagged

from .common import DATE_TO, GradingCase

RUN_LOGGER = "odoo.addons.customer_grading.models.customer_grading_scheduler"


@tagged("post_install", "-at_install")
class TestCompanySettings(GradingCase):
    """Settings presented per company change that company only; every
    company, also one created later, grades with a scheme."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["res.company"].create({"name": "Other Grading Co"})
        cls.sysadmin = new_test_user(
            cls.env,
            login="cg_sysadmin",
            groups="base.group_system,sales_team.group_sale_manager",
            company_ids=[(6, 0, (cls.company | cls.other).ids)],
        )
        cls.customer = cls._customer("Shared Customer", user=cls.salesman_1)

    def _settings(self, company):
        return Form(self.env["res.config.settings"].with_user(self.sysadmin).with_company(company))

    def test_new_company_grades_with_the_standard_scheme(self):
        self.assertEqual(self.other.grading_scheme_id, self.scheme)

    def test_new_company_grades_with_the_scheme_the_settings_name(self):
        simplified = self.env.ref("customer_grading.scheme_simplified")
        settings = self._settings(self.company)
        settings.grading_default_scheme_id = simplified
        settings.save().execute()
        later = self.env["res.company"].create({"name": "Later Co"})
        self.assertEqual(later.grading_scheme_id, simplified)
        self.assertEqual(self.company.grading_scheme_id, self.scheme)

    def test_company_without_scheme_is_reported(self):
        self.other.grading_scheme_id = False
        Run = self.env["customer.grading.run"].sudo()
        with self.assertLogs(RUN_LOGGER, "WARNING") as logs:
            runs = Run._cron_grade_last_quarter()
        self.assertIn("Other Grading Co has no grading scheme", logs.output[0])
        self.assertNotIn(self.other, runs.company_id)
        self.assertIn(self.company, runs.company_id)

    def test_quarter_ends_in_the_company_time_zone(self):
        self.company.partner_id.tz = "Asia/Shanghai"
        self.other.partner_id.tz = "America/New_York"
        Run = self.env["customer.grading.run"].sudo()
        # 04:00 on 1 October in Shanghai, still 30 September in New York
        with freeze_time("2026-09-30 20:00:00"):
            runs = Run._cron_grade_last_quarter()
        labels = {run.company_id: run.period_label for run in runs}
        self.assertEqual((labels[self.company], labels[self.other]), ("2026 Q3", "2026 Q2"))

    def test_settings_change_their_company_only(self):
        settings = self._settings(self.other)
        settings.grading_period_months = 6
        settings.grading_stale_after_days = 30
        settings.grading_grade_insufficient_data = True
        settings.save().execute()
        self.assertEqual(
            (
                self.company.grading_period_months,
                self.company.grading_stale_after_days,
                self.company.grading_grade_insufficient_data,
            ),
            (12, 90, False),
        )
        self.assertEqual(
            (
                self.other.grading_period_months,
                self.other.grading_stale_after_days,
                self.other.grading_grade_insufficient_data,
            ),
            (6, 30, True),
        )
        Run = self.env["customer.grading.run"]
        here = Run.create({"date_to": DATE_TO})
        there = Run.with_company(self.other).create({"date_to": DATE_TO})
        self.assertEqual((here.date_from, there.date_from), (date(2025, 10, 1), date(2026, 4, 1)))
        self.assertEqual(here.scheme_id, there.scheme_id)  # still the shared scheme

        # the same value, 60 days old, is stale in one company only
        with Form(self.env["customer.grading.value"]) as form:
            form.partner_id = self.customer
            form.indicator_id = self.indicators["new_business"]
            form.value = 50
            form.date = date(2026, 8, 1)
        here_value = form.record
        there_value = here_value.copy({"company_id": self.other.id})
        with freeze_time("2026-09-30"):
            self.assertFalse(here_value.is_stale)
            self.assertTrue(there_value.is_stale)

        # without data: lowest grade in the other company only
        idle = self._customer("Idle Prospect")
        here.action_compute()
        there.action_compute()
        self.assertTrue(self._result(here, idle).is_insufficient)
        self.assertFalse(self._result(here, idle).level_id)
        self.assertEqual(self._result(there, idle).level_id.code, "D")

    def test_a_company_makes_its_own_copy_of_a_shared_scheme(self):
        here_value = self._value(self.customer, "industry_prospects", option="Good")
        there_value = here_value.copy({"company_id": self.other.id})
        settings = self._settings(self.other)
        self.assertTrue(settings.grading_scheme_is_shared)
        settings.save().action_copy_grading_scheme()

        own = self.other.grading_scheme_id
        self.assertEqual(own.company_id, self.other)
        self.assertEqual(own.total_weight, 100)
        self.assertEqual(self.company.grading_scheme_id, self.scheme)
        # weights changed in the copy leave the shared scheme alone
        twin = own.indicator_ids.filtered(lambda i: i.code == "industry_prospects")
        self.assertNotEqual(twin, self.indicators["industry_prospects"])
        own.write(
            {
                "indicator_ids": [
                    (1, twin.id, {"weight": 5}),
                    (
                        1,
                        own.indicator_ids.filtered(lambda i: i.code == "new_business").id,
                        {"weight": 15},
                    ),
                ]
            }
        )
        self.assertEqual(self.indicators["industry_prospects"].weight, 10)
        # the company's manual values follow the copy; the others stay
        self.assertEqual(there_value.indicator_id, twin)
        self.assertEqual(there_value.option_id.indicator_id, twin)
        self.assertEqual(there_value.option_id.name, "Good")
        self.assertEqual(here_value.indicator_id, self.indicators["industry_prospects"])
        run = (
            self.env["customer.grading.run"]
            .with_company(self.other)
            .create({"date_to": DATE_TO, "partner_ids": [(6, 0, self.customer.ids)]})
        )
        run.action_compute()
        line = self._result(run, self.customer).line_ids.filtered(
            lambda line: line.indicator_id == twin
        )
        self.assertEqual((line.option_id.name, line.weight), ("Good", 5))
