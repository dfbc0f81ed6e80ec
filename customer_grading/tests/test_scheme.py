from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestScheme(GradingCase):
    """The shipped schemes, and the configuration refusals."""

    def test_standard_scheme(self):
        self.assertEqual(len(self.scheme.dimension_ids), 4)
        self.assertEqual(len(self.scheme.indicator_ids), 12)
        self.assertEqual(self.scheme.total_weight, 100)
        self.assertEqual(
            self.scheme.dimension_ids.sorted("sequence").mapped("weight"), [50, 30, 15, 5]
        )
        self.assertEqual(
            self.scheme.indicator_ids.sorted("sequence").mapped("weight"),
            [30, 10, 10, 10, 10, 10, 5, 5, 5, 2, 2, 1],
        )
        self.assertEqual(
            [(level.code, level.min_score) for level in self.scheme.level_ids],
            [("A", 85), ("B", 70), ("C", 55), ("D", 0)],
        )
        self.assertEqual(
            set(self.indicators),
            {
                "annual_amount",
                "purchase_frequency",
                "profit_contribution",
                "industry_prospects",
                "growth_trend",
                "new_business",
                "credit_rating",
                "payment_record",
                "financial_condition",
                "repeat_purchase",
                "recommendation",
                "brand_recognition",
            },
        )

    def test_simplified_preset_from_settings(self):
        self.sysadmin = new_test_user(
            self.env,
            login="cg_sysadmin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        simplified = self.env.ref("customer_grading.scheme_simplified")
        settings = Form(self.env["res.config.settings"].with_user(self.sysadmin))
        settings.grading_scheme_id = simplified
        settings.save().execute()
        self.assertEqual(self.company.grading_scheme_id, simplified)
        self.assertEqual(simplified.level_ids.mapped("code"), ["A", "B", "C"])
        self.assertEqual(simplified.level_ids.mapped("min_score"), [85, 60, 0])
        self.assertEqual(simplified.total_weight, 100)
        run = self.env["customer.grading.run"].create({"date_to": "2026-09-30"})
        self.assertEqual(run.scheme_id, simplified)

    def test_weight_total_refused_on_indicator(self):
        with self.assertRefused(ValidationError, "total 105"):
            self.indicators["new_business"].weight = 15
        self.assertEqual(self.indicators["new_business"].weight, 10)

    def test_weights_rebalanced_in_one_scheme_write(self):
        self.scheme.write(
            {
                "indicator_ids": [
                    Command.update(self.indicators["new_business"].id, {"weight": 5}),
                    Command.update(self.indicators["industry_prospects"].id, {"weight": 15}),
                ]
            }
        )
        self.assertEqual(self.indicators["industry_prospects"].weight, 15)
        with self.assertRefused(ValidationError, "total 97"):
            self.scheme.write(
                {
                    "indicator_ids": [
                        Command.update(self.indicators["new_business"].id, {"weight": 0}),
                        Command.update(self.indicators["industry_prospects"].id, {"weight": 20}),
                        Command.update(self.indicators["recommendation"].id, {"weight": 0}),
                        Command.update(self.indicators["brand_recognition"].id, {"weight": 0}),
                    ]
                }
            )
        self.assertEqual(self.indicators["recommendation"].weight, 2)

    def test_weights_edited_line_by_line_in_the_form(self):
        with Form(self.scheme.with_user(self.admin)) as form:
            for index in range(len(form.indicator_ids)):
                with form.indicator_ids.edit(index) as line:
                    if line.code == "new_business":
                        line.weight = 0
                    elif line.code == "growth_trend":
                        line.weight = 20
        self.assertEqual(self.indicators["growth_trend"].weight, 20)
        self.assertEqual(self.indicators["new_business"].weight, 0)

    def test_weights_total_refused_on_save_of_the_form(self):
        """The list edits the lines in place; the scheme's save checks the total."""
        form = Form(self.scheme.with_user(self.admin))
        for index in range(len(form.indicator_ids)):
            with form.indicator_ids.edit(index) as line:
                if line.code == "growth_trend":
                    line.weight = 12
        with self.assertRefused(ValidationError, "total 102.*must total exactly 100"):
            form.save()
        self.assertEqual(self.indicators["growth_trend"].weight, 10)

    def test_zero_weight_switches_indicator_off(self):
        self.scheme.write(
            {
                "indicator_ids": [
                    Command.update(self.indicators["brand_recognition"].id, {"weight": 0}),
                    Command.update(self.indicators["recommendation"].id, {"weight": 3}),
                ]
            }
        )
        partner = self._customer("Switched off")
        self._value(partner, "brand_recognition", 100)
        run = self._run(partner)
        self.assertFalse(self._line(run, partner, "brand_recognition"))
        self.assertEqual(len(self._result(run, partner).line_ids), 11)

    def test_removing_an_indicator_refused_when_total_breaks(self):
        with self.assertRefused(ValidationError, "total 99"):
            self.indicators["brand_recognition"].unlink()
        self.assertTrue(self.indicators["brand_recognition"].exists())

    def test_archiving_an_indicator_counts_only_active_weights(self):
        with self.assertRefused(ValidationError, "total 99"):
            self.indicators["brand_recognition"].active = False
        self.scheme.write(
            {
                "indicator_ids": [
                    Command.update(self.indicators["brand_recognition"].id, {"active": False}),
                    Command.update(self.indicators["recommendation"].id, {"weight": 3}),
                ]
            }
        )
        self.assertNotIn(self.indicators["brand_recognition"], self.scheme.indicator_ids)

    def test_thresholds_must_be_strictly_ordered(self):
        with self.assertRefused(ValidationError, "not strictly ordered"):
            self.levels["B"].min_score = 90
        self.assertEqual(self.levels["B"].min_score, 70)
        with self.assertRefused(ValidationError, "not strictly ordered"):
            self.levels["C"].min_score = 70
        with self.assertRefused(ValidationError, "not strictly ordered"):
            self.scheme.write(
                {
                    "level_ids": [
                        Command.create({"code": "E", "name": "E", "sequence": 5, "min_score": 55}),
                    ]
                }
            )
        # moved together in one save, the order holds
        self.scheme.write(
            {
                "level_ids": [
                    Command.update(self.levels["A"].id, {"min_score": 90}),
                    Command.update(self.levels["B"].id, {"min_score": 80}),
                ]
            }
        )
        self.assertEqual(self.levels["B"].min_score, 80)

    def test_threshold_out_of_range(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.levels["A"].min_score = 120
            self.env.flush_all()

    def test_bands_must_be_ordered(self):
        indicator = self.indicators["purchase_frequency"]
        with self.assertRefused(ValidationError, "not ordered"):
            indicator.band_ids.sorted("sequence")[1].threshold = 20
        with self.assertRefused(ValidationError, "not ordered"):
            indicator.write(
                {
                    "band_ids": [
                        Command.create({"sequence": 99, "threshold": 5, "score": 90}),
                    ]
                }
            )
        indicator.write(
            {
                "band_ids": [
                    Command.create({"sequence": 99, "threshold": 24, "score": 100}),
                ]
            }
        )
        self.assertEqual(indicator._score(30), 100)

    def test_linear_bounds_must_differ(self):
        with self.assertRefused(ValidationError, "two different values"):
            self.indicators["growth_trend"].linear_max = -50

    def test_automatic_indicator_needs_a_measure(self):
        with self.assertRefused(ValidationError, "needs a measure"):
            self.indicators["new_business"].source = "auto"

    def test_code_unique_in_scheme(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.indicators["new_business"].code = "annual_amount"
            self.env.flush_all()

    def test_run_refused_without_active_indicator(self):
        # a scheme saved with a name only, before its indicators are added
        scheme = self.env["customer.grading.scheme"].create(
            {
                "name": "Empty",
                "company_id": self.company.id,
            }
        )
        self.company.grading_scheme_id = scheme
        run = self.env["customer.grading.run"].create({"date_to": "2026-09-30"})
        with self.assertRefused(ValidationError, "no active indicator"):
            run.action_compute()
        self.assertEqual(run.state, "draft")
        self.assertFalse(run.result_ids)

    def test_copy_keeps_dimensions_and_weights(self):
        copy = self.scheme.copy({"company_id": self.company.id})
        self.assertEqual(copy.total_weight, 100)
        self.assertEqual(len(copy.indicator_ids), 12)
        self.assertEqual(copy.indicator_ids.dimension_id, copy.dimension_ids)
        self.assertEqual(copy.indicator_ids.dimension_id.scheme_id, copy)
        self.assertEqual(len(copy.level_ids), 4)
        bands = copy.indicator_ids.filtered(lambda i: i.code == "purchase_frequency").band_ids
        self.assertEqual(len(bands), 5)

    def test_runs_per_period_unique(self):
        self.env["customer.grading.run"].create({"date_to": "2026-09-30"})
        with self.assertRefused(UserError, "already has a grading run for 2026 Q3"):
            self.env["customer.grading.run"].create({"date_to": "2026-09-15"})
