from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, Form, new_test_user, tagged
from odoo.tools import SQL

from ..tools import comparison, periods
from .common import DATE_TO, GradingCase

# Queries of a what-if preview over all customers of a company: the same
# for two fixture sizes (one batch each): the customers to grade, the margin,
# the rank populations (3), a batch of the engine, the preview's lines (3).
PREVIEW_QUERIES = 27


class TestComparison(BaseCase):
    """How previewed grades compare with the grades they would replace."""

    def test_movement(self):
        # standings: 1 for a scheme's best grade, 0 for its lowest
        a, b, c = ("A", 1.0), ("B", 2 / 3), ("C", 1 / 3)
        self.assertEqual(comparison.movement(b, a), "up")
        self.assertEqual(comparison.movement(a, c), "down")
        self.assertEqual(comparison.movement(b, b), "same")
        self.assertEqual(comparison.movement(None, c), "new")
        self.assertEqual(comparison.movement(c, None), "ungraded")
        self.assertEqual(comparison.movement(None, None), "same")
        # a copy of the scheme keeps the codes: the same code is the same grade
        self.assertEqual(comparison.movement(("A", 1.0), ("A", 0.75)), "same")
        # grades of another scheme (A to D against five RFM segments): by standing,
        # the best grade of one is the best of the other whatever the thresholds
        self.assertEqual(comparison.movement(("A", 1.0), ("CHAMP", 1.0)), "same")
        self.assertEqual(comparison.movement(("D", 0.0), ("LOST", 0.0)), "same")
        self.assertEqual(comparison.movement(("D", 0.0), ("RISK", 0.25)), "up")
        self.assertEqual(comparison.movement(("B", 2 / 3), ("POT", 0.5)), "down")

    def test_summary(self):
        cells = [("same", 5), ("up", 2), ("down", 3), ("new", 1), ("ungraded", 4)]
        self.assertEqual(
            comparison.summary(cells), {"compared": 15, "changed": 10, "up": 2, "down": 3}
        )
        self.assertEqual(comparison.summary([]), {"compared": 0, "changed": 0, "up": 0, "down": 0})

    def test_last_four_ended_quarters(self):
        self.assertEqual(
            periods.ended_quarters(date(2026, 2, 10), 4),
            [
                (date(2025, 10, 1), date(2025, 12, 31)),
                (date(2025, 7, 1), date(2025, 9, 30)),
                (date(2025, 4, 1), date(2025, 6, 30)),
                (date(2025, 1, 1), date(2025, 3, 31)),
            ],
        )
        self.assertEqual(
            periods.ended_quarters(date(2026, 12, 31), 1), [(date(2026, 7, 1), date(2026, 9, 30))]
        )

    def test_distribution(self):
        cells = [(("B", 70), 2), (None, 4), (("A", 85), 1), (("B", 70), 3), (("C", 55), 0)]
        self.assertEqual(comparison.distribution(cells, "No grade"), "A: 1 · B: 5 · No grade: 4")
        self.assertEqual(comparison.distribution([], "No grade"), "")


