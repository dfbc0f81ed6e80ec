"""The main flows as users click them, in headless Chromium (tours in
static/tests/tours/); each test prepares its data, runs the tour as a user of
the role, and checks the database afterwards."""

from datetime import date, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestTours(GradingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # salespeople as Odoo creates them: with Contact Creation (base.default_user),
        # without which the customer's form, hence its manual values, is read-only
        cls.salesman_1.groups_id |= cls.env.ref("base.group_partner_manager")

    def test_scheme_weights_moved_in_the_list(self):
        administrator = new_test_user(
            self.env,
            login="cg_tour_admin",
            groups="base.group_system,sales_team.group_sale_manager,"
            "customer_grading.group_customer_grading_admin",
        )
        # pricelists while the feature is off: Settings would open on a warning
        self.env["product.pricelist"].search([]).action_archive()

        self.start_tour("/odoo", "customer_grading_scheme_tour", login=administrator.login)

        weights = {code: indicator.weight for code, indicator in self.indicators.items()}
        self.assertEqual(weights["new_business"], 5)
        self.assertEqual(weights["industry_prospects"], 15)
        self.assertEqual(weights["growth_trend"], 10)  # the refused change is not saved
        self.assertEqual(self.scheme.total_weight, 100)

    def test_salesperson_reads_grading_enters_value_records_visit(self):
        scheme = self._use_manual_scheme({"Quality": 50, "Service": 30, "Potential": 20})
        quality, service, potential = scheme.indicator_ids.sorted("sequence")
        customer = self._customer("Tour Customer", user=self.salesman_1)
        self._value(customer, quality, 80)
        self._value(customer, service, 70)
        self._run(customer, date_to=date.today()).action_apply()
        self.assertEqual(customer.grading_level_id.code, "C")  # 61 points, 9 below B

        self.start_tour("/odoo", "customer_grading_customer_tour", login=self.salesman_1.login)

        value = customer.grading_value_ids.filtered(lambda v: v.indicator_id == potential)
        self.assertEqual((value.value, value.user_id), (90, self.salesman_1))
        visit = self.env["customer.grading.visit"].search([("partner_id", "=", customer.id)])
        self.assertEqual(visit.state, "done")
        self.assertEqual(visit.user_id, self.salesman_1)
        self.assertIn("next season", visit.actual_content)

    def test_run_computed_reviewed_published_appealed(self):
        self.company.grading_review_required = True
        scheme = self._use_manual_scheme({"Quality": 60, "Service": 40})
        alpha = self._customer("Tour Run Alpha", user=self.salesman_1)
        beta = self._customer("Tour Run Beta", user=self.salesman_1)
        self._customer("Tour Run Gamma", user=self.salesman_1)  # not chosen
        for indicator in scheme.indicator_ids:
            self._value(alpha, indicator, 60)
            self._value(beta, indicator, 80)

        self.start_tour("/odoo", "customer_grading_run_tour", login=self.manager.login)

        run = self.env["customer.grading.run"].search([])
        self.assertEqual(run.state, "applied")
        self.assertEqual(run.partner_ids.mapped("name"), ["Tour Run Alpha", "Tour Run Beta"])
        self.assertEqual((run.submitted_by_id, run.approved_by_id), (self.manager, self.manager))
        self.assertEqual(alpha.grading_level_id.code, "C")
        self.assertEqual(beta.grading_level_id.code, "A")  # overridden from B
        self.assertEqual(
            self._result(run, beta).override_reason, "Strategic account signed for three years."
        )

        self.start_tour("/odoo", "customer_grading_appeal_tour", login=self.salesman_1.login)

        appeal = self.env["customer.grading.appeal"].search([])
        self.assertEqual((appeal.state, appeal.partner_id), ("submitted", alpha))
        self.assertEqual((appeal.user_id, appeal.requested_level_id.code), (self.salesman_1, "B"))

        self.start_tour("/odoo", "customer_grading_appeal_decision_tour", login=self.manager.login)

        self.assertEqual((appeal.state, appeal.decided_by_id), ("accepted", self.manager))
        self.assertEqual(alpha.grading_level_id.code, "B")

    def test_grading_tab_in_simplified_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._get("customer_grading")._update_translations("zh_CN")
        salesperson = new_test_user(
            self.env,
            login="cg_tour_sales_cn",
            lang="zh_CN",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        scheme = self._use_manual_scheme({"Quality": 50, "Service": 30, "Potential": 20})
        customer = self._customer("Tour Customer CN", user=salesperson)
        quality, service, _potential = scheme.indicator_ids.sorted("sequence")
        self._value(customer, quality, 80)
        self._value(customer, service, 70)
        self._run(customer, date_to=date.today()).action_apply()
        self.assertEqual(customer.grading_level_id.code, "C")

        self.start_tour("/odoo", "customer_grading_chinese_tour", login=salesperson.login)

    def test_blacklisted_customer_order_refused(self):
        customer = self._customer("Tour Bad Payer", user=self.salesman_1)
        order = self._order(customer, date(2026, 10, 1), confirm=False)
        order.user_id = self.salesman_1
        entry = self.env["customer.grading.blacklist"].create(
            {"partner_id": customer.id, "reason": "payment_default"}
        )
        entry.with_user(self.manager).action_approve()

        self.start_tour("/odoo", "customer_grading_blacklist_tour", login=self.salesman_1.login)

        self.assertEqual(order.state, "draft")

    def test_salesperson_handles_complaint_card_and_greeting(self):
        customer = self._customer("Tour Care Customer", user=self.salesman_1)
        self.env["customer.grading.complaint.category"].create(
            {"name": "Tour Delivery", "deadline_days": 5, "escalation_days": 10}
        )
        key_person = self.env["res.partner"].create(
            {
                "name": "Tour Key Person",
                "parent_id": customer.id,
                "grading_is_key_person": True,
                "grading_card_checked_on": date.today() - timedelta(days=400),
            }
        )
        touch = self.env["customer.grading.care.touch"].create(
            {"partner_id": key_person.id, "date": date.today() + timedelta(days=2)}
        )

        self.start_tour("/odoo", "customer_grading_care_tour", login=self.salesman_1.login)

        complaint = self.env["customer.grading.complaint"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(complaint.state, "resolved")
        self.assertEqual(complaint.category_id.name, "Tour Delivery")
        self.assertEqual(complaint.date_deadline, complaint.date_received + timedelta(days=5))
        self.assertIn("Express delivery", complaint.resolution)
        self.assertEqual(key_person.grading_card_checked_on, date.today())
        self.assertFalse(key_person.grading_card_is_stale)
        self.assertEqual(touch.state, "done")
