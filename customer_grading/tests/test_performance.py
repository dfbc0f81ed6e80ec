from datetime import date

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import DATE_TO, GradingCase

# Queries of one batch, whatever the number of customers in the batch and of
# documents per customer. A change that queries per customer or per document
# breaks these budgets. A batch also reads, once, the time zone that cuts the
# period's orders and the rounding of the company currency, and claims itself
# (one query: see customer.grading.run.batch), then reads its customers and
# the run's populations from the run's queue (one query each, not through the
# ORM, which would copy the whole queue).
COMPUTE_BATCH_QUERIES = 22
APPLY_BATCH_QUERIES = 7
# The RFM preset (three automatic indicators, by rank): the recency is a
# query of its own, read only when a scheme uses it; the payment record, which
# the preset does not use, is not read, nor what it needs (currency rounding).
COMPUTE_BATCH_QUERIES_RFM = 20


@tagged("post_install", "-at_install", "is_query_count")
class TestBatchQueryBudget(GradingCase):
    """The number of queries of a batch does not depend on its size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.few = cls._customers("Few", count=2, invoices=1)
        cls.many = cls._customers("Many", count=8, invoices=4)

    @classmethod
    def _customers(cls, name, count, invoices):
        """``count`` customers with contacts, invoices paid on time and late,
        a refund, orders and manual values."""
        customers = cls.env["res.partner"]
        for n in range(count):
            customer = cls._customer(f"{name} {n}", user=cls.salesman_1)
            contact = cls.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
            for month in range(1, invoices + 1):
                invoice = cls._invoice(contact, 1000 * month, date(2026, month, 5))
                cls._pay(invoice, date(2026, month + (month % 2) * 2, 1))
                cls._order(contact, date(2026, month, 2), price=1000, cost=600)
            cls._invoice(customer, 200, date(2026, 6, 1), move_type="out_refund")
            cls._invoice(customer, 500, date(2025, 5, 1))  # previous period
            cls._value(customer, "industry_prospects", option="Good")
            cls._value(customer, "new_business", 60)
            customers |= customer
        return customers

    def _started_run(self, customers):
        run = self.env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set(customers.ids)]}
        )
        run._start()
        self.env.invalidate_all()
        return run

    def _warm_up(self):
        """Fill the registry caches (parameters, views of the scheme) first, as
        on a server that has been running for a while."""
        run = self._started_run(self.few)
        run._compute_step()
        run._apply_step()

    def test_compute_batch_budget(self):
        self._warm_up()
        for customers in (self.few, self.many):
            run = self._started_run(customers)
            with self.assertQueryCount(COMPUTE_BATCH_QUERIES):
                self.assertEqual(run._compute_step(), len(customers))
            self.assertEqual(run.state, "computed")
            self.assertEqual(len(run.result_ids), len(customers))
            self.assertEqual(
                len(run.result_ids.line_ids), len(customers) * len(run.scheme_id.indicator_ids)
            )

    def test_compute_batch_budget_rfm(self):
        self.company.grading_scheme_id = self.env.ref("customer_grading.scheme_rfm")
        self._warm_up()
        for customers in (self.few, self.many):
            run = self._started_run(customers)
            with self.assertQueryCount(COMPUTE_BATCH_QUERIES_RFM):
                self.assertEqual(run._compute_step(), len(customers))
            self.assertEqual(len(run.result_ids.line_ids), len(customers) * 3)
            self.assertTrue(all(run.result_ids.line_ids.mapped("has_value")))

    def test_apply_batch_budget(self):
        self._warm_up()
        for customers in (self.few, self.many):
            run = self._started_run(customers)
            run._compute_step()
            self.env.invalidate_all()
            with self.assertQueryCount(APPLY_BATCH_QUERIES):
                self.assertEqual(run._apply_step(), len(customers))
            self.assertEqual(run.state, "applied")
            self.assertTrue(all(customers.mapped("grading_level_id")))

    def test_compute_button_queues_runs_over_all_customers(self):
        full = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        chosen = self.env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set(self.few.ids)]}
        )
        cron = self.env.ref("customer_grading.ir_cron_process_runs")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        (full | chosen).action_start()

        self.assertEqual(full.state, "queued")
        self.assertFalse(full.result_ids)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.assertEqual(chosen.state, "computed")
        self.assertEqual(chosen.result_ids.partner_id, self.few)


@tagged("post_install", "-at_install")
class TestConcurrentEdit(TransactionCase):
    """A user editing a customer while a run writes the grades keeps their
    change, and the run goes on. Two real transactions, committed, cleaned up."""

    def _transaction(self):
        cr = odoo.sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _graded_run(self, env):
        """A committed run over one new customer, computed, waiting to be published."""
        partner = env["res.partner"].create(
            {"name": "Concurrent Customer", "is_company": True, "customer_rank": 1}
        )
        indicator = env.company.grading_scheme_id.indicator_ids.filtered(
            lambda indicator: indicator.code == "new_business"
        )
        env["customer.grading.value"].create(
            {"partner_id": partner.id, "indicator_id": indicator.id, "value": 90}
        )
        # the scheduler publishes at once where the company publishes without review
        review_required = env.company.grading_review_required
        env.company.grading_review_required = False
        run = env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set(partner.ids)], "auto_apply": True}
        )
        run.action_compute()
        env.cr.commit()
        self.addCleanup(self._delete, partner.id, run.id, env.company.id, review_required)
        return run, partner

    def _run_to_publish(self, env):
        """A committed run over two new customers, computed, whose publication
        a grading manager asked for: the scheduler publishes it one customer
        per batch."""
        Param = env["ir.config_parameter"]
        batch_size = Param.get_param("customer_grading.batch_size")
        Param.set_param("customer_grading.batch_size", 1)
        partners = env["res.partner"].create(
            [
                {"name": f"Concurrent Customer {n}", "is_company": True, "customer_rank": 1}
                for n in range(2)
            ]
        )
        indicator = env.company.grading_scheme_id.indicator_ids.filtered(
            lambda indicator: indicator.code == "new_business"
        )
        env["customer.grading.value"].create(
            [{"partner_id": p.id, "indicator_id": indicator.id, "value": 90} for p in partners]
        )
        review_required = env.company.grading_review_required
        env.company.grading_review_required = False
        run = env["customer.grading.run"].create(
            {"date_to": DATE_TO, "partner_ids": [Command.set(partners.ids)]}
        )
        run.action_compute()
        # as the administrator, a grading manager
        run.with_user(env.ref("base.user_admin")).action_apply()
        env.cr.commit()
        self.addCleanup(self._restore_batch_size, batch_size)
        self.addCleanup(self._delete, partners.ids, run.id, env.company.id, review_required)
        return run, partners

    def _restore_batch_size(self, batch_size):
        with odoo.sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"].set_param(
                "customer_grading.batch_size", batch_size
            )

    def _delete(self, partner_ids, run_id, company_id, review_required):
        partner_ids = partner_ids if isinstance(partner_ids, list) else [partner_ids]
        with odoo.sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                "UPDATE res_company SET grading_review_required = %s WHERE id = %s",
                [review_required, company_id],
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'customer.grading.run' AND res_id = %s",
                [run_id],
            )
            cr.execute("DELETE FROM customer_grading_run WHERE id = %s", [run_id])
            cr.execute(
                "DELETE FROM customer_grading_value WHERE partner_id = ANY(%s)", [partner_ids]
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'res.partner' AND res_id = ANY(%s)",
                [partner_ids],
            )
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [partner_ids])
            cr.execute(
                "DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)",
                [
                    [
                        self.env.ref("customer_grading.ir_cron_process_runs").id,
                        self.env.ref("customer_grading.ir_cron_process_runs_2").id,
                    ]
                ],
            )

    def test_concurrent_edit_survives_and_batch_is_retried(self):
        run_env, user_env = self._transaction(), self._transaction()
        run, partner = self._graded_run(run_env)
        Run = run_env["customer.grading.run"]
        self.assertEqual(run.state, "publishing")  # the scheduler's transaction begins

        # meanwhile a salesperson saves a new phone number on the customer
        user_env["res.partner"].browse(partner.id).phone = "+86 21 5555 0100"
        user_env.flush_all()
        user_env.cr.commit()

        # the batch meets the edit: rolled back alone, the run is not failed
        with mute_logger(
            "odoo.sql_db", "odoo.addons.customer_grading.models.customer_grading_scheduler"
        ):
            Run._cron_process_runs()
        self.assertEqual((run.state, run.applied_result_id), ("publishing", 0))
        run_env.cr.commit()

        # the next call, in a new transaction, applies the grade
        self.assertEqual(Run._cron_process_runs(), 0)
        run_env.cr.commit()
        run_env.invalidate_all()
        self.assertEqual(run.state, "applied")
        self.assertEqual(partner.grading_level_id, run.result_ids.level_id)
        self.assertTrue(partner.grading_level_id)
        self.assertEqual(partner.phone, "+86 21 5555 0100")

    def test_background_publication_completes_while_customers_are_edited(self):
        run_env, user_env = self._transaction(), self._transaction()
        run, partners = self._run_to_publish(run_env)
        Run = run_env["customer.grading.run"]
        self.assertEqual(run.state, "publishing")
        self.assertEqual(Run._cron_process_runs(), 1)  # the first customer, committed
        run_env.cr.commit()
        run_env.invalidate_all()
        self.assertEqual(run.state, "publishing")  # the scheduler's next transaction begins

        # meanwhile salespeople save new phone numbers on both customers
        user_env["res.partner"].browse(partners.ids).phone = "+86 21 5555 0100"
        user_env.flush_all()
        user_env.cr.commit()

        # the second batch meets the edit: rolled back alone, the publication goes on
        with mute_logger(
            "odoo.sql_db", "odoo.addons.customer_grading.models.customer_grading_scheduler"
        ):
            self.assertEqual(Run._cron_process_runs(), 1)
        self.assertEqual(run.state, "publishing")
        run_env.cr.commit()

        self.assertEqual(Run._cron_process_runs(), 0)
        run_env.cr.commit()
        run_env.invalidate_all()
        self.assertEqual(run.state, "applied")
        for partner in partners:
            self.assertEqual(partner.grading_result_id.run_id, run)
            self.assertTrue(partner.grading_level_id)
            self.assertEqual(partner.phone, "+86 21 5555 0100")
