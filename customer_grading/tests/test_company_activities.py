from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .test_visit import VisitCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"


@tagged("post_install", "-at_install")
class TestCompanyActivities(VisitCase):
    """A customer shared by two companies: each company's reminders and
    reviews sit on that company's records and go to users who work there.

    The customer's salesperson and their team leader (the grading manager)
    work in the first company only; the second company has its own manager.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_other_company(name="Second Grading Co")["company"]
        cls.other.grading_review_required = False
        cls.other.grading_scheme_id = cls.scheme
        cls.other_manager = new_test_user(
            cls.env,
            login="cg_other_manager",
            name="Second Co Manager",
            groups=MANAGER,
            company_id=cls.other.id,
            company_ids=[(6, 0, cls.other.ids)],
        )
        cls.Compliance = cls.env["customer.grading.visit.compliance"]
        cls.visit_due = cls.env.ref("customer_grading.mail_activity_type_visit_due")
        # graded A in both companies: potential here (2 a month), signed there (4)
        cls._grade(cls.customer, "A", signed=True, company=cls.other)

    def assertWorksIn(self, user, company):
        """``user`` is a grading manager who works in ``company`` (not the
        salesperson's team leader, who works in the first company only)."""
        self.assertEqual(len(user), 1)
        self.assertNotEqual(user, self.manager)
        self.assertIn(company, user.company_ids)
        self.assertTrue(user.has_group("customer_grading.group_customer_grading_manager"))

    def _activities(self, model, records, activity_type):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", model),
                ("res_id", "in", records.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def _reminder(self, company):
        row = self.Compliance.search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", company.id)]
        )
        return row, self._activities(self.Compliance._name, row, self.visit_due)

    def test_visit_reminders_per_company(self):
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance._cron_visit_reminders()
        row, reminder = self._reminder(self.company)
        other_row, other_reminder = self._reminder(self.other)
        self.assertEqual(
            (row.visits_required, reminder.user_id, reminder.date_deadline),
            (2, self.salesman_1, date(2026, 11, 15)),
        )
        self.assertEqual(reminder.summary, "0 of 2 visits done this period")
        # the salesperson does not work in the second company: its manager is reminded
        self.assertEqual(
            (other_row.visits_required, other_reminder.date_deadline), (4, date(2026, 11, 8))
        )
        self.assertWorksIn(other_reminder.user_id, self.other)
        self.assertEqual(other_reminder.summary, "0 of 4 visits done this period")
        self.assertTrue(other_row.with_user(other_reminder.user_id).has_access("read"))
        plan = other_row.with_user(other_reminder.user_id).action_plan_visit()
        self.assertEqual(plan["context"]["default_company_id"], self.other.id)

        # a visit in the second company closes that company's reminder only
        with freeze_time("2026-11-20 10:00:00"):
            visit = (
                self.Visit.with_user(self.other_manager)
                .with_company(self.other)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "user_id": self.other_manager.id,
                        "visit_date": "2026-11-19 09:00:00",
                    }
                )
            )
            visit.action_done()
        self.assertFalse(self._reminder(self.other)[1])
        self.assertEqual(self._reminder(self.company)[1], reminder)
        self.assertEqual(self._reminder(self.other)[0].visits_done, 1)
        self.assertEqual(row.visits_done, 0)

        # the next morning, each company's row is brought up to date in place
        with freeze_time("2026-11-21 05:00:00"):
            self.Compliance._cron_visit_reminders()
        self.assertEqual(self._reminder(self.company), (row, reminder))
        other_row_after, other_reminder_after = self._reminder(self.other)
        self.assertEqual(other_row_after, other_row)
        self.assertEqual(other_reminder_after.summary, "1 of 4 visits done this period")

    def test_elimination_review_per_company(self):
        self.other.grading_elimination_periods = 2
        self._value(self.customer, "new_business", 10, company_id=self.other.id)
        Run = self.env["customer.grading.run"].with_company(self.other)
        for date_to in (date(2026, 6, 30), date(2026, 9, 30)):
            run = Run.create({"date_to": date_to, "company_id": self.other.id})
            run.action_compute()
            run.action_apply()
        self.assertEqual(self.customer.with_company(self.other).grading_level_id.code, "D")
        result = self.customer.with_company(self.other).grading_result_id
        activity_type = self.env.ref("customer_grading.mail_activity_type_elimination_review")
        review = self._activities(result._name, result, activity_type)
        # on the second company's result, for a manager of that company
        self.assertEqual(result.company_id, self.other)
        self.assertWorksIn(review.user_id, self.other)
        self.assertFalse(self.customer.activity_ids)
        self.assertTrue(result.with_user(review.user_id).has_access("read"))
        review.with_user(review.user_id).action_feedback(feedback="Reduced cooperation")
        self.assertFalse(self._activities(result._name, result, activity_type))

    def test_receivable_review_per_company(self):
        self._invoice(self.customer, 1000, date(2026, 10, 10), company=self.other)
        Review = self.env["customer.grading.receivable.review"]
        with freeze_time("2026-11-15"):  # prepared by the scheduler, as OdooBot
            review = Review.sudo()._prepare(self.other, date(2026, 11, 15))
        activity_type = self.env.ref("customer_grading.mail_activity_type_receivable_review")
        activities = review.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        # the salesperson's team leader cannot open the second company's review
        self.assertWorksIn(activities.user_id, self.other)
        self.assertTrue(review.with_user(activities.user_id).has_access("read"))

    def test_visit_approval_per_company(self):
        other_sales = new_test_user(
            self.env,
            login="cg_other_sales",
            groups="sales_team.group_sale_salesman",
            company_id=self.other.id,
            company_ids=[(6, 0, self.other.ids)],
        )
        with freeze_time("2026-11-20 10:00:00"):
            visit = (
                self.Visit.with_user(other_sales)
                .with_company(self.other)
                .create({"partner_id": self.customer.id, "visit_date": "2026-11-19 09:00:00"})
            )
            visit.action_done()
        self.assertWorksIn(visit.activity_ids.user_id, self.other)
