"""What the web client shows of totals, in headless Chromium: the ratio of the
sums in the visit compliance list's group rows and footer (a list renderer
patch), grades in their badge colours in graphs (a graph patch)."""

from datetime import date

from odoo.tests import HttpCase, tagged

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestTotalsTour(GradingCase, HttpCase):
    def test_compliance_totals_and_grade_colours(self):
        Compliance = self.env["customer.grading.visit.compliance"].sudo()
        Compliance.search([]).unlink()
        rows = [
            (self._customer("Tour First A", user=self.salesman_1), "A", 4, 1),
            (self._customer("Tour Only C", user=self.salesman_1), "C", 2, 0),
            (self._customer("Tour Second A", user=self.salesman_2), "A", 3, 1),
        ]
        Compliance.create(
            [
                Compliance._row_values(
                    self.company,
                    partner.id,
                    partner.user_id.id,
                    {
                        "level": self.levels[code],
                        "is_signed": False,
                        "period_start": date(2026, 11, 1),
                        "period_end": date(2026, 11, 30),
                        "required": required,
                        "done": done,
                        "due_date": date(2026, 11, 30),
                        "last_visit_date": False,
                    },
                )
                for partner, code, required, done in rows
            ]
        )
        self.assertEqual(self.levels["A"].color, "success")
        self.assertEqual(self.levels["C"].color, "warning")
        self.start_tour(
            "/odoo/action-customer_grading.customer_grading_visit_compliance_action",
            "customer_grading_totals_tour",
            login=self.manager.login,
        )
