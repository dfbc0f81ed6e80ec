"""The batches of a run's computation: slices of its queue of customers,
each claimed by one worker at a time, so that several scheduled actions
(or any processes) grade one run together without grading a customer twice
nor waiting on each other."""

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerGradingRunBatch(models.Model):
    _name = "customer.grading.run.batch"
    _description = "Customer Grading Run Batch"
    _order = "run_id, start"
    _log_access = False

    run_id = fields.Many2one("customer.grading.run", required=True, index=True, ondelete="cascade")
    start = fields.Integer(required=True, help="Position of its first customer in the run's queue.")
    stop = fields.Integer(
        required=True, help="Position after its last customer in the run's queue."
    )
    state = fields.Selection(
        [("todo", "To Grade"), ("graded", "Graded")], required=True, default="todo"
    )

    @api.model
    def _create_batches(self, run, count, size):
        """Cut ``run``'s queue of ``count`` customers into batches of
        ``size``, all to grade, in place of the batches it had: one query."""
        self.env.cr.execute(
            SQL(
                """
                WITH cleared AS (DELETE FROM customer_grading_run_batch WHERE run_id = %(run_id)s)
                INSERT INTO customer_grading_run_batch (run_id, start, stop, state)
                SELECT %(run_id)s, n, LEAST(n + %(size)s, %(count)s), 'todo'
                  FROM generate_series(0, %(count)s - 1, %(size)s) AS n
                """,
                run_id=run.id,
                count=count,
                size=size,
            )
        )
        self.invalidate_model()

    @api.model
    def _claim(self, run, limit):
        """Take up to ``limit`` batches of ``run`` still to grade, the first
        ones that no other transaction holds (``SKIP LOCKED``: never waits),
        and mark them graded: they stay locked until this transaction ends,
        so a failure gives them back. One query.

        Returns ``(slices, others_pending)``: the ``(start, stop)`` of the
        batches taken, and whether batches still to grade remain besides
        them (held by other workers, or left for later).
        """
        self.env.cr.execute(
            SQL(
                """
                WITH claimed AS MATERIALIZED (
                    SELECT id FROM customer_grading_run_batch
                     WHERE run_id = %(run_id)s AND state = 'todo'
                  ORDER BY start
                     LIMIT %(limit)s
                       FOR UPDATE SKIP LOCKED
                ), graded AS (
                    UPDATE customer_grading_run_batch batch SET state = 'graded'
                      FROM claimed
                     WHERE batch.id = claimed.id
                 RETURNING batch.start, batch.stop
                )
                SELECT (SELECT json_agg(json_build_array(start, stop) ORDER BY start) FROM graded),
                       EXISTS (SELECT 1 FROM customer_grading_run_batch
                                WHERE run_id = %(run_id)s AND state = 'todo'
                                  AND id NOT IN (SELECT id FROM claimed))
                """,
                run_id=run.id,
                limit=limit,
            )
        )
        slices, others_pending = self.env.cr.fetchone()
        self.invalidate_model()
        return [tuple(piece) for piece in slices or []], others_pending

    @api.model
    def _graded_counts(self, runs):
        """``{run id: customers of its graded batches}``: one query."""
        self.env.cr.execute(
            SQL(
                """
                SELECT run_id, SUM(stop - start) FROM customer_grading_run_batch
                 WHERE run_id = ANY(%s) AND state = 'graded'
              GROUP BY run_id
                """,
                list(runs.ids),
            )
        )
        return dict(self.env.cr.fetchall())
