from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestSecurity(GradingCase):
    """Who sees and changes what."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls._customer("Mine Ltd", user=cls.salesman_1)
        cls.theirs = cls._customer("Theirs Ltd", user=cls.salesman_2)
        cls._invoice(cls.mine, 1000, date(2026, 1, 10))
        cls._invoice(cls.theirs, 2000, date(2026, 1, 10))
        cls.value_theirs = cls._value(cls.theirs, "new_business", 50)
        run = cls.env["customer.grading.run"].create({"date_to": DATE_TO})
        run.action_compute()
        run.action_apply()
        cls.grading_run = run

    def test_salesperson_sees_own_breakdown_only(self):
        Result = self.env["customer.grading.result"].with_user(self.salesman_1)
        self.assertEqual(Result.search([]).partner_id, self.mine)
        theirs = self.grading_run.result_ids.filtered(lambda r: r.partner_id == self.theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_1).line_ids.mapped("score")
        with self.assertRaises(AccessError):
            theirs.line_ids.with_user(self.salesman_1).read(["score"])
        Lines = self.env["customer.grading.result.line"].with_user(self.salesman_1)
        self.assertEqual(Lines.search([]).partner_id, self.mine)
        Dimensions = self.env["customer.grading.result.dimension"].with_user(self.salesman_1)
        self.assertEqual(Dimensions.search([]).partner_id, self.mine)

    def test_salesperson_sees_grade_but_not_details_on_form(self):
        theirs = self.theirs.with_user(self.salesman_1)
        self.assertTrue(theirs.grading_level_id)
        self.assertFalse(theirs.grading_can_see_details)
        self.assertFalse(theirs.grading_line_ids)
        self.assertFalse(theirs.grading_history_ids)
        mine = self.mine.with_user(self.salesman_1)
        self.assertTrue(mine.grading_can_see_details)
        self.assertEqual(len(mine.grading_line_ids), 12)
        self.assertEqual(len(mine.grading_history_ids), 1)

    def test_salesperson_manual_values(self):
        Value = self.env["customer.grading.value"].with_user(self.salesman_1)
        self.assertFalse(Value.search([("partner_id", "=", self.theirs.id)]))
        with self.assertRaises(AccessError):
            self.value_theirs.with_user(self.salesman_1).value = 10
        with self.assertRaises(AccessError):
            Value.create(
                {
                    "partner_id": self.theirs.id,
                    "indicator_id": self.indicators["financial_condition"].id,
                    "value": 10,
                }
            )
        mine = Value.create(
            {
                "partner_id": self.mine.id,
                "indicator_id": self.indicators["financial_condition"].id,
                "value": 10,
            }
        )
        mine.value = 20
        self.assertEqual(self.value_theirs.value, 50)

    def test_salesperson_cannot_change_the_scheme(self):
        with self.assertRaises(AccessError):
            self.indicators["new_business"].with_user(self.salesman_1).weight = 10
        with self.assertRaises(AccessError):
            self.levels["A"].with_user(self.salesman_1).min_score = 80
        with self.assertRaises(AccessError):
            self.scheme.with_user(self.salesman_1).name = "Mine"
        with self.assertRaises(AccessError):
            self.scheme.with_user(self.manager).name = "Mine"
        self.assertEqual(self.levels["A"].min_score, 85)
        self.scheme.with_user(self.admin).name = "Ours"
        self.assertEqual(self.scheme.name, "Ours")

    def test_salesperson_cannot_run_grading(self):
        with self.assertRaises(AccessError):
            self.env["customer.grading.run"].with_user(self.salesman_1).create(
                {
                    "date_to": "2026-06-30",
                }
            )
        with self.assertRaises(AccessError):
            self.grading_run.with_user(self.salesman_1).action_compute()
        with self.assertRaises(AccessError):
            self.mine.with_user(self.salesman_1).action_grading_regrade()
        self.assertEqual(self.grading_run.state, "applied")

    def test_manager_sees_all_customers(self):
        Result = self.env["customer.grading.result"].with_user(self.manager)
        self.assertEqual(Result.search([]).partner_id, self.mine | self.theirs)
        Value = self.env["customer.grading.value"].with_user(self.manager)
        self.assertEqual(Value.search([]), self.value_theirs)

    def test_other_company_results_hidden(self):
        other = self.setup_other_company(name="Hidden Co")["company"]
        other.grading_scheme_id = self.scheme
        run = self.env["customer.grading.run"].create({"company_id": other.id, "date_to": DATE_TO})
        run.action_compute()
        self.manager.company_ids = self.company
        Result = self.env["customer.grading.result"].with_user(self.manager)
        self.assertNotIn(run, Result.search([]).run_id)
        with self.assertRaises(AccessError):
            run.with_user(self.manager).read(["state"])

    def test_user_without_grading_group_sees_no_grade(self):
        outsider = new_test_user(self.env, login="cg_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.mine.with_user(outsider).read(["grading_level_id"])
        with self.assertRaises(AccessError):
            self.env["customer.grading.result"].with_user(outsider).search([])
