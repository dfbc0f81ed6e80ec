import html as html_lib
import re
import shutil
import unittest
from datetime import date, timedelta

from odoo import SUPERUSER_ID, Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DATE_TO, GradingCase

REPORT = "customer_grading.action_report_customer_evaluation"
DOCUMENT = "customer_grading.report_customer_evaluation_document"


class EvaluationFormCase(GradingCase):
    def _render(self, results, user=None):
        self.env.invalidate_all()  # a new request: nothing read yet
        Report = self.env["ir.actions.report"].with_user(user or self.salesman_1)
        html, report_type = Report._render_qweb_html(REPORT, results.ids)
        self.assertEqual(report_type, "html")
        return html.decode()

    def _text(self, html):
        """The visible text of ``html``, one space between words."""
        return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


@tagged("post_install", "-at_install")
class TestEvaluationForm(EvaluationFormCase):
    """The printed customer evaluation form (附表1 客户评估表)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Evaluated Trading", user=cls.salesman_1, ref="C-0042")
        cls._value(cls.customer, "industry_prospects", option="Good")
        cls._value(cls.customer, "new_business", 60)
        cls._invoice(cls.customer, 5000, date(2026, 3, 10))
        cls.other = cls._customer("Colleague's Customer", user=cls.salesman_2)
        cls._value(cls.other, "new_business", 40)
        cls.grading_run = cls.env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set((cls.customer | cls.other).ids)]}
        )
        cls.grading_run.action_compute()
        cls.grading_run.action_apply()
        cls.result = cls.grading_run.result_ids.filtered(lambda r: r.partner_id == cls.customer)
        cls.other_result = cls.grading_run.result_ids - cls.result

    def test_form_holds_the_evaluation(self):
        html = self._render(self.result)
        text = self._text(html)
        result = self.result
        for expected in (
            "Customer Evaluation Form",
            "Evaluated Trading",
            "C-0042",
            self.salesman_1.name,
            result.period_label,
            self.scheme.name,
            # the dimensions and their indicators
            "Value contribution",
            "Cooperation potential",
            "Credit",
            "Loyalty",
            "Annual purchase amount",
            "Industry prospects",
            "New-business possibility",
            "Brand and product recognition",
            # the scoring standards, in words
            "Percentile rank among the graded customers, highest value best",
            "0 orders → 0; 1 orders → 30; 3 orders → 60; 6 orders → 80; 12 orders → 100",
            "Excellent: 100; Good: 80; Fair: 60; Poor: 40",
            "-50 % scores 0, 50 % scores 100",
            "The value is the score (0 to 100)",
            "Without data: 50",
            # the columns of the paper form
            "Indicator",
            "Scoring Standard",
            "Weight",
            "Value",
            "Score",
            "Points",
            # the grade and what it brings
            result.level_id.code,
            result.level_id.name,
            "Service Measures",
            result.level_id.service_measures,
            # who evaluated and approves, and where they sign
            "Evaluator",
            "Approver",
            "Signature",
            self.env.user.name,  # who started the run
        ):
            self.assertIn(expected, text)
        # the manual level chosen and the manual value entered
        industry = self._line(self.grading_run, self.customer, "industry_prospects")
        self.assertEqual(industry.option_id.name, "Good")
        self.assertRegex(text, r"Industry prospects .*? Good 80\.00 8\.00")
        self.assertRegex(text, r"New-business possibility .*? 60\.00 60\.00 6\.00")
        # a subtotal per dimension, and the total
        for subtotal in result.dimension_ids:
            self.assertRegex(
                text,
                rf"Subtotal {re.escape(subtotal.dimension_id.name)} "
                rf"{subtotal.weight:.2f} {subtotal.points:.2f}",
            )
        self.assertRegex(text, rf"Total 100\.00 {result.score:.2f}")
        self.assertNotIn("Colleague's Customer", text)
        self.assertNotIn("overridden", text)
        self.assertNotIn("Demotion held back", text)
        self.assertNotIn("changed after the evaluation", text)

    def test_rank_standard_says_percentile_or_groups(self):
        """The rank rule's standard tells a percentile from rank groups, and
        which end is best (the run's export says the same)."""
        self.assertEqual(
            self.indicators["annual_amount"]._scoring_standard(),
            "Percentile rank among the graded customers, highest value best. Without data: 0.",
        )
        recency = self.env.ref("customer_grading.indicator_rfm_recency")
        self.assertEqual(
            recency._scoring_standard(),
            "Rank among the graded customers, lowest value best, in 5 groups. Without data: 0.",
        )

    def test_rule_changed_since_the_evaluation_marked(self):
        frequency = self.indicators["purchase_frequency"]
        band = frequency.band_ids.sorted("threshold")[-1]
        band.threshold = 20
        # changed a day after the run computed (one transaction here: its clock stands still)
        band.flush_recordset()
        self.env.cr.execute(
            "UPDATE customer_grading_indicator_band SET write_date = %s WHERE id = %s",
            [self.grading_run.computed_date + timedelta(days=1), band.id],
        )
        text = self._text(self._render(self.result))
        self.assertIn("20 orders → 100. Without data: 0. *", text)
        self.assertIn("* This indicator was changed after the evaluation", text)
        self.assertNotIn("Without data: 50. *", text)  # the other rules did not change

    def test_scheduled_run_leaves_the_evaluator_to_sign(self):
        run = (
            self.env["customer.grading.run"]
            .with_user(SUPERUSER_ID)
            .with_company(self.company)
            .create({"date_to": DATE_TO, "partner_ids": [Command.set(self.customer.ids)]})
        )
        run.action_compute()
        text = self._text(self._render(run.result_ids))
        self.assertIn("Evaluator Evaluation Date", text)

    def test_many_forms_in_one_job(self):
        html = self._render(self.grading_run.result_ids, user=self.manager)
        text = self._text(html)
        self.assertIn("Evaluated Trading", text)
        self.assertIn("Colleague's Customer", text)
        self.assertEqual(text.count("Customer Evaluation Form"), 2)

    def test_salesperson_prints_own_customers_only(self):
        with self.env.cr.savepoint(), self.assertRaises(AccessError):
            self._render(self.other_result, user=self.salesman_1)
        with self.env.cr.savepoint(), self.assertRaises(AccessError):
            self._render(self.grading_run.result_ids, user=self.salesman_1)
        self.assertIn(
            "Colleague's Customer",
            self._text(self._render(self.other_result, user=self.salesman_2)),
        )

    def test_user_without_grading_rights_cannot_print(self):
        outsider = new_test_user(self.env, login="cg_outsider", groups="base.group_user")
        with self.env.cr.savepoint(), self.assertRaises(AccessError):
            self._render(self.result, user=outsider)

    def test_report_printable_from_results_for_grading_users(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.model, "customer.grading.result")
        self.assertEqual(report.binding_model_id.model, "customer.grading.result")
        self.assertEqual(report.paperformat_id.format, "A4")
        self.assertIn(
            self.env.ref("customer_grading.group_customer_grading_user"), report.groups_id
        )

    def test_print_from_the_customer(self):
        action = self.customer.with_user(self.salesman_1).action_grading_print_evaluation()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "customer_grading.report_customer_evaluation")
        self.assertEqual(action["context"]["active_ids"], self.result.ids)
        # a contact prints its company's form
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        action = contact.with_user(self.salesman_1).action_grading_print_evaluation()
        self.assertEqual(action["context"]["active_ids"], self.result.ids)

    def test_print_from_a_customer_without_grade_refused(self):
        ungraded = self._customer("Never Graded", user=self.salesman_1)
        with self.assertRefused(UserError, "Never Graded has no grade in force"):
            ungraded.with_user(self.salesman_1).action_grading_print_evaluation()
        # not in force in another company either
        other = self.setup_other_company()["company"]
        with self.assertRefused(UserError, "Evaluated Trading has no grade in force"):
            self.customer.with_company(other).action_grading_print_evaluation()

    def test_print_from_a_colleagues_customer_refused(self):
        with self.env.cr.savepoint(), self.assertRaises(AccessError):
            self.other.with_user(self.salesman_1).action_grading_print_evaluation()

    def test_printed_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_grading"], ["zh_CN"])
        # the form's own terms, as the translation pass will give them
        self.env.ref(DOCUMENT).update_field_translations(
            "arch_db",
            {"zh_CN": {"Customer Evaluation Form": "客户评估表", "Scoring Standard": "评分标准"}},
        )
        self.salesman_1.lang = "zh_CN"
        self.customer.lang = "en_US"  # the customer's language does not matter
        chinese = self._text(self._render(self.result, user=self.salesman_1))
        for expected in (
            "客户评估表",
            "评分标准",
            self.indicators["annual_amount"].with_context(lang="zh_CN").name,
            self.env.ref("customer_grading.dimension_value").with_context(lang="zh_CN").name,
            self.result.level_id.with_context(lang="zh_CN").name,
        ):
            self.assertIn(expected, chinese)
        self.assertNotIn("Customer Evaluation Form", chinese)
        self.assertNotIn("Annual purchase amount", chinese)
        # an English reader of a Chinese-speaking customer reads English
        self.customer.lang = "zh_CN"
        english = self._text(self._render(self.result, user=self.manager))
        self.assertIn("Customer Evaluation Form", english)
        self.assertIn("Annual purchase amount", english)
        self.assertNotIn("客户评估表", english)

    @unittest.skipIf(not shutil.which("wkhtmltopdf"), "wkhtmltopdf is not installed: no PDF")
    def test_pdf(self):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(self.salesman_1)
            ._render_qweb_pdf(REPORT, self.result.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))