@tagged("post_install", "-at_install")
class TestPreview(GradingCase):
    """What-if previews: counts per grade and migrations, nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manual = cls._use_manual_scheme({"x": 100})
        cls.x = cls.manual.indicator_ids
        cls.scores = {"c1": 90, "c2": 82, "c3": 72, "c4": 60, "c5": 40}
        cls.customers = {name: cls._customer(name) for name in (*cls.scores, "c6", "c7")}
        cls.values = {
            name: cls._value(cls.customers[name], cls.x, score)
            for name, score in cls.scores.items()
        }
        # a copy of the scheme in force, its thresholds moved: A 80, B 75, C 50
        cls.copy = cls.manual.copy()
        for code, min_score in (("A", 80), ("B", 75), ("C", 50)):
            cls.copy.level_ids.filtered(lambda level, c=code: level.code == c).min_score = min_score
        cls.Preview = cls.env["customer.grading.preview"].with_user(cls.admin)

    def _apply_run(self, date_to=DATE_TO):
        run = self._run(date_to=date_to)
        run.action_apply()
        return run

    def _preview(self, scheme=None, date_to=DATE_TO, user=None):
        Preview = self.Preview.with_user(user) if user else self.Preview
        preview = Preview.create({"scheme_id": (scheme or self.copy).id, "date_to": date_to})
        preview.action_compute()
        return preview

    def _matrix(self, preview):
        """``{(previous code, previewed code): customers}``, without the
        customers that have no grade either way."""
        return {
            (line.previous_level_id.code or None, line.level_id.code or None): line.count
            for line in preview.line_ids
            if line.previous_level_id or line.level_id
        }

    def _snapshot(self):
        """Everything a preview must leave as it is."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id, grading_level_id, grading_score, grading_date,
                       grading_result_id, grading_state, write_date
                  FROM res_partner ORDER BY id
                """
            )
        )
        partners = self.env.cr.fetchall()
        counts = {}
        for table in (
            "customer_grading_run",
            "customer_grading_result",
            "customer_grading_result_line",
            "customer_grading_value",
            "mail_message",
        ):
            self.env.cr.execute(SQL("SELECT COUNT(*), MAX(id) FROM %s", SQL.identifier(table)))
            counts[table] = self.env.cr.fetchone()
        return partners, counts

    def _customers_to_grade(self):
        return self.env["customer.grading.engine"]._customers_to_grade(
            self.company, date(2025, 10, 1), DATE_TO
        )

    def test_counts_per_grade_and_migration_matrix(self):
        self._apply_run()
        self.values["c5"].unlink()  # loses its data: loses its grade
        self._value(self.customers["c7"], self.x, 95)  # new: gets a grade
        preview = self._preview()
        self.assertEqual(preview.state, "computed")
        self.assertEqual(preview.comparison, "in_force")
        self.assertFalse(preview.comparison_run_id)
        self.assertEqual(
            self._matrix(preview),
            {
                ("A", "A"): 1,  # c1 (90)
                ("B", "A"): 1,  # c2 (82): A from 80 now
                ("B", "C"): 1,  # c3 (72): B from 75 now
                ("C", "C"): 1,  # c4 (60)
                ("D", None): 1,  # c5, no data any more
                (None, "A"): 1,  # c7
            },
        )
        self.assertEqual(preview.line_ids.level_id.scheme_id, self.copy)
        self.assertEqual(preview.line_ids.previous_level_id.scheme_id, self.manual)
        compared = len(self._customers_to_grade())
        self.assertEqual(sum(preview.line_ids.mapped("count")), compared)
        self.assertEqual(
            (
                preview.customer_count,
                preview.changed_count,
                preview.upgrade_count,
                preview.downgrade_count,
            ),
            (compared, 4, 1, 1),
        )
        self.assertEqual(
            preview.previous_distribution, f"A: 1 · B: 2 · C: 1 · D: 1 · No grade: {compared - 5}"
        )
        self.assertEqual(preview.distribution, f"A: 3 · C: 2 · No grade: {compared - 5}")
        moves = {
            (line.previous_level_id.code, line.level_id.code): line.movement
            for line in preview.line_ids
        }
        self.assertEqual(moves[("B", "A")], "up")
        self.assertEqual(moves[("B", "C")], "down")
        self.assertEqual(moves[("A", "A")], "same")
        self.assertEqual(moves[("D", False)], "ungraded")
        self.assertEqual(moves[(False, "A")], "new")

    def test_preview_writes_nothing_else(self):
        self._apply_run()
        before = self._snapshot()
        preview = self._preview()
        after = self._snapshot()
        self.assertEqual(after, before)
        self.assertTrue(preview.line_ids)
        # and computing it again replaces its lines, still writing nothing else
        lines = preview.line_ids
        preview.action_compute()
        self.assertFalse(lines.exists())
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.customers["c2"].grading_level_id.code, "B")

    def test_changing_the_scheme_or_period_resets_the_preview(self):
        preview = self._preview()
        preview.date_to = date(2026, 6, 30)
        self.assertEqual(preview.state, "draft")
        self.assertFalse(preview.line_ids)
        self.assertEqual(preview.date_from, date(2025, 7, 1))
        self.assertEqual(preview.period_label, "2026 Q2")

    @freeze_time("2026-11-15")
    def test_back_test_compares_with_the_applied_run_of_the_quarter(self):
        q2 = self._apply_run(date_to=date(2026, 6, 30))  # c1 was A in Q2
        self.values["c1"].value = 60
        self._apply_run(date_to=date(2026, 9, 30))  # c1 is C now
        self.assertEqual(self.customers["c1"].grading_level_id.code, "C")
        # the current period (the last ended quarter): against the grades in force
        current = self._preview(date_to=date(2026, 9, 30))
        self.assertEqual(current.comparison, "in_force")
        self.assertEqual(self._matrix(current)[("C", "C")], 2)  # c1, c4
        # a past quarter: against that quarter's applied run
        past = self._preview(date_to=date(2026, 6, 30))
        self.assertEqual((past.comparison, past.comparison_run_id), ("run", q2))
        matrix = self._matrix(past)
        self.assertEqual(matrix[("A", "C")], 1)  # c1 then, graded with today's value
        self.assertEqual(matrix[("C", "C")], 1)  # c4
        # a past quarter without an applied run: against the grades in force
        older = self._preview(date_to=date(2025, 12, 31))
        self.assertEqual((older.comparison, older.comparison_run_id.id), ("in_force", False))

    @freeze_time("2026-11-15")
    def test_back_test_last_four_quarters(self):
        q2 = self._apply_run(date_to=date(2026, 6, 30))
        preview = self.Preview.create({"scheme_id": self.copy.id})
        self.assertEqual(preview.date_to, date(2026, 9, 30))  # the last ended quarter
        action = preview.action_backtest()
        previews = self.Preview.search(action["domain"])
        self.assertEqual(
            previews.mapped("date_to"),
            [date(2026, 9, 30), date(2026, 6, 30), date(2026, 3, 31), date(2025, 12, 31)],
        )
        self.assertIn(preview, previews)  # its own quarter is recomputed, not doubled
        self.assertEqual(set(previews.mapped("state")), {"computed"})
        self.assertEqual(previews.mapped("comparison_run_id"), q2)
        self.assertEqual(previews.scheme_id, self.copy)
        # again: the same four previews, recomputed
        again = self.Preview.search(preview.action_backtest()["domain"])
        self.assertEqual(again, previews)

    @freeze_time("2026-11-15")
    def test_preview_button_on_the_scheme(self):
        action = self.copy.with_user(self.admin).action_preview()
        with Form(self.Preview.with_context(**action["context"])) as form:
            self.assertEqual(form.scheme_id, self.copy)
            self.assertEqual(form.company_id, self.company)
            self.assertEqual(form.date_to, date(2026, 9, 30))
            self.assertEqual(form.date_from, date(2025, 10, 1))
        preview = form.record
        self.assertEqual(preview.name, f"{self.copy.name} – 2026 Q3")
        preview.action_compute()
        self.assertEqual(preview.state, "computed")

    def test_any_scheme_of_the_company_not_another_company(self):
        rfm = self.env.ref("customer_grading.scheme_rfm")  # shared, not in force
        self.assertEqual(self._preview(scheme=rfm).state, "computed")
        other = self.setup_other_company(name="Preview Co 2")["company"]
        theirs = self.manual.copy({"company_id": other.id})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env["customer.grading.preview"].create(
                {"scheme_id": theirs.id, "company_id": self.company.id}
            )

    def test_rights(self):
        preview = self._preview()
        Preview = self.env["customer.grading.preview"]
        for user in (self.salesman_1,):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                Preview.with_user(user).search([])
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                preview.with_user(user).read(["name"])
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                preview.line_ids.with_user(user).read(["count"])
        # managers read previews, but neither create nor compute them
        as_manager = preview.with_user(self.manager)
        self.assertEqual(as_manager.customer_count, preview.customer_count)
        self.assertTrue(as_manager.line_ids.mapped("count"))
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Preview.with_user(self.manager).create({"scheme_id": self.copy.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            as_manager.action_compute()
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            as_manager.action_backtest()
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            as_manager.unlink()
        # administrators create, compute and delete
        own = self._preview(user=self.admin)
        self.assertEqual(own.state, "computed")
        own.with_user(self.admin).unlink()
        self.assertFalse(own.exists())

    def test_company_rule(self):
        preview = self._preview()
        other = self.setup_other_company(name="Preview Co 3")["company"]
        outsider = new_test_user(
            self.env,
            login="cg_admin_other",
            groups="base.group_user,customer_grading.group_customer_grading_admin",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.env["customer.grading.preview"].with_user(outsider).search([]))
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            preview.with_user(outsider).read(["name"])


@tagged("post_install", "-at_install")
class TestPreviewRfm(GradingCase):
    """The RFM preset previewed against the standard scheme in force."""

    def test_rfm_against_the_standard_scheme(self):
        customers = self.env["res.partner"]
        for n in range(5):
            customer = self._customer(f"Shop {n}")
            for month in range(n + 1):
                self._order(customer, date(2026, 4 + month, 10))
            self._invoice(customer, 1000 * (n + 1), date(2026, 4 + n, 10))
            customers |= customer
        self._run().action_apply()
        in_force = {c.grading_level_id.code for c in customers}
        preview = (
            self.env["customer.grading.preview"]
            .with_user(self.admin)
            .create(
                {"scheme_id": self.env.ref("customer_grading.scheme_rfm").id, "date_to": DATE_TO}
            )
        )
        preview.action_compute()
        graded = preview.line_ids.filtered("level_id")
        self.assertEqual(sum(graded.mapped("count")), 5)
        self.assertEqual(
            set(graded.mapped("level_id.code")), {"LOST", "RISK", "POT", "LOYAL", "CHAMP"}
        )
        self.assertEqual(set(graded.mapped("previous_level_id.code")), in_force)
        self.assertEqual({c.grading_level_id.code for c in customers}, in_force)  # unchanged

    def test_copy_of_the_scheme_in_force_reads_its_manual_values(self):
        """A copy has indicators of its own, without values: it reads those of
        the scheme in force (same code), its levels scored as in the copy."""
        rated = self._customer("Rated")
        self._value(rated, "industry_prospects", option="Excellent")
        self._value(rated, "credit_rating", option="AAA")
        for code in ("new_business", "financial_condition", "recommendation", "brand_recognition"):
            self._value(rated, code, 100)
        self._run().action_apply()
        self.assertEqual(rated.grading_level_id.code, "B")  # 70.5: manual 33, amount 30…
        copy = self.scheme.copy()
        Preview = self.env["customer.grading.preview"].with_user(self.admin)
        same = Preview.create({"scheme_id": copy.id, "date_to": DATE_TO})
        same.action_compute()
        self.assertEqual(
            [
                (line.previous_level_id.code, line.level_id.code)
                for line in same.line_ids
                if line.level_id
            ],
            [("B", "B")],
        )
        self.assertEqual(same.changed_count, 0)
        # in the copy, "Excellent" industry prospects score 0: 10 points less
        excellent = copy.indicator_ids.filtered(lambda i: i.code == "industry_prospects").option_ids
        excellent.filtered(lambda option: option.name == "Excellent").score = 0
        lower = Preview.create({"scheme_id": copy.id, "date_to": DATE_TO})
        lower.action_compute()
        self.assertEqual(
            [
                (line.previous_level_id.code, line.level_id.code)
                for line in lower.line_ids
                if line.level_id
            ],
            [("B", "C")],
        )
        self.assertEqual((lower.changed_count, lower.downgrade_count), (1, 1))


@tagged("post_install", "-at_install", "is_query_count")
class TestPreviewQueryBudget(GradingCase):
    """The number of queries of a preview does not grow with the customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.few = cls._customers("Few", count=2, invoices=1)
        cls.many = cls._customers("Many", count=8, invoices=4)

    @classmethod
    def _customers(cls, name, count, invoices):
        customers = cls.env["res.partner"]
        for n in range(count):
            customer = cls._customer(f"{name} {n}", user=cls.salesman_1)
            contact = cls.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
            for month in range(1, invoices + 1):
                invoice = cls._invoice(contact, 1000 * month, date(2026, month, 5))
                cls._pay(invoice, date(2026, month + (month % 2) * 2, 1))
                cls._order(contact, date(2026, month, 2), price=1000, cost=600)
            cls._value(customer, "industry_prospects", option="Good")
            customers |= customer
        return customers

    def test_preview_query_budget(self):
        Preview = self.env["customer.grading.preview"].with_user(self.admin)
        self.many.action_archive()
        # warm the registry caches (record rules of what is read), as on a
        # server that has been running for a while
        warm_up = Preview.create({"scheme_id": self.scheme.id, "date_to": DATE_TO})
        self.env.invalidate_all()
        warm_up.action_compute()
        for customers in (self.few, self.few | self.many):
            customers.action_unarchive()
            preview = Preview.create({"scheme_id": self.scheme.id, "date_to": DATE_TO})
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(PREVIEW_QUERIES):
                preview.action_compute()
            graded = preview.line_ids.filtered("level_id")
            self.assertEqual(sum(graded.mapped("count")), len(customers))
