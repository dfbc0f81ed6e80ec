"""The main flows as users click them, in headless Chromium (tours in
static/tests/tours/); each test prepares its data, runs the tour as a user of
the role, and checks the database afterwards."""

from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestTours(GradingCase, HttpCase):
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
