from contextlib import closing

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.customer_grading_visit_compliance import ROW_FIELDS
from .test_visit import VisitCase

TODAY = "2026-11-20 10:00:00"
# Queries of a step of the daily visit action whose customers are all behind,
# without reminder and of one salesperson, whatever their number.
STEP_QUERIES = 30


@tagged("post_install", "-at_install")
class TestVisitReminderSteps(VisitCase):
    """The daily visit action works in steps of a few customers, each its own
    transaction under the scheduler: successive calls, interrupted or not,
    give what one pass over every customer gives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Compliance = cls.env["customer.grading.visit.compliance"]
        cls.visit_due = cls.env.ref("customer_grading.mail_activity_type_visit_due")
        cls.other = cls.setup_other_company(name="Visits Steps Co 2")["company"]
        # by id: the fixture's customer (A, behind), then these
        cls.up_to_date = cls._customer("Up To Date", user=cls.salesman_2)
        cls.regraded = cls._customer("Regraded", user=cls.salesman_1)
        cls.dropped = cls._customer("Grade Dropped", user=cls.salesman_2)
        cls.ungraded = cls._customer("Grade Removed", user=cls.salesman_1)
        cls.nobody = cls._customer("Nobody's")
        cls.newcomer = cls._customer("Newcomer", user=cls.salesman_2)
        for partner in (cls.up_to_date, cls.regraded, cls.dropped, cls.ungraded, cls.nobody):
            cls._grade(partner, "A")
        cls._grade(cls.regraded, "B", company=cls.other)
        cls._grade(cls.nobody, "A", company=cls.other)
        with freeze_time("2026-11-10 15:00:00"):
            cls.Visit.with_user(cls.manager).create(
                {
                    "partner_id": cls.regraded.id,
                    "visit_date": "2026-11-09 09:00:00",
                    "state": "done",
                }
            )
        # yesterday's pass: every row and reminder of the customers above
        with freeze_time("2026-11-19 10:00:00"):
            cls.Compliance._cron_visit_reminders()
        # since then: visits done, grades changed, removed and given
        with freeze_time("2026-11-19 15:00:00"):
            for day in ("2026-11-02 09:00:00", "2026-11-16 09:00:00"):
                cls.Visit.with_user(cls.manager).create(
                    {"partner_id": cls.up_to_date.id, "visit_date": day, "state": "done"}
                )
        cls._grade(cls.regraded, "B")  # its one visit is enough now
        cls._grade(cls.dropped, "D")
        cls._grade(cls.ungraded, False)
        cls._grade(cls.newcomer, "C")
        cls.graded = 6 + 2  # in both companies, today

    def _snapshot(self):
        """The overview rows and the open reminders, by company and customer."""
        self.env.flush_all()
        self.env.invalidate_all()
        rows = self.Compliance.sudo().search([])
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", self.Compliance._name),
                ("activity_type_id", "=", self.visit_due.id),
            ]
        )
        by_id = {row.id: row for row in rows}
        closed = self.env["mail.message"].search_count(
            [("model", "=", self.Compliance._name), ("body", "ilike", "visits are up to date")]
        )
        return (
            sorted(
                (row.company_id.id, row.partner_id.id, *(row[name] for name in ROW_FIELDS))
                for row in rows
            ),
            sorted(
                (
                    by_id[activity.res_id].company_id.id,
                    by_id[activity.res_id].partner_id.id,
                    activity.user_id.id,
                    activity.date_deadline,
                    activity.summary,
                )
                for activity in activities
            ),
            closed,
        )

    def _steps(self, limit):
        """Call the action until the pass is done; the remaining counts."""
        remaining = []
        while not remaining or remaining[-1]:
            remaining.append(self.Compliance._cron_visit_reminders(limit=limit))
            self.assertLess(len(remaining), 20)
        return remaining

    def _one_pass(self):
        """The snapshot after one call over every customer, then forgotten."""
        with closing(self.env.cr.savepoint()):
            self.assertEqual(self.Compliance._cron_visit_reminders(), 0)
            snapshot = self._snapshot()
        self.env.invalidate_all()
        return snapshot

    def test_steps_give_one_pass(self):
        with freeze_time(TODAY):
            expected = self._one_pass()
            # a scheduler's call: one step, its progress reported
            cron = self.env.ref("customer_grading.ir_cron_visit_reminders")
            progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
            left = self.Compliance.with_context(
                ir_cron_progress_id=progress.id
            )._cron_visit_reminders(limit=3)
            self.assertEqual((progress.done, progress.remaining), (3, self.graded - 3))
            self.assertEqual(left, self.graded - 3)
            self.assertEqual(self._steps(limit=3), [2, 0])
        self.assertEqual(self._snapshot(), expected)
        rows, reminders, closed = expected
        self.assertEqual(closed, 1)  # the regraded customer's
        partners = {partner for company, partner, *_rest in rows if company == self.company.id}
        self.assertEqual(
            partners,
            {
                partner.id
                for partner in (
                    self.customer,
                    self.up_to_date,
                    self.regraded,
                    self.nobody,
                    self.newcomer,
                )
            },
        )
        self.assertEqual(
            {partner for company, partner, *_rest in reminders if company == self.company.id},
            {self.customer.id, self.newcomer.id},
        )
        self.assertIn((self.other.id, self.regraded.id), {row[:2] for row in rows})
        # once done, the next call starts a new pass
        with freeze_time(TODAY):
            self.assertEqual(self._steps(limit=5), [3, 0])
        self.assertEqual(self._snapshot(), expected)

    def test_interrupted_pass_resumes(self):
        with freeze_time(TODAY):
            expected = self._one_pass()
            self.assertEqual(self.Compliance._cron_visit_reminders(limit=2), self.graded - 2)
            # the scheduler stops there (the server restarts): the next calls
            # go on from the customers not done yet
            self.assertEqual(self._steps(limit=4), [2, 0])
        self.assertEqual(self._snapshot(), expected)

    def test_new_company_does_not_stop_the_next_pass(self):
        with freeze_time(TODAY):
            expected = self._one_pass()
            self.env["res.company"].create({"name": "Visits Steps Co 3"})
            self.assertEqual(self._steps(limit=5), [3, 0])
        self.assertEqual(self._snapshot(), expected)

    def test_pass_left_unfinished_yesterday_starts_over(self):
        with freeze_time("2026-11-21 10:00:00"):
            expected = self._one_pass()
        with freeze_time("2026-11-20 10:00:00"):
            self.Compliance._cron_visit_reminders(limit=4)
        with freeze_time("2026-11-21 10:00:00"):
            self.assertEqual(self._steps(limit=4), [self.graded - 4, 0])
        self.assertEqual(self._snapshot(), expected)


@tagged("post_install", "-at_install", "is_query_count")
class TestVisitReminderStepQueries(VisitCase):
    """A step reads and writes its customers set-wise: its number of queries
    does not depend on how many customers it does."""

    def test_queries_of_a_step(self):
        Compliance = self.env["customer.grading.visit.compliance"]
        # by id after the fixture's customer: two warm-up steps of one, a step
        # of 2 and one of 5, then the last customer
        customers = [self._customer(f"Counted {n}", user=self.salesman_1) for n in range(9)]
        for customer in customers:
            self._grade(customer, "A")
        with freeze_time(TODAY):
            # warm-up: the companies' pass starts, the caches fill
            for _step in range(2):
                Compliance._cron_visit_reminders(limit=1)
                self.env.flush_all()
                self.env.cr.flush()  # the assignees' notifications
            for limit in (2, 5):
                self.env.invalidate_all()
                with self.assertQueryCount(STEP_QUERIES):
                    Compliance._cron_visit_reminders(limit=limit)
            self.assertEqual(Compliance._cron_visit_reminders(limit=5), 0)
        rows = Compliance.search([("partner_id", "in", [c.id for c in customers])])
        self.assertEqual(len(rows), 9)
        self.assertEqual(len(rows.activity_ids), 9)
