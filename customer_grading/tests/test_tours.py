"""The main flows as users click them, in headless Chromium (tours in
static/tests/tours/); each test prepares its data, runs the tour as a user of
the role, and checks the database afterwards."""

from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestTours(GradingCase, HttpCase):
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
