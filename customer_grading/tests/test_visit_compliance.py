from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_visit import VisitCase


@tagged("post_install", "-at_install")
class TestVisitCompliance(VisitCase):
    """Standard grades: A owes 4 visits a month to signed customers and 2 to
    potential ones; D owes 1 a quarter to signed customers, none to potential."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Compliance = cls.env["customer.grading.visit.compliance"]
        cls.visit_due = cls.env.ref("customer_grading.mail_activity_type_visit_due")

    def _figures(self, partner, day):
        return self.Compliance._measure(self.company, partner, day)[partner.id]

    def _due_activities(self, partners, company=None):
        """The open 'visit due' reminders of ``partners``: activities on their
        rows of the company's overview."""
        rows = self.Compliance.search(
            [("partner_id", "in", partners.ids), ("company_id", "=", (company or self.company).id)]
        )
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", self.Compliance._name),
                ("res_id", "in", rows.ids),
                ("activity_type_id", "=", self.visit_due.id),
            ]
        )

    def test_signed_and_potential_customers(self):
        with freeze_time("2026-11-12 10:00:00"):
            self._done(when="2026-11-03 09:00:00")
            potential = self.customer.with_user(self.salesman_1)
            self.assertEqual(
                (potential.grading_visits_done, potential.grading_visits_required), (1, 2)
            )
            self.assertEqual(potential.grading_visit_due_date, date(2026, 11, 30))
            self.assertTrue(potential.grading_visit_behind)
            self._grade(self.customer, "A", signed=True)
            signed = self.customer.with_user(self.salesman_1)
            signed.invalidate_recordset()
            self.assertEqual((signed.grading_visits_done, signed.grading_visits_required), (1, 4))
            # four visits spread over thirty days: the second is due on the 15th
            self.assertEqual(signed.grading_visit_due_date, date(2026, 11, 15))

    def test_month_boundary(self):
        with freeze_time("2026-10-31 10:00:00"):
            self._done(when="2026-10-20 09:00:00")
            self._done(when="2026-10-30 09:00:00")
            self.assertEqual(self._figures(self.customer, date(2026, 10, 31))["done"], 2)
            self.assertFalse(self.customer.with_user(self.salesman_1).grading_visit_behind)
        with freeze_time("2026-11-01 08:00:00"):
            figures = self._figures(self.customer, date(2026, 11, 1))
            self.assertEqual((figures["done"], figures["required"]), (0, 2))
            self.assertEqual(figures["period_start"], date(2026, 11, 1))
            self.assertEqual(figures["last_visit_date"], date(2026, 10, 30))

    def test_quarter_for_grade_d(self):
        self._grade(self.customer, "D", signed=True)
        with freeze_time("2026-11-20 10:00:00"):
            self._done(when="2026-09-28 09:00:00")  # previous quarter
            figures = self._figures(self.customer, date(2026, 11, 20))
            self.assertEqual((figures["done"], figures["required"]), (0, 1))
            self.assertEqual(figures["due_date"], date(2026, 12, 31))
            self._done(when="2026-10-05 09:00:00")  # earlier month, same quarter
            figures = self._figures(self.customer, date(2026, 11, 20))
            self.assertEqual((figures["done"], figures["due_date"]), (1, None))
        self._grade(self.customer, "D", signed=False)
        self.assertEqual(self._figures(self.customer, date(2026, 11, 20))["required"], 0)

    def test_only_on_site_visits_count(self):
        with freeze_time("2026-11-20 10:00:00"):
            self._done(when="2026-11-03 09:00:00", visit_type="phone")
            self._done(when="2026-11-04 09:00:00")
            self._visit(when="2026-11-25 09:00:00")  # planned: does not count
            self.assertEqual(self._figures(self.customer, date(2026, 11, 20))["done"], 1)
            self.company.grading_visit_on_site_only = False
            self.assertEqual(self._figures(self.customer, date(2026, 11, 20))["done"], 2)

    def test_ungraded_customer_owes_nothing(self):
        prospect = self._customer("Prospect", user=self.salesman_1)
        figures = self._figures(prospect, date(2026, 11, 20))
        self.assertEqual((figures["required"], figures["due_date"]), (0, None))

    def test_daily_reminder_once_per_customer_behind(self):
        up_to_date = self._customer("Up To Date", user=self.salesman_2)
        no_salesperson = self._customer("Nobody's")
        ungraded = self._customer("Ungraded", user=self.salesman_1)
        for partner in (up_to_date, no_salesperson):
            self._grade(partner, "A")
        with freeze_time("2026-11-20 10:00:00"):
            self._done(user=self.salesman_2, partner=up_to_date, when="2026-11-02 09:00:00")
            self._done(user=self.salesman_2, partner=up_to_date, when="2026-11-16 09:00:00")
            self.Compliance._cron_visit_reminders()
            self.Compliance._cron_visit_reminders()  # no duplicate while one is open
        reminders = self._due_activities(self.customer | up_to_date | no_salesperson | ungraded)
        self.assertEqual(len(reminders), 1)
        reminded = self.Compliance.browse(reminders.res_id)
        self.assertEqual((reminded.partner_id, reminders.user_id), (self.customer, self.salesman_1))
        self.assertEqual(reminders.date_deadline, date(2026, 11, 15))  # first visit was due
        rows = self.Compliance.search([("company_id", "=", self.company.id)])
        self.assertEqual(rows.partner_id, self.customer | up_to_date | no_salesperson)
        behind = rows.filtered("is_behind")
        self.assertEqual(behind.partner_id, self.customer | no_salesperson)
        self.assertEqual(rows.filtered(lambda r: r.partner_id == up_to_date).compliance_rate, 100)
        # a visit done closes the reminder, and the overview follows
        with freeze_time("2026-11-21 10:00:00"):
            self._done(when="2026-11-21 09:00:00")
        self.assertFalse(self._due_activities(self.customer))
        row = self.Compliance.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((row.visits_done, row.visits_missing, row.compliance_rate), (1, 1, 50))
        # still one visit owed: the next morning brings a new reminder, due at month end
        with freeze_time("2026-11-22 05:00:00"):
            self.Compliance._cron_visit_reminders()
        self.assertEqual(self._due_activities(self.customer).date_deadline, date(2026, 11, 30))

    def test_reminder_in_the_salespersons_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.salesman_1.lang = "zh_CN"
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance.with_context(lang="en_US")._cron_visit_reminders()
        self.assertEqual(
            self._due_activities(self.customer).summary, "本期已拜访 0 次，应拜访 2 次"
        )

    def test_reminder_stays_for_visits_that_do_not_count(self):
        other = self.setup_other_company(name="Visits Co 2")["company"]
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance._cron_visit_reminders()
            reminder = self._due_activities(self.customer)
            self.assertTrue(reminder)
            # only on-site visits count by default: a phone call leaves it open
            self._done(when="2026-11-19 09:00:00", visit_type="phone")
            # the customer owes no visit in the other company
            elsewhere = self.Visit.with_company(other).create(
                {"partner_id": self.customer.id, "visit_date": "2026-11-19 11:00:00"}
            )
            elsewhere.action_done()
            self.assertEqual(self._due_activities(self.customer), reminder)
            self._done(when="2026-11-20 09:00:00")
            self.assertFalse(self._due_activities(self.customer))

    def test_imported_visits_close_the_reminder(self):
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance._cron_visit_reminders()
            self.assertTrue(self._due_activities(self.customer))
            self.Visit.with_user(self.manager).create(
                [
                    {"partner_id": self.customer.id, "visit_date": day, "state": "done"}
                    for day in ("2026-11-03 09:00:00", "2026-11-17 09:00:00")
                ]
            )
            self.assertFalse(self._due_activities(self.customer))
            # in November: on another day the visits would count in another month
            self.assertEqual(self.customer.with_user(self.manager).grading_visits_done, 2)
        # the reminder is closed with the last visit's day, in the user's format
        note = self.env["mail.message"].search(
            [("model", "=", self.Compliance._name), ("body", "ilike", "Visited on")]
        )
        self.assertIn("Visited on 11/17/2026.", note.body)

    def test_reminder_closed_when_no_longer_behind(self):
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance._cron_visit_reminders()
            self.assertTrue(self._due_activities(self.customer))
            # the requirement drops (the grade changed): the next run closes the reminder
            self._grade(self.customer, "D", signed=False)
            self.Compliance._cron_visit_reminders()
        self.assertFalse(self._due_activities(self.customer))

    def test_overview_by_salesperson_and_grade(self):
        second = self._customer("Second A", user=self.salesman_1)
        other = self._customer("Salesman Two's C", user=self.salesman_2)
        self._grade(second, "A")
        self._grade(other, "C")
        with freeze_time("2026-11-20 10:00:00"):
            self._done(partner=second, when="2026-11-03 09:00:00")
            self._done(partner=second, when="2026-11-13 09:00:00")
            self.Compliance._refresh(self.company)
        groups = self.Compliance.with_user(self.manager)._read_group(
            [], ["user_id", "level_id"], ["__count", "visits_missing:sum", "compliance_rate:avg"]
        )
        summary = {(user.login, level.code): rest for user, level, *rest in groups}
        self.assertEqual(summary[("cg_sales_1", "A")], [2, 2, 50.0])
        self.assertEqual(summary[("cg_sales_2", "C")], [1, 1, 0.0])
        # a salesperson sees their own customers' rows only
        self.assertEqual(self.Compliance.with_user(self.salesman_2).search([]).partner_id, other)
        with self.assertRefused(AccessError, "Only a grading manager refreshes"):
            self.Compliance.with_user(self.salesman_2).action_refresh()
        # the customer list filter
        behind = self.env["res.partner"].search([("grading_visit_behind", "=", True)])
        self.assertEqual(behind, self.customer | other)

    def test_rate_of_a_group_is_the_ratio_of_the_sums(self):
        """Group rows, pivot, graph and total: visits done over visits required
        summed, as the Done and Required columns add up, never an average of
        the rows' percentages."""
        self.Compliance.sudo().search([]).unlink()
        rows = [
            # (customer, grade, required, done): extra visits count as done
            (self._customer("First A", user=self.salesman_1), "A", 4, 1),
            (self._customer("Second A", user=self.salesman_1), "A", 2, 3),
            (self._customer("A C", user=self.salesman_2), "C", 3, 1),
            (self._customer("Another C", user=self.salesman_2), "C", 1, 0),
        ]
        self.Compliance.sudo().create(
            [
                self.Compliance._row_values(
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
        # a row's rate is its own ratio, over 100 % when more visits were done
        second = self.Compliance.search([("partner_id.name", "=", "Second A")])
        self.assertEqual(second.compliance_rate, 150.0)
        Compliance = self.Compliance.with_user(self.manager)
        fields_ = ["visits_done:sum", "visits_required:sum", "compliance_rate:avg"]

        def check(groups):
            self.assertTrue(groups)
            for group in groups:
                done, required = group["visits_done"], group["visits_required"]
                self.assertEqual(group["compliance_rate"], round(100.0 * done / required, 1))

        # by grade (the list's group rows and the pivot) and the total (the pivot's)
        by_grade = Compliance.read_group([], fields_, ["level_id"])
        self.assertEqual(
            {group["level_id"][1]: group["compliance_rate"] for group in by_grade},
            {self.levels["A"].display_name: 66.7, self.levels["C"].display_name: 25.0},
        )
        check(by_grade)
        (total,) = Compliance.read_group([], fields_, [])
        self.assertEqual(total["compliance_rate"], round(100.0 * 5 / 10, 1))
        check([total])
        # the list asks with the field's own aggregate, the graph with lazy=False
        listed = Compliance.web_read_group(
            [], ["visits_done", "visits_required", "compliance_rate"], ["user_id"]
        )
        check(listed["groups"])
        check(Compliance.read_group([], fields_, ["user_id", "level_id"], lazy=False))

    def test_queries_do_not_grow_with_customers(self):
        def count_queries(partners):
            partners.invalidate_recordset()
            before = self.env.cr.sql_log_count
            self.Compliance._measure(self.company, partners, date(2026, 11, 20))
            return self.env.cr.sql_log_count - before

        few = self.customer | self._customer("Few 2", user=self.salesman_1)
        many = self.env["res.partner"].concat(
            *(self._customer(f"Many {index}", user=self.salesman_1) for index in range(12))
        )
        for partner in few | many:
            self._grade(partner, "B")
        with freeze_time("2026-11-20 10:00:00"):
            for partner in few | many:
                self._done(partner=partner, when="2026-11-03 09:00:00")
        self.env.invalidate_all()
        count_queries(self.customer)  # warm-up: the company's settings and the grades
        self.assertEqual(count_queries(few), count_queries(many))
