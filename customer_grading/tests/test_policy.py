from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestPolicy(GradingCase):
    """Publication gives the customers the payment terms, credit limit and
    pricelist of their grade, in the run's company, where the company applies
    grade policies; exceptions and empty policy fields are left alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.grading_apply_policies = True
        cls.scheme = cls._use_manual_scheme({"quality": 100})
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.indicator = cls.scheme.indicator_ids
        cls.term_45 = cls.env["account.payment.term"].create(
            {
                "name": "45 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 45})
                ],
            }
        )
        cls.pricelist = cls.env["product.pricelist"].create({"name": "Key accounts"})
        cls.levels["A"].with_company(cls.company).write(
            {
                "payment_term_id": cls.term_45.id,
                "credit_limit": 50000,
                "pricelist_id": cls.pricelist.id,
            }
        )
        cls.levels["B"].with_company(cls.company).credit_limit = 20000
        cls.key = cls._customer("Key Account", user=cls.salesman_1)
        cls.good = cls._customer("Good Customer", user=cls.salesman_1)
        cls.plain = cls._customer("Plain Customer", user=cls.salesman_2)
        for partner, score in ((cls.key, 90), (cls.good, 75), (cls.plain, 60)):
            cls._value(partner, cls.indicator, score)

    def _terms(self, partner, company=None):
        partner = partner.sudo().with_company(company or self.company)
        return (
            partner.property_payment_term_id,
            partner.credit_limit,
            partner.specific_property_product_pricelist,
        )

    def test_policy_applied_on_publication(self):
        buyer = self.env["res.partner"].create({"name": "Key Buyer", "parent_id": self.key.id})
        run = self._run()
        run.action_apply()
        self.assertEqual(self._terms(self.key), (self.term_45, 50000, self.pricelist))
        self.assertEqual(self._terms(buyer), (self.term_45, 50000, self.pricelist))  # contacts too
        # what the grade leaves empty stays the customer's own
        self.assertEqual(self._terms(self.good), (self.term_30, 20000, self.pricelist.browse()))
        self.assertEqual(self._terms(self.plain), (self.term_30, 0, self.pricelist.browse()))
        self.assertEqual(
            self._result(run, self.key).policy_note,
            "Payment terms: 30 days → 45 days\nCredit limit: - → $\xa050,000.00\n"
            "Pricelist: - → Key accounts (USD)",
        )
        self.assertEqual(
            self._result(run, self.good).policy_note, "Credit limit: - → $\xa020,000.00"
        )
        self.assertFalse(self._result(run, self.plain).policy_note)
        # published again: the terms are the grade's already, nothing is written
        again = self._run()
        again.action_apply()
        self.assertFalse(again.result_ids.filtered("policy_note"))
        self.assertEqual(self._terms(self.key), (self.term_45, 50000, self.pricelist))
        # nothing of it in the customer's chatter, read by every employee
        self.assertNotIn("45 days", " ".join(self.key.sudo().message_ids.mapped("body")))

    def test_exception_keeps_its_own_terms(self):
        with self.assertRefused(AccessError, "Only a grading manager marks grade policy"):
            self.key.with_user(self.salesman_1).grading_policy_exception = True
        self.key.with_user(self.manager).write(
            {
                "grading_policy_exception": True,
                "grading_policy_exception_reason": "Framework agreement terms",
            }
        )
        self._run().action_apply()
        self.assertEqual(self._terms(self.key), (self.term_30, 0, self.pricelist.browse()))
        self.assertEqual(self.key.grading_level_id.code, "A")

    def test_exception_decided_from_the_customer_form(self):
        with self.assertRefused(AccessError, "Only a grading manager marks grade policy"):
            self.key.with_user(self.salesman_1).action_grading_policy_exception()
        self.assertFalse(self.manager.has_group("base.group_partner_manager"))

        def decide(is_exception, reason=False):
            action = self.key.with_user(self.manager).action_grading_policy_exception()
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.manager)
                .with_context(**action["context"])
                .create({"is_exception": is_exception, "reason": reason})
            )
            wizard.action_confirm()

        decide(True, "Framework agreement terms")
        customer = self.key.with_company(self.company)
        self.assertTrue(customer.grading_policy_exception)
        self.assertEqual(customer.grading_policy_exception_reason, "Framework agreement terms")
        self._run().action_apply()
        self.assertEqual(self._terms(self.key), (self.term_30, 0, self.pricelist.browse()))
        decide(False, "ignored")
        customer.invalidate_recordset()
        self.assertFalse(customer.grading_policy_exception)
        self.assertFalse(customer.grading_policy_exception_reason)

    def test_nothing_applied_unless_the_company_asks(self):
        self.company.grading_apply_policies = False
        self._run().action_apply()
        self.assertEqual(self._terms(self.key), (self.term_30, 0, self.pricelist.browse()))

    def test_per_company(self):
        other = self.setup_other_company(name="Policy Co 2")["company"]
        other.write(
            {
                "grading_apply_policies": True,
                "grading_review_required": False,
                "grading_scheme_id": self.scheme.id,
            }
        )
        self.scheme.company_id = False  # shared by both companies
        self.levels["A"].with_company(other).credit_limit = 90000
        value = self.key.grading_value_ids
        value.copy({"company_id": other.id})
        self._run().action_apply()
        self.env["customer.grading.run"].with_company(other).create(
            {"date_to": DATE_TO, "company_id": other.id}
        ).action_compute()
        run_other = self.env["customer.grading.run"].search(
            [("company_id", "=", other.id)], limit=1
        )
        run_other.action_apply()
        self.assertEqual(self._terms(self.key)[1], 50000)
        self.assertEqual(self._terms(self.key, other)[1], 90000)
        self.assertFalse(self._terms(self.key, other)[0])  # none set in the other company

    def test_only_administrators_change_policies(self):
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.levels["A"].with_user(self.manager).credit_limit = 1
        self.levels["A"].with_user(self.admin).with_company(self.company).credit_limit = 60000
        self.assertEqual(self.levels["A"].with_company(self.company).credit_limit, 60000)

    def test_publication_queries_do_not_grow_with_customers(self):
        def publish_queries(count):
            customers = self.env["res.partner"]
            for index in range(count):
                customer = self._customer(f"Policy {count} {index}", user=self.salesman_1)
                self._value(customer, self.indicator, 90 if index % 2 else 75)
                customers |= customer
            run = self.env["customer.grading.run"].create(
                {"date_to": DATE_TO, "partner_ids": [Command.set(customers.ids)]}
            )
            run.action_compute()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            run.action_apply()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        publish_queries(2)  # warm-up
        self.assertEqual(publish_queries(4), publish_queries(16))


@tagged("post_install", "-at_install")
class TestServiceMeasures(GradingCase):
    def test_shown_on_the_customer_and_its_visits(self):
        customer = self._customer("Measured", user=self.salesman_1)
        customer.sudo().with_company(self.company).grading_level_id = self.levels["A"]
        self.assertIn("Dedicated service team", customer.grading_service_measures)
        visit = (
            self.env["customer.grading.visit"]
            .with_user(self.salesman_1)
            .create({"partner_id": customer.id, "visit_date": "2026-11-10 09:00:00"})
        )
        self.assertIn("Dedicated service team", visit.grading_service_measures)


@tagged("post_install", "-at_install")
class TestDemotion(GradingCase):
    """A grade asking for two periods below its threshold before a demotion
    keeps the customer for one period, then lets it go down."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheme = cls._use_manual_scheme({"quality": 100})
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.levels["B"].demotion_periods = 2
        cls.customer = cls._customer("Wavering Buyer", user=cls.salesman_1)
        cls.value = cls._value(cls.customer, cls.scheme.indicator_ids, 75)  # B

    def _published(self, date_to, score):
        self.value.value = score
        run = self._run(date_to=date_to)
        run.action_apply()
        return self._result(run, self.customer)

    def test_demotion_held_for_the_grade_periods(self):
        self.assertEqual(self._published("2026-03-31", 75).level_id.code, "B")
        held = self._published("2026-06-30", 60)  # below B once: kept
        self.assertEqual(
            (held.level_id.code, held.computed_level_id.code, held.demotion_held, held.trend),
            ("B", "C", True, "same"),
        )
        self.assertEqual(self.customer.grading_level_id.code, "B")
        down = self._published("2026-09-30", 60)  # below B twice in a row: down
        self.assertEqual((down.level_id.code, down.demotion_held, down.trend), ("C", False, "down"))

    def test_a_period_back_above_restarts_the_count(self):
        self._published("2026-03-31", 75)
        self._published("2026-06-30", 60)  # held
        self._published("2026-09-30", 80)  # back above B's threshold
        held = self._published("2026-12-31", 60)
        self.assertEqual((held.level_id.code, held.demotion_held), ("B", True))

    def test_upgrades_and_one_period_grades_are_not_held(self):
        self._published("2026-03-31", 60)  # C, whose demotion needs one period
        self.assertEqual(self._published("2026-06-30", 40).level_id.code, "D")
        self.assertEqual(self._published("2026-09-30", 90).level_id.code, "A")
