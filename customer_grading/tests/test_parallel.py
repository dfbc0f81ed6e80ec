import threading

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from .common import DATE_TO

BATCH_SIZE = 2
SCHEDULER_LOGGER = "odoo.addons.customer_grading.models.customer_grading_scheduler"
CUSTOMERS = 13
# the figures of a result and its breakdown that grading gives
FIGURES = """
    SELECT r.partner_id, r.score, r.level_id, r.computed_level_id, r.trend, r.is_insufficient,
           r.is_blacklisted, r.previous_level_id, r.demotion_held,
           (SELECT json_agg(json_build_array(l.indicator_id, l.dimension_id, l.raw_value,
                                             l.option_id, l.has_value, l.score, l.weight,
                                             l.points)
                            ORDER BY l.indicator_id)
              FROM customer_grading_result_line l WHERE l.result_id = r.id)
      FROM customer_grading_result r
     WHERE r.run_id = %s
  ORDER BY r.partner_id
"""


@tagged("post_install", "-at_install")
class TestParallelWorkers(TransactionCase):
    """Two workers (two scheduled actions, each its own transaction) grade
    one run together: each batch is claimed by one of them, a batch or a
    step of the run that one holds is skipped by the other, never waited
    on, and the results are those of one worker alone. Real transactions,
    committed, cleaned up."""

    def setUp(self):
        super().setUp()
        self.registry_dbname = self.env.cr.dbname
        env = self._transaction()
        Param = env["ir.config_parameter"]
        self.addCleanup(self._restore, Param.get_param("customer_grading.batch_size"))
        Param.set_param("customer_grading.batch_size", BATCH_SIZE)
        scheme = env.ref("customer_grading.scheme_standard")
        env.company.grading_scheme_id = scheme
        indicators = {indicator.code: indicator for indicator in scheme.indicator_ids}
        prospects = indicators["industry_prospects"].option_ids
        self.partner_ids = (
            env["res.partner"]
            .create(
                [
                    {"name": f"Parallel Customer {n}", "is_company": True, "customer_rank": 1}
                    for n in range(CUSTOMERS)
                ]
            )
            .ids
        )
        env["customer.grading.value"].create(
            [
                values
                for n, partner_id in enumerate(self.partner_ids)
                for values in (
                    {
                        "partner_id": partner_id,
                        "indicator_id": indicators["new_business"].id,
                        "value": 7 * n % 100,
                    },
                    {
                        "partner_id": partner_id,
                        "indicator_id": indicators["recommendation"].id,
                        "value": 100 - 6 * n,
                    },
                    {
                        "partner_id": partner_id,
                        "indicator_id": indicators["industry_prospects"].id,
                        "option_id": prospects[n % len(prospects)].id,
                    },
                )
            ]
        )
        env.cr.commit()
        self.run_ids = []

    def _transaction(self):
        cr = odoo.sql_db.db_connect(self.registry_dbname).cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _restore(self, batch_size):
        with odoo.sql_db.db_connect(self.registry_dbname).cursor() as cr:
            cr.execute("DELETE FROM customer_grading_result WHERE run_id = ANY(%s)", [self.run_ids])
            cr.execute(
                """
                DELETE FROM mail_message
                 WHERE model = 'customer.grading.run' AND res_id = ANY(%s)
                """,
                [self.run_ids],
            )
            cr.execute("DELETE FROM customer_grading_run WHERE id = ANY(%s)", [self.run_ids])
            cr.execute(
                "DELETE FROM customer_grading_value WHERE partner_id = ANY(%s)", [self.partner_ids]
            )
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [self.partner_ids])
            cr.execute(
                """
                DELETE FROM ir_cron_trigger t USING ir_cron c, ir_act_server a
                 WHERE c.id = t.cron_id AND a.id = c.ir_actions_server_id
                   AND a.code = 'model._cron_process_runs()'
                """
            )
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("customer_grading.batch_size", batch_size)

    def _reset_lock_timeout(self, env):
        env.cr.rollback()
        env.cr.execute("RESET lock_timeout")
        env.cr.commit()

    def _queued_run(self, env):
        """A full run of the period, queued for the scheduled action, committed."""
        run = env["customer.grading.run"].create({"date_to": DATE_TO})
        run.action_queue()
        env.cr.commit()
        self.run_ids.append(run.id)
        return run

    def _figures(self, env, run):
        env.cr.execute(FIGURES, [run.id])
        return env.cr.fetchall()

    def _state(self, env, run):
        env.invalidate_all()
        return run.state

    def _worker(self, cron, run, barrier, calls, errors):
        """A scheduled action's worker: its own transaction, committed after
        every call, as ``ir.cron`` does; rounds in step with the other worker
        so that both call at the same time."""
        try:
            with odoo.sql_db.db_connect(self.registry_dbname).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                progress = env["ir.cron.progress"].create({"cron_id": cron.id})
                Run = env["customer.grading.run"].with_context(ir_cron_progress_id=progress.id)
                env.cr.commit()
                run = run.with_env(env)
                while True:
                    barrier.wait()
                    Run._cron_process_runs()
                    calls.append((cron.id, progress.done))
                    env.cr.commit()
                    barrier.wait()
                    if self._state(env, run) not in ("queued", "computing"):
                        progress.unlink()
                        env.cr.commit()
                        return
        except Exception as error:  # reported by the test's thread
            errors.append(error)
            barrier.abort()

    def test_two_workers_grade_one_run_as_one_worker_does(self):
        env = self._transaction()
        Run = env["customer.grading.run"]

        # one worker alone
        alone = self._queued_run(env)
        calls_alone = 0
        while self._state(env, alone) in ("queued", "computing"):
            Run._cron_process_runs()
            env.cr.commit()
            calls_alone += 1
        self.assertEqual(alone.state, "computed")
        expected = self._figures(env, alone)
        self.assertGreaterEqual(len(expected), CUSTOMERS)
        self.assertGreater(len(expected) // BATCH_SIZE, 5)  # several batches
        self.assertIn(self.partner_ids[0], [row[0] for row in expected])
        self.assertGreater(len({row[1] for row in expected}), 5)  # several scores
        alone.action_cancel()
        env.cr.commit()

        # two workers: the two scheduled actions shipped, each in its thread
        together = self._queued_run(env)
        crons = env.ref("customer_grading.ir_cron_process_runs") | env.ref(
            "customer_grading.ir_cron_process_runs_2"
        )
        barrier = threading.Barrier(2, timeout=120)
        calls, errors = [], []
        threads = [
            threading.Thread(target=self._worker, args=(cron, together, barrier, calls, errors))
            for cron in crons
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        self.assertFalse(errors)
        env.cr.rollback()  # a new snapshot: the workers' commits
        self.assertEqual(self._state(env, together), "computed")
        self.assertEqual(self._figures(env, together), expected)
        # both took part, and each customer was graded once
        for cron in crons:
            self.assertTrue([done for cron_id, done in calls if cron_id == cron.id and done])
        self.assertEqual(
            len({row[0] for row in self._figures(env, together)}), len(together.partner_queue)
        )
        # two batches at a time: fewer rounds than calls of one worker alone
        self.assertLess(len(calls) // 2, calls_alone)

    def test_what_one_worker_holds_the_other_skips_without_waiting(self):
        first, second = self._transaction(), self._transaction()
        run = self._queued_run(first)
        Run, Other = first["customer.grading.run"], second["customer.grading.run"]
        # a wait would end in an error, which the scheduler logs, rather than hang the test
        second.cr.execute("SET lock_timeout = '1s'")
        self.addCleanup(self._reset_lock_timeout, second)

        # the first worker starts the run; the second skips it
        Run._cron_process_runs()
        self.assertEqual(run.state, "computing")
        with self.assertNoLogs(SCHEDULER_LOGGER, "INFO"):
            Other._cron_process_runs()
        self.assertEqual(self._state(second, run.with_env(second)), "queued")
        first.cr.commit()
        second.cr.commit()

        # the first ranks the customers (a step of the run), the second skips it
        Run._cron_process_runs()
        self.assertTrue(run.rank_populations)
        with self.assertNoLogs(SCHEDULER_LOGGER, "INFO"):
            Other._cron_process_runs()
        self.assertFalse(run.with_env(second).rank_populations)
        first.cr.commit()
        second.cr.rollback()

        # the first grades a batch, uncommitted; the second grades the next one
        queue = run.partner_queue
        Run._cron_process_runs()
        self.assertEqual(run.progress, BATCH_SIZE)
        with self.assertNoLogs(SCHEDULER_LOGGER, "INFO"):
            Other._cron_process_runs()
        other_run = run.with_env(second)
        self.assertEqual(other_run.progress, BATCH_SIZE)
        self.assertEqual(sorted(run.result_ids.partner_id.ids), queue[:BATCH_SIZE])
        self.assertEqual(
            sorted(other_run.result_ids.partner_id.ids), queue[BATCH_SIZE : 2 * BATCH_SIZE]
        )
        first.cr.commit()
        second.cr.commit()

        # the first worker goes on alone; the run is computed once, each customer graded once
        while self._state(first, run) == "computing":
            Run._cron_process_runs()
            first.cr.commit()
        self.assertEqual(run.state, "computed")
        self.assertEqual(run.progress, len(queue))
        self.assertEqual(sorted(run.result_ids.partner_id.ids), sorted(queue))
