from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, Form, new_test_user, tagged

from ..tools import credit
from .common import GradingCase

TODAY = date.today()
# the orders, customers and grades, the receivables, the uninvoiced orders and
# their lines and invoice lines, whatever the number of orders checked at once
CREDIT_FIGURES_QUERIES = 18


class TestCreditLimitRule(BaseCase):
    """Which limit an order is held to (pure function)."""

    def test_precedence(self):
        # the grade's limit, when it sets one
        self.assertEqual(credit.credit_limit(5000.0, 1000.0), 1000.0)
        # else the customer's own
        self.assertEqual(credit.credit_limit(5000.0, 0.0), 5000.0)
        # an exception keeps its own, even when the grade sets one
        self.assertEqual(credit.credit_limit(5000.0, 1000.0, is_exception=True), 5000.0)
        self.assertEqual(credit.credit_limit(0.0, 1000.0, is_exception=True), 0.0)
        # neither: no limit
        self.assertEqual(credit.credit_limit(0.0, 0.0), 0.0)
        self.assertEqual(credit.credit_limit(False, False), 0.0)

    def test_exceeded(self):
        def compare(a, b):
            return (a > b) - (a < b)

        self.assertTrue(credit.is_exceeded(1000.01, 1000.0, "block", compare))
        self.assertTrue(credit.is_exceeded(1500.0, 1000.0, "warn", compare))
        self.assertFalse(credit.is_exceeded(1000.0, 1000.0, "block", compare))  # at the limit
        self.assertFalse(credit.is_exceeded(1500.0, 1000.0, "none", compare))
        self.assertFalse(credit.is_exceeded(1500.0, 0.0, "block", compare))


