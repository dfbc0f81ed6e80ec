import ast
import importlib.util
from datetime import date
from pathlib import Path
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestRun(GradingCase):
    """Grading runs: compute, breakdown, grades, history and the scheduled action."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = cls._customer("Big Buyer", user=cls.salesman_1)
        cls.small = cls._customer("Small Buyer", user=cls.salesman_2)
        cls.idle = cls._customer("Idle Prospect")
        for month in range(1, 13):
            invoice = cls._invoice(
                cls.big, 10000, date(2025, 9 + month, 1) if month <= 3 else date(2026, month - 3, 1)
            )
            cls._pay(invoice, invoice.invoice_date)
        for month in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12):
            cls._order(
                cls.big,
                date(2026, 9, 1) if month > 9 else date(2026, month, 3),
                price=5000,
                cost=2000,
            )
        cls._order(cls.big, date(2024, 1, 1))
        cls._invoice(cls.big, 60000, date(2025, 3, 1))  # previous period: +100 %
        cls._invoice(cls.small, 1000, date(2026, 2, 1))  # due in March, unpaid
        cls._order(cls.small, date(2026, 2, 1), price=1000, cost=900)
        for code, option in (("industry_prospects", "Excellent"), ("credit_rating", "AAA")):
            cls._value(cls.big, code, option=option)
        for code in ("new_business", "financial_condition", "recommendation", "brand_recognition"):
            cls._value(cls.big, code, 100)
        cls._value(cls.small, "industry_prospects", option="Poor")
        cls._value(cls.small, "new_business", 20)

    def test_compute_breakdown(self):
        run = self._run()
        self.assertEqual(run.state, "computed")
        big = self._result(run, self.big)
        self.assertEqual(len(big.line_ids), 12)
        amount = self._line(run, self.big, "annual_amount")
        self.assertEqual(amount.raw_value, 120000)
        self.assertEqual(amount.score, 100)  # best of the run
        self.assertEqual(amount.weight, 30)
        self.assertEqual(amount.points, 30)
        growth = self._line(run, self.big, "growth_trend")
        self.assertEqual(growth.raw_value, 100)
        self.assertEqual(growth.score, 100)
        self.assertEqual(
            self._line(run, self.big, "industry_prospects").option_id.name, "Excellent"
        )
        self.assertEqual(self._line(run, self.big, "payment_record").score, 100)
        self.assertEqual(self._line(run, self.big, "purchase_frequency").score, 100)
        self.assertEqual(big.score, round(sum(big.line_ids.mapped("points")), 2))
        self.assertEqual(big.score, 100)
        self.assertEqual(big.level_id.code, "A")
        self.assertEqual(
            {d.dimension_id.name: d.points for d in big.dimension_ids},
            {"Value contribution": 50, "Cooperation potential": 30, "Credit": 15, "Loyalty": 5},
        )
        small = self._result(run, self.small)
        self.assertEqual(self._line(run, self.small, "annual_amount").score, 0)
        self.assertEqual(self._line(run, self.small, "payment_record").raw_value, 0)
        self.assertEqual(self._line(run, self.small, "industry_prospects").score, 40)
        growth = self._line(run, self.small, "growth_trend")
        self.assertFalse(growth.has_value)
        self.assertEqual(growth.score, 50)  # no history: neutral
        self.assertEqual(small.level_id.code, "D")
        self.assertEqual(small.next_level_id.code, "C")
        self.assertAlmostEqual(small.points_to_next_level, 55 - small.score)

    def test_insufficient_data(self):
        run = self._run()
        idle = self._result(run, self.idle)
        self.assertTrue(idle.is_insufficient)
        self.assertFalse(idle.level_id)
        self.assertEqual(run.insufficient_count, 1)
        self.assertEqual(run.graded_count, 2)
        self.assertEqual(run.distribution, "A: 1 · D: 1")
        self.assertEqual(run.result_count, 3)
        run.action_apply()
        self.assertEqual(self.idle.grading_state, "insufficient")
        self.assertFalse(self.idle.grading_level_id)

    def test_insufficient_data_graded_lowest_when_set(self):
        self.company.grading_grade_insufficient_data = True
        run = self._run()
        self.assertEqual(self._result(run, self.idle).level_id.code, "D")
        self.assertEqual(run.distribution, "A: 1 · D: 2")
        self.assertEqual(run.insufficient_count, 0)

    def test_apply_sets_grades_and_history(self):
        first = self._run(date_to=date(2026, 6, 30))
        first.action_apply()
        self.assertEqual(self.big.grading_level_id.code, "A")
        self.assertEqual(self.big.grading_score, self._result(first, self.big).score)
        self.assertEqual(self.big.grading_date, date(2026, 6, 30))
        self.assertEqual(self.big.grading_result_id, self._result(first, self.big))
        self.assertEqual(self.small.grading_level_id.code, "D")
        self._value(self.small, "financial_condition", 100)
        second = self._run()
        small = self._result(second, self.small)
        self.assertEqual(small.previous_level_id.code, "D")
        second.action_apply()
        self.assertEqual(self.small.grading_score, small.score)
        self.assertEqual(
            self.small.grading_history_ids.mapped("period_label"), ["2026 Q3", "2026 Q2"]
        )
        self.assertEqual(self.small.grading_history_ids.filtered("is_current"), small)
        self.assertFalse(self._result(first, self.small).is_current)
        self.assertEqual(self.small.grading_line_ids, small.line_ids)
        self.assertEqual(self.small.grading_dimension_ids, small.dimension_ids)

    def test_grade_change_logged_on_the_result(self):
        self._run(date_to=date(2026, 6, 30)).action_apply()
        self.assertEqual(self.big.grading_level_id.code, "A")
        for value in self.big.grading_value_ids:
            if value.indicator_id.code in ("new_business", "financial_condition", "recommendation"):
                value.value = 0
        run = self._run()
        big = self._result(run, self.big)
        self.assertEqual(big.score, 83)
        self.assertEqual(big.trend, "down")
        run.action_apply()
        self.assertEqual(self.big.grading_level_id.code, "B")
        grade = (
            big.message_ids[0]
            .sudo()
            .tracking_value_ids.filtered(lambda t: t.field_id.name == "level_id")
        )
        self.assertEqual((grade.old_value_char, grade.new_value_char), ("A", "B"))
        # not in the customer's chatter, which every employee of every company reads
        self.assertFalse(self.big.sudo().message_ids.tracking_value_ids)

    def test_grade_boundaries(self):
        self._use_manual_scheme({"only": 100})
        scheme = self.company.grading_scheme_id
        indicator = scheme.indicator_ids
        cases = {84.99: "B", 85: "A", 54.99: "D", 55: "C", 70: "B", 69.99: "C"}
        partners = self.env["res.partner"]
        for score in cases:
            partner = self._customer(f"Scored {score}")
            self._value(partner, indicator, score)
            partners |= partner
        run = self._run(partners)
        for partner, (score, code) in zip(partners, cases.items(), strict=True):
            result = self._result(run, partner)
            self.assertEqual(result.score, score)
            self.assertEqual(result.level_id.code, code, f"{score} should be {code}")

    def test_rank_scoring_and_partial_run_reference(self):
        middle = self._customer("Middle Buyer")
        self._invoice(middle, 5000, date(2026, 3, 1))
        run = self._run()
        self.assertEqual(self._line(run, self.big, "annual_amount").score, 100)
        self.assertEqual(self._line(run, middle, "annual_amount").score, 50)
        self.assertEqual(self._line(run, self.small, "annual_amount").score, 0)
        run.action_apply()
        # re-graded alone, a customer is ranked among the last full run's customers
        self._invoice(self.small, 7000, date(2026, 9, 1))
        partial = self._run(self.small)
        self.assertTrue(partial.is_partial)
        self.assertEqual(len(partial.result_ids), 1)
        self.assertEqual(self._line(partial, self.small, "annual_amount").score, 50)

    def test_customer_with_manual_values_only_ranks_among_the_others(self):
        """A customer graded on its manual values alone, without a document in
        the period, is in the population it is ranked in, and the others are
        ranked against it."""
        assessed = self._customer("Assessed Only")
        self._value(assessed, "new_business", 50)
        run = self._run()
        self.assertFalse(self._result(run, assessed).is_insufficient)
        self.assertEqual(self._line(run, assessed, "annual_amount").raw_value, 0)
        self.assertEqual(
            run.rank_populations[str(self.indicators["annual_amount"].id)], [0, 1000, 120000]
        )
        self.assertEqual(self._line(run, assessed, "annual_amount").score, 0)
        self.assertEqual(self._line(run, self.small, "annual_amount").score, 50)
        self.assertEqual(self._line(run, self.big, "annual_amount").score, 100)

    def test_regrade_one_customer(self):
        self.env["customer.grading.run"].create({"date_to": DATE_TO}).action_compute()
        action = self.small.with_user(self.manager).action_grading_regrade()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.small.grading_level_id)
        partial = self.env["customer.grading.run"].search([("partner_ids", "in", self.small.ids)])
        self.assertEqual(partial.state, "applied")
        self.assertEqual(partial.result_ids.partner_id, self.small)
        self.assertFalse(self.big.grading_level_id)

    def test_run_list_finds_pending_regradings(self):
        """The runs list hides the re-gradings once published, not one a
        manager created and has still to publish."""
        full = self._run()
        self.small.with_user(self.manager).action_grading_regrade()
        published = self.env["customer.grading.run"].search([("partner_ids", "in", self.small.ids)])
        pending = self._run(partners=self.big)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_run_action"
        )
        self.assertEqual(action["context"], "{'search_default_filter_current': 1}")
        arch = self.env["customer.grading.run"].get_views([(False, "search")])["views"]["search"]
        domain = ast.literal_eval(
            etree.fromstring(arch["arch"])
            .xpath("//filter[@name='filter_current']")[0]
            .get("domain")
        )
        shown = self.env["customer.grading.run"].search(domain)
        self.assertIn(full, shown)
        self.assertIn(pending, shown)
        self.assertNotIn(published, shown)

    def test_results_pivot_counts_and_averages(self):
        """A run's results open with the count and the average score in the
        pivot: the average of a group is that of its results."""
        run = self._run()
        action = run.action_view_results()
        self.assertEqual(action["context"]["pivot_measures"], ["__count", "score"])
        groups = self.env["customer.grading.result"].read_group(
            action["domain"], ["score:avg"], ["level_id"]
        )
        for group in groups:
            results = self.env["customer.grading.result"].search(group["__domain"])
            self.assertAlmostEqual(
                group["score"], sum(results.mapped("score")) / len(results), places=2
            )

    def test_regrade_from_a_contact_grades_the_company(self):
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.small.id})
        contact.action_grading_regrade()
        self.assertTrue(self.small.grading_level_id)

    def test_grades_are_per_company(self):
        other = self.setup_other_company(name="Grading Co 2")["company"]
        other.grading_review_required = False
        other.grading_scheme_id = self.scheme
        self._invoice(self.small, 500000, date(2026, 5, 1), company=other)
        self._run().action_apply()
        run_2 = (
            self.env["customer.grading.run"]
            .with_company(other)
            .create(
                {
                    "date_to": DATE_TO,
                    "company_id": other.id,
                }
            )
        )
        run_2.action_compute()
        run_2.action_apply()
        self.assertEqual(self.small.grading_level_id.code, "D")
        small_2 = self.small.with_company(other)
        self.assertEqual(self._line(run_2, self.small, "annual_amount").raw_value, 500000)
        self.assertNotEqual(small_2.grading_score, self.small.grading_score)
        self.assertEqual(small_2.grading_result_id.run_id, run_2)
        self.assertEqual(self.small.grading_result_id.company_id, self.company)

    def test_run_states(self):
        run = self._run()
        run.action_reset_to_draft()
        self.assertEqual(run.state, "draft")
        self.assertFalse(run.result_ids)
        run.action_compute()
        run.action_apply()
        with self.assertRefused(UserError, "is Published; this is done on a run that is Computed"):
            run.action_apply()
        with self.assertRefused(UserError, "grade history"):
            run.action_cancel()
        with self.assertRefused(UserError, "grade history"):
            run.unlink()
        with self.assertRaises(UserError):
            run.action_compute()

    def test_results_independent_of_who_computes(self):
        by_admin = self._run()
        scores = {r.partner_id: r.score for r in by_admin.result_ids}
        by_admin.action_reset_to_draft()
        by_admin.action_cancel()
        # a grading manager without any sales or accounting right
        by_manager = self._run(user=self.manager)
        self.assertEqual({r.partner_id: r.score for r in by_manager.sudo().result_ids}, scores)

    @freeze_time("2026-10-02")
    def test_quarterly_cron_is_idempotent(self):
        # the scheduler runs as the superuser, for every company with a scheme
        Run = self.env["customer.grading.run"].sudo()
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 2)
        runs = Run._cron_grade_last_quarter()
        run = runs.filtered(lambda r: r.company_id == self.company)
        self.assertEqual(run.state, "queued")
        self.assertEqual(run.period_label, "2026 Q3")
        self.assertEqual((run.date_from, run.date_to), (date(2025, 10, 1), date(2026, 9, 30)))
        steps = 0
        while Run._cron_process_runs():
            steps += 1
        self.assertGreater(steps, 1)  # one batch per call
        self.assertEqual(run.state, "applied")
        self.assertEqual(self.big.grading_level_id.code, "A")
        first_ids = run.result_ids.ids
        self.assertEqual(len(first_ids), 3)

        # run again for the same quarter, it leaves the applied run as it is
        again = Run._cron_grade_last_quarter()
        self.assertEqual(again, runs)
        self.assertFalse(Run._cron_process_runs())
        same_period = [("period_label", "=", "2026 Q3"), ("company_id", "=", self.company.id)]
        self.assertEqual(Run.search_count(same_period), 1)
        self.assertEqual(run.result_ids.ids, first_ids)
        self.assertEqual(run.state, "applied")
        self.assertEqual(self.big.grading_result_id, self._result(run, self.big))

    def test_queue_read_in_slices(self):
        """The scheduled steps read the run's queue and populations in SQL,
        a slice at a time, as the ORM stores them."""
        run = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        run.action_queue()
        self.env["customer.grading.run"]._cron_process_runs()  # started
        queue = run.partner_queue
        self.assertEqual(run._queued_partners(), queue)
        self.assertEqual(run._queue_length(), 3)
        self.assertEqual(run._queued_partners([(2, 3), (0, 1)]), [queue[2], queue[0]])
        self.assertEqual(run._queued_partners([(1, 10)]), queue[1:])
        self.assertFalse(run._has_rank_populations())
        run._write_json({"rank_populations": {"1": [1.5, 2.0]}})
        self.assertTrue(run._has_rank_populations())
        self.assertEqual(run.rank_populations, {"1": [1.5, 2.0]})
        self.assertEqual(run._read_json("rank_populations"), {"1": [1.5, 2.0]})

    def test_cron_resumes_after_interruption(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        run = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        run.action_queue()
        Run = self.env["customer.grading.run"]

        self.assertEqual(Run._cron_process_runs(), 3)  # started: 3 customers to grade
        self.assertEqual((run.state, run.progress, len(run.partner_queue)), ("computing", 0, 3))
        self.assertFalse(run.rank_populations)
        self.assertEqual(Run._cron_process_runs(), 3)  # a step to rank the customers
        self.assertEqual(len(run.rank_populations[str(self.indicators["annual_amount"].id)]), 2)
        self.assertEqual(Run._cron_process_runs(), 2)
        self.assertEqual((run.progress, len(run.result_ids)), (1, 1))
        # a batch that fails is rolled back alone; the next call resumes
        with (
            patch.object(
                type(self.env["customer.grading.result"]),
                "_insert_lines",
                side_effect=ZeroDivisionError,
            ),
            self.assertRaises(ZeroDivisionError),
        ):
            Run._cron_process_runs()
        self.assertEqual((run.progress, len(run.result_ids)), (1, 1))
        self.assertEqual(Run._cron_process_runs(), 1)
        self.assertEqual(Run._cron_process_runs(), 0)
        self.assertEqual(run.state, "computed")
        self.assertEqual((run.progress, len(run.result_ids)), (3, 3))

    def test_migration_restarts_a_run_computed_before_its_batches(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_grading.batch_size", 1)
        run = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        run.action_queue()
        Run = self.env["customer.grading.run"]
        while not run.result_ids:
            Run._cron_process_runs()
        expected = {result.partner_id: result.score for result in run.result_ids}
        # as computing runs were before 18.0.1.3.0: a graded batch, no batch rows
        self.env.cr.execute("DELETE FROM customer_grading_run_batch WHERE run_id = %s", [run.id])
        path = Path(__file__).parents[1] / "migrations/18.0.1.3.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("post_migration_18_0_1_3_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)

        migration.migrate(self.env.cr, "18.0.1.2.0")

        self.env.invalidate_all()
        self.assertEqual(
            (run.state, run.result_ids), ("queued", self.env["customer.grading.result"])
        )
        while Run._cron_process_runs():
            pass
        self.assertEqual(run.state, "computed")
        self.assertEqual(len(run.result_ids), len(run.partner_queue))
        for result in run.result_ids:
            self.assertEqual(result.score, expected.get(result.partner_id, result.score))

    def test_partner_list_filters(self):
        self._run().action_apply()
        Partner = self.env["res.partner"]
        self.assertIn(self.big, Partner.search([("grading_level_id.code", "=", "A")]))
        self.assertIn(self.idle, Partner.search([("grading_state", "=", "insufficient")]))
        groups = dict(
            Partner._read_group(
                [("id", "in", (self.big | self.small | self.idle).ids)],
                ["grading_level_id"],
                ["__count"],
            )
        )
        self.assertEqual(groups[self.levels["A"]], 1)
        self.assertEqual(groups[self.levels["D"]], 1)

    def test_run_partner_scope_uses_commercial_entity(self):
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": self.big.id})
        run = self._run(contact)
        self.assertEqual(run.result_ids.partner_id, self.big)
        self.assertEqual(run.name, f"2026 Q3 – {contact.display_name}")

    def test_archived_customer_not_graded(self):
        self.small.active = False
        run = self._run()
        self.assertNotIn(self.small, run.result_ids.partner_id)

    def test_customer_of_another_company_not_graded(self):
        other = self.setup_other_company(name="Grading Co 3")["company"]
        theirs = self._customer("Their customer", company_id=other.id)
        run = self._run()
        self.assertNotIn(theirs, run.result_ids.partner_id)
        self.assertIn(self.idle, run.result_ids.partner_id)

    def test_manual_only_customer_is_graded(self):
        prospect = self.env["res.partner"].create({"name": "Prospect", "is_company": True})
        self._value(prospect, "new_business", 90)
        run = self._run()
        result = self._result(run, prospect)
        self.assertTrue(result)
        self.assertFalse(result.is_insufficient)

    def test_invoiced_partner_without_customer_rank_is_graded(self):
        """A company invoiced in the period is graded though not marked a
        customer; a vendor without invoice nor manual value is not."""
        invoiced = self.env["res.partner"].create({"name": "Invoiced", "is_company": True})
        self._invoice(invoiced, 500, date(2026, 3, 1))
        vendor = self.env["res.partner"].create({"name": "Vendor", "is_company": True})
        (invoiced | vendor).write({"customer_rank": 0})
        run = self._run()
        self.assertTrue(self._result(run, invoiced))
        self.assertNotIn(vendor, run.result_ids.partner_id)
        self.assertEqual(run.result_ids.partner_id, run.result_ids.partner_id.sorted("id"))

    def test_run_dates_default(self):
        run = self.env["customer.grading.run"].create({"date_to": "2026-12-31"})
        self.assertEqual(run.date_from, date(2026, 1, 1))
        self.assertEqual(run.period_label, "2026 Q4")
        self.assertEqual(run.scheme_id, self.scheme)
        self.company.grading_period_months = 6
        run_6 = self.env["customer.grading.run"].create({"date_to": "2026-06-30"})
        self.assertEqual(run_6.date_from, date(2026, 1, 1))

    @freeze_time("2026-11-30 10:00:00")
    def test_new_run_grades_the_last_ended_quarter(self):
        """In November, a new run grades the third quarter, which has ended,
        over the reference window that ends with it."""
        form = Form(self.env["customer.grading.run"].with_user(self.manager))
        self.assertEqual(form.date_to, date(2026, 9, 30))
        self.assertEqual(form.period_label, "2026 Q3")
        self.assertEqual(form.date_from, date(2025, 10, 1))
        run = form.save()
        self.assertEqual(run.name, "2026 Q3")

    def test_run_period_labels_say_what_they_are(self):
        Run = self.env["customer.grading.run"].with_user(self.manager)
        described = Run.fields_get(["period_label", "date_from", "date_to"], ["string", "help"])
        self.assertEqual(described["period_label"]["string"], "Quarter Graded")
        self.assertRegex(described["date_from"]["help"], "reference window")
        self.assertRegex(described["date_to"]["help"], "reference window")
        arch = Run.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('string="Reference Window"', arch)

    def test_run_with_partner_ids_command(self):
        run = self.env["customer.grading.run"].create(
            {
                "date_to": DATE_TO,
                "partner_ids": [Command.set(self.big.ids)],
            }
        )
        self.assertTrue(run.is_partial)