@tagged("post_install", "-at_install")
class TestEvaluationFormMentions(EvaluationFormCase):
    """An overridden grade and a demotion held back say so on the form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheme = cls._use_manual_scheme({"quality": 100})
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.levels["B"].demotion_periods = 2
        cls.levels["B"].service_measures = "Key-account manager and quarterly visits."
        cls.customer = cls._customer("Wavering Buyer", user=cls.salesman_1)
        cls.value = cls._value(cls.customer, cls.scheme.indicator_ids, 75)  # B

    def _published(self, date_to, score):
        self.value.value = score
        run = self._run(date_to=date_to)
        run.action_apply()
        return self._result(run, self.customer)

    def test_demotion_held_back_mentioned(self):
        self._published("2026-03-31", 75)
        held = self._published("2026-06-30", 60)
        self.assertTrue(held.demotion_held)
        text = self._text(self._render(held))
        self.assertIn("Demotion held back", text)
        self.assertIn("computed grade C", text)
        self.assertIn("Key-account manager and quarterly visits.", text)

    def test_override_mentioned(self):
        self.value.value = 60  # C
        run = self._run()
        result = self._result(run, self.customer)
        result.with_user(self.manager)._check_can_override()
        result.with_user(self.manager)._set_override(self.levels["B"], "Signed a framework deal")
        run.action_apply()
        text = self._text(self._render(result))
        self.assertIn("Grade overridden", text)
        self.assertIn("computed grade C", text)
        self.assertIn("Signed a framework deal", text)
        self.assertIn(self.manager.name, text)
        self.assertIn("Key-account manager and quarterly visits.", text)


@tagged("post_install", "-at_install", "is_query_count")
class TestEvaluationFormQueries(EvaluationFormCase):
    """A hundred forms print in one job: the queries do not grow with the forms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"]
        for n in range(20):
            customer = cls._customer(f"Customer {n:02d}", user=cls.salesman_1, ref=f"Q{n:02d}")
            cls._value(customer, "industry_prospects", option=("Good", "Fair", "Poor")[n % 3])
            cls._value(customer, "new_business", 5 * n)
            customers |= customer
        cls._invoice(customers[0], 5000, date(2026, 3, 10))
        run = cls.env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set(customers.ids)]}
        )
        run.action_compute()
        run.action_apply()
        cls.results = run.result_ids.sorted("id")

    def _count_queries(self, results):
        self.env.invalidate_all()
        Report = self.env["ir.actions.report"].with_user(self.salesman_1)
        before = self.env.cr.sql_log_count
        html, __ = Report._render_qweb_html(REPORT, results.ids)
        count = self.env.cr.sql_log_count - before
        self.assertEqual(self._text(html.decode()).count("Customer Evaluation Form"), len(results))
        return count

    def test_same_queries_for_2_and_20_forms(self):
        # compiled templates, access rules of the layout: in the registry's caches
        self._count_queries(self.results[:1])
        self._count_queries(self.results[:2])
        few = self._count_queries(self.results[:2])
        many = self._count_queries(self.results[:20])
        self.assertEqual(few, many)