@tagged("post_install", "-at_install")
class TestCreditPolicy(GradingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Credit Trading", user=cls.salesman_1)
        cls.contact = cls.env["res.partner"].create(
            {"name": "Credit Buyer", "parent_id": cls.customer.id}
        )
        # a grading manager who works in sales and may open every order
        cls.releaser = new_test_user(
            cls.env,
            login="cg_credit_manager",
            name="Credit Manager",
            groups="sales_team.group_sale_salesman_all_leads,"
            "customer_grading.group_customer_grading_manager",
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Credit product",
                "list_price": 1.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )

    # --- helpers ---------------------------------------------------------

    @classmethod
    def _grade(cls, partner, code, company=None):
        partner = partner.sudo().with_company(company or cls.company)
        partner.grading_level_id = cls.levels[code] if code else False

    @classmethod
    def _limit(cls, code, amount, company=None):
        cls.levels[code].with_company(company or cls.company).credit_limit = amount

    def _quotation(self, price, partner=None, company=None, user=None):
        company = company or self.company
        Order = self.env["sale.order"].with_company(company)
        if user:
            Order = Order.with_user(user)
        return Order.create(
            {
                "partner_id": (partner or self.customer).id,
                "company_id": company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1,
                            "price_unit": price,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )

    def _confirmed(self, price, partner=None, company=None):
        order = self._quotation(price, partner=partner, company=company)
        order.action_confirm()
        return order

    def _release(self, order, reason="Paid in advance by wire transfer."):
        action = order.with_user(self.releaser).action_grading_release_credit()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.releaser)
            # the class runs without tracking; the release is tracked in use
            .with_context(**action["context"], tracking_disable=False, mail_notrack=False)
            .create({"reason": reason})
        )
        wizard.action_confirm()

    def _figures(self, order):
        order.invalidate_recordset()
        return (
            order.grading_credit_exposure,
            order.grading_credit_limit,
            order.grading_order_action,
            order.grading_credit_exceeded,
        )

    # --- warn ------------------------------------------------------------

    def test_warn_shows_the_figures_and_confirms(self):
        self._grade(self.customer, "A")  # warns
        self._limit("A", 1000.0)
        self._invoice(self.customer, 800.0, TODAY)  # open, unpaid
        order = self._quotation(500.0, user=self.salesman_1)
        salesperson = self.salesman_1
        self.assertFalse(salesperson.has_group("account.group_account_invoice"))
        self.assertFalse(salesperson.has_group("account.group_account_readonly"))

        as_salesperson = order.with_user(salesperson)
        self.assertEqual(self._figures(as_salesperson), (1300.0, 1000.0, "warn", True))
        with Form(as_salesperson) as form:  # the quotation form opens with its banner
            self.assertTrue(form.grading_credit_exceeded)

        as_salesperson.action_confirm()
        self.assertEqual(order.state, "sale")
        notes = order.message_ids.filtered(lambda m: "above the credit limit" in str(m.body))
        self.assertEqual(len(notes), 1)
        self.assertIn("1,300.00", str(notes.body))
        self.assertIn("1,000.00", str(notes.body))

    def test_within_the_limit_nothing_happens(self):
        self._grade(self.customer, "D")  # blocks
        self._limit("D", 1000.0)
        order = self._quotation(1000.0)  # at the limit, not above
        self.assertEqual(self._figures(order), (1000.0, 1000.0, "block", False))
        order.with_user(self.salesman_1).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(
            order.message_ids.filtered(lambda m: "above the credit limit" in str(m.body))
        )

    # --- block -----------------------------------------------------------

    def test_block_refuses_every_entry_point(self):
        self._grade(self.customer, "D")
        self._limit("D", 1000.0)
        order = self._quotation(1500.0, user=self.salesman_1)
        as_salesperson = order.with_user(self.salesman_1)  # as an RPC call runs
        self.assertEqual(self._figures(as_salesperson), (1500.0, 1000.0, "block", True))
        message = "Credit Trading.*1,500.00.*1,000.00"
        with self.assertRefused(ValidationError, message):
            as_salesperson.action_confirm()
        with self.assertRefused(ValidationError, message):
            as_salesperson.write({"state": "sale"})
        with self.assertRefused(ValidationError, "above its credit limit"):
            self._quotation(1500.0, partner=self.contact).action_confirm()
        with self.assertRefused(ValidationError, "above its credit limit"):
            self.env["sale.order"].with_user(self.salesman_1).create(
                {
                    "partner_id": self.customer.id,
                    "state": "sale",
                    "order_line": [
                        Command.create({"product_id": self.product.id, "price_unit": 1500.0})
                    ],
                }
            )
        self.assertEqual(order.state, "draft")
        imported = self.env["sale.order"].load(
            ["partner_id/.id", "state", "order_line/product_id/.id", "order_line/price_unit"],
            [[str(self.customer.id), "sale", str(self.product.id), "1500"]],
        )
        self.assertFalse(imported["ids"])
        self.assertIn("above its credit limit", imported["messages"][0]["message"])

    def test_release_by_a_grading_manager(self):
        self._grade(self.customer, "D")
        self._limit("D", 1000.0)
        order = self._quotation(1500.0, user=self.salesman_1)
        as_salesperson = order.with_user(self.salesman_1)
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_salesperson.action_grading_release_credit()
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_salesperson.write({"grading_credit_released_by_id": self.releaser.id})
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_salesperson.write({"grading_credit_release_reason": "I say so"})
        with self.assertRefused(UserError, "reason"):
            self._release(order, reason="  ")
        self.assertFalse(order.grading_credit_released_by_id)

        self._release(order)
        self.assertEqual(order.grading_credit_released_by_id, self.releaser)
        self.assertTrue(order.grading_credit_release_date)
        self.assertEqual(order.grading_credit_release_reason, "Paid in advance by wire transfer.")
        self.env.cr.precommit.run()  # tracking is written when the transaction ends
        tracked = order.sudo().message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("grading_credit_released_by_id", tracked)
        self.assertIn("grading_credit_release_reason", tracked)
        # salespeople read who released it
        self.assertEqual(as_salesperson.grading_credit_released_by_id, self.releaser)

        as_salesperson.action_confirm()
        self.assertEqual(order.state, "sale")

        # a duplicate does not carry the release: Odoo's warning is bypassed that way
        duplicate = as_salesperson.copy()
        self.assertFalse(duplicate.grading_credit_released_by_id)
        self.assertFalse(duplicate.grading_credit_release_reason)
        with self.assertRefused(ValidationError, "above its credit limit"):
            duplicate.action_confirm()
        self.assertEqual(duplicate.state, "draft")

    def test_release_needs_read_access_to_the_order(self):
        """A grading manager without sales rights cannot release what they cannot open."""
        self._grade(self.customer, "D")
        self._limit("D", 1000.0)
        order = self._quotation(1500.0)
        with self.assertRaises(AccessError):
            order.with_user(self.manager).action_grading_release_credit()

    # --- exposure --------------------------------------------------------

    def test_exposure_counts_receivables_uninvoiced_orders_and_contacts(self):
        self._grade(self.customer, "A")
        self._limit("A", 100000.0)
        other = self.setup_other_company(name="Grading Co 2")["company"]
        stranger = self._customer("Other Customer")

        self._invoice(self.customer, 800.0, TODAY)  # open: 800
        self._invoice(self.contact, 200.0, TODAY)  # the contact's: 200
        self._invoice(self.customer, 5000.0, TODAY, post=False)  # draft: not owed
        self._pay(self._invoice(self.customer, 300.0, TODAY), TODAY)  # paid
        self._pay(self._invoice(self.customer, 1000.0, TODAY), TODAY, amount=400.0)  # 600 left
        self._invoice(self.customer, 400.0, TODAY, move_type="out_refund")  # credit note: -400
        self._invoice(self.customer, 7000.0, TODAY, company=other)  # another company
        self._invoice(stranger, 7000.0, TODAY)  # another customer
        self._confirmed(1000.0)  # confirmed, not invoiced: 1000
        self._confirmed(700.0, partner=self.contact)  # the contact's: 700
        invoiced = self._confirmed(900.0)  # confirmed and invoiced: in the receivables
        invoiced._create_invoices().action_post()  # 900
        self._quotation(9000.0)  # a quotation owes nothing
        self._confirmed(9000.0, company=other)  # another company
        order = self._quotation(500.0)  # the order itself: 500

        exposure = 800 + 200 + 600 - 400 + 900 + 1000 + 700 + 500
        self.assertEqual(self._figures(order)[0], exposure)
        self.company.grading_credit_count_uninvoiced_orders = False
        self.assertEqual(self._figures(order)[0], exposure - 1000 - 700)

    def test_confirming_several_orders_counts_each_other(self):
        self._grade(self.customer, "D")
        self._limit("D", 1000.0)
        first, second = self._quotation(600.0), self._quotation(600.0)
        self.assertFalse(self._figures(first)[3])
        with self.assertRefused(ValidationError, "above its credit limit"):
            (first | second).action_confirm()
        first.action_confirm()
        with self.assertRefused(ValidationError, "1,200.00"):
            second.action_confirm()

    # --- no limit, no action ---------------------------------------------

    def test_no_limit_or_no_action_checks_nothing(self):
        self._grade(self.customer, "D")
        self._limit("D", 0.0)  # the grade sets no limit, the customer has none
        self._quotation(1500.0).action_confirm()

        self._grade(self.customer, "B")
        self._limit("B", 100.0)
        self.levels["B"].order_action = "none"
        order = self._quotation(1500.0)
        self.assertEqual(self._figures(order)[2:], ("none", False))
        order.action_confirm()

        self._grade(self.customer, False)  # ungraded: no action, whatever its own limit
        self.customer.sudo().with_company(self.company).credit_limit = 100.0
        order = self._quotation(1500.0)
        self.assertFalse(self._figures(order)[3])
        order.action_confirm()

    def test_the_grade_limit_prevails_else_the_customers_own(self):
        self._grade(self.customer, "D")
        customer = self.customer.sudo().with_company(self.company)
        customer.credit_limit = 5000.0
        self._limit("D", 1000.0)
        order = self._quotation(1500.0)
        self.assertEqual(self._figures(order)[1:], (1000.0, "block", True))
        self._limit("D", 0.0)  # no grade limit: the customer's own
        self.assertEqual(self._figures(order)[1:], (5000.0, "block", False))
        customer.credit_limit = 1200.0
        self.assertEqual(self._figures(order)[1:], (1200.0, "block", True))
        with self.assertRefused(ValidationError, "1,200.00"):
            order.action_confirm()

    def test_policy_exception_keeps_its_own_limit(self):
        self._grade(self.customer, "D")
        self._limit("D", 1000.0)
        customer = self.customer.sudo().with_company(self.company)
        customer.write({"credit_limit": 5000.0, "grading_policy_exception": True})
        order = self._quotation(1500.0)
        self.assertEqual(self._figures(order)[1:], (5000.0, "block", False))
        order.action_confirm()

    # --- companies -------------------------------------------------------

    def test_each_company_its_grade_and_limit(self):
        other = self.setup_other_company(name="Grading Co 2")["company"]
        other.grading_scheme_id = self.scheme
        self._grade(self.customer, "A", company=self.company)  # warns, 10,000 here
        self._grade(self.customer, "D", company=other)  # blocks, 1,000 there
        self._limit("A", 10000.0)
        self._limit("D", 1000.0, company=other)
        self._invoice(self.customer, 5000.0, TODAY)  # owed here only

        here = self._quotation(1500.0)
        there = self._quotation(1500.0, company=other)
        # the order's company decides, whichever is current
        self.assertEqual(self._figures(here.with_company(other)), (6500.0, 10000.0, "warn", False))
        self.assertEqual(
            self._figures(there.with_company(self.company)), (1500.0, 1000.0, "block", True)
        )
        here.action_confirm()
        with self.assertRefused(ValidationError, "above its credit limit"):
            there.action_confirm()

    # --- queries -------------------------------------------------------------

    def _count_queries(self, orders):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        orders.mapped("grading_credit_exposure")
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_the_orders(self):
        self._limit("A", 100000.0)
        orders = self.env["sale.order"]
        for index in range(10):
            customer = self._customer(f"Customer {index}")
            self._grade(customer, "A")
            self._invoice(customer, 100.0, TODAY)
            self._confirmed(200.0, partner=customer)
            orders |= self._quotation(300.0, partner=customer)
        self.assertEqual(self._figures(orders[0])[0], 600.0)
        small, large = self._count_queries(orders[:2]), self._count_queries(orders)
        self.assertEqual(small, large)
        self.assertLessEqual(large, CREDIT_FIGURES_QUERIES)
