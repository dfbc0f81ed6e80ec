from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.base.models.ir_qweb import QWebException

from .test_visit import VisitCase

REPORT = "customer_grading.action_report_customer_grading_visit"


@tagged("post_install", "-at_install")
class TestVisitRecordForm(VisitCase):
    """The printed visit record (附表3) and the review figures it carries."""

    def _review(self, review_date, sales, company=None, partner=None):
        review = (
            self.env["customer.grading.receivable.review"]
            .sudo()
            .create(
                {
                    "company_id": (company or self.company).id,
                    "date": review_date,
                    "line_ids": [
                        Command.create(
                            {
                                "partner_id": (partner or self.customer).id,
                                "sales_last_month": sales,
                                "receivable_overdue": sales / 10,
                                "receivable_current_month": sales / 4,
                                "receivable_total": sales,
                            }
                        )
                    ],
                }
            )
        )
        return review.line_ids

    def _render(self, visit, user=None):
        self.env.invalidate_all()  # a new request: nothing read yet
        Report = self.env["ir.actions.report"].with_user(user or self.salesman_1)
        html, report_type = Report._render_qweb_html(REPORT, visit.ids)
        self.assertEqual(report_type, "html")
        return html.decode()

    def test_print_holds_the_paper_form(self):
        visit = self._done(
            attendee_ids=[Command.set(self.buyer.ids)],
            colleague_ids=[Command.set(self.salesman_2.ids)],
            planned_content="Quarterly volumes",
            actual_content="Agreed on a second warehouse",
            next_steps="Send the quotation",
            needs_support=True,
            support_department="Finance",
            note="Prefers mornings",
        )
        visit.with_user(self.manager).action_approve()
        html = self._render(visit)
        for text in (
            "Sales Customer Visit Record",
            "Visited Machinery",
            "1 Harbour Road",
            self.salesman_1.name,
            self.salesman_2.name,
            "Wang Fang",
            "Purchasing Manager",
            "+86 574 5555 0101",
            "Quarterly volumes",
            "Agreed on a second warehouse",
            "Send the quotation",
            "Needs support from",
            "Finance",
            "Prefers mornings",
            self.manager.name,
            self.levels["A"].display_name,
        ):
            self.assertIn(text, html)
        self.assertNotIn("Receivables Review", html)

    def test_figures_of_the_latest_review_before_the_visit(self):
        self._review(date(2026, 10, 15), 1000)
        november = self._review(date(2026, 11, 15), 2000)
        self._review(date(2026, 11, 15), 9000, company=self.setup_other_company()["company"])
        after = self._visit(when="2026-11-20 09:00:00")
        between = self._visit(when="2026-11-10 09:00:00")
        before = self._visit(when="2026-10-01 09:00:00")
        self.assertEqual(after.receivable_review_line_id, november)
        self.assertEqual(after.receivable_review_date, date(2026, 11, 15))
        self.assertEqual(
            (after.sales_last_month, after.receivable_overdue, after.receivable_current_month),
            (2000, 200, 500),
        )
        self.assertEqual(between.sales_last_month, 1000)
        self.assertFalse(before.receivable_review_line_id)
        self.assertEqual(before.sales_last_month, 0)
        html = self._render(after)
        self.assertIn("Receivables Review", html)
        self.assertIn("2,000.00", html)
        self.assertIn("500.00", html)

    def test_figures_follow_the_review_rules(self):
        """A salesperson visiting a colleague's customer does not get its figures."""
        self._review(date(2026, 11, 15), 2000)
        visit = self._visit(user=self.salesman_2, when="2026-11-20 09:00:00")
        self.assertFalse(visit.with_user(self.salesman_2).receivable_review_line_id)
        self.assertNotIn("2,000.00", self._render(visit, user=self.salesman_2))
        self.assertEqual(visit.with_user(self.salesman_1).sales_last_month, 2000)
        self.assertEqual(visit.with_user(self.manager).sales_last_month, 2000)

    def test_other_salesperson_cannot_print(self):
        stranger = self._customer("Somebody Else's", user=self.salesman_2)
        theirs = self._visit(user=self.salesman_2, partner=stranger)
        with self.assertRaises(QWebException) as refusal:
            self._render(theirs, user=self.salesman_1)
        self.assertIsInstance(refusal.exception.__cause__, AccessError)
        self.assertIn("Somebody Else", self._render(theirs, user=self.manager))
