from psycopg2.extras import Json as PsycopgJson

from odoo import api, models
from odoo.tools import SQL

from .customer_grading_run import DEFAULT_BATCH_SIZE


class CustomerGradingRun(models.Model):
    """A run as the scheduled action processes it, one step per call: its
    start, the computation and the publication in batches, the lock a step
    of the whole run takes, the work that remains, and the queue and
    populations the steps share. The run's lifecycle and its actions are in
    ``customer_grading_run.py``."""

    _inherit = "customer.grading.run"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------

    @api.model
    def _cron_grade_last_quarter(self):
        """Scheduled action: see ``customer.grading.scheduler``."""
        return self.env["customer.grading.scheduler"]._grade_last_quarter()

    @api.model
    def _cron_process_runs(self):
        """Scheduled action: see ``customer.grading.scheduler``."""
        return self.env["customer.grading.scheduler"]._process_runs()

    def _process_step(self):
        """One step of the scheduled action on this run; returns the work
        done, 0 when there is nothing for this worker now.

        Several workers may call it at once: each batch of the computation
        is claimed by one of them (see ``customer.grading.run.batch``); the
        steps of the run as a whole (its start, the ranking of its
        customers, its publication) go to the worker that locks the run
        first, the others skip it rather than wait.
        """
        self.ensure_one()
        Computation = self.env["customer.grading.computation"]
        if self.state == "computing" and not Computation._needs_rank_populations(self):
            # a batch; or the end of the computation, counted as one
            return Computation._compute_step(self) or int(self.state != "computing")
        if not self._lock_for_step():
            return 0
        if self.state == "queued":
            done = Computation._start(self)
        elif self.state == "computing":
            # a step of its own: it reads the documents of every customer
            Computation._gather_rank_populations(self)
            done = 1
        else:
            return self._apply_step() or 1
        # the batches are ready: wake the other workers
        self.env["customer.grading.scheduler"]._trigger_workers()
        return done

    def _lock_for_step(self):
        """Lock the run for a step of its own, unless another transaction
        holds it (``SKIP LOCKED``: never waits); whether it is locked.
        Workers grading its batches do not hold it: they never write it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM customer_grading_run WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    # ------------------------------------------------------------------
    # The queue and the populations, read and written in SQL: through the
    # ORM, each read of a Json field deep-copies it and each write encodes
    # it twice (100,000 customers: 0.2 s a read)
    # ------------------------------------------------------------------

    def _read_json(self, fname):
        """The stored value of the Json field ``fname`` (``partner_queue`` or
        ``rank_populations``), decoded from the row: a value of its own,
        outside the ORM's cache."""
        self.ensure_one()
        self.flush_recordset([fname])
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM customer_grading_run WHERE id = %s",
                SQL.identifier(fname),
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _write_json(self, values):
        """Store ``values`` (``{Json field: value}``) in one UPDATE (a value
        the ORM still had to write is written first, not after)."""
        self.ensure_one()
        self.flush_recordset(list(values))
        self.env.cr.execute(
            SQL(
                "UPDATE customer_grading_run SET %s WHERE id = %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(fname), PsycopgJson(value) if value else None)
                    for fname, value in values.items()
                ),
                self.id,
            )
        )
        self.invalidate_recordset(list(values), flush=False)

    def _queued_partners(self, slices=None):
        """The customers of the queue: all of them, or those of ``slices``
        (``[(start, stop), …]``, positions in the queue), in order."""
        self.ensure_one()
        if slices is None:
            return self._read_json("partner_queue") or []
        self.flush_recordset(["partner_queue"])
        self.env.cr.execute(
            SQL(
                """
                SELECT jsonb_path_query_array(run.partner_queue, '$[$start to $last]',
                                              jsonb_build_object('start', s.start,
                                                                 'last', s.stop - 1))
                  FROM customer_grading_run run,
                       unnest(%s::int4[], %s::int4[]) WITH ORDINALITY AS s(start, stop, n)
                 WHERE run.id = %s
              ORDER BY s.n
                """,
                [start for start, _stop in slices],
                [stop for _start, stop in slices],
                self.id,
            )
        )
        return [partner_id for (part,) in self.env.cr.fetchall() for partner_id in part or []]

    def _has_rank_populations(self):
        self.ensure_one()
        self.flush_recordset(["rank_populations"])
        self.env.cr.execute(
            SQL(
                "SELECT rank_populations IS NOT NULL FROM customer_grading_run WHERE id = %s",
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _queue_length(self):
        self.ensure_one()
        self.flush_recordset(["partner_queue"])
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(jsonb_array_length(partner_queue), 0)
                  FROM customer_grading_run WHERE id = %s
                """,
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _remaining_work(self):
        """Customers still to grade or to apply (1 before the run starts)."""
        self.ensure_one()
        if self.state == "queued":
            return 1
        if self.state == "computing":
            return (
                self._queue_length()
                - self.progress
                + (self._result_count() if self.auto_apply else 0)
            )
        return self._result_count(after=self.applied_result_id)

    def _result_count(self, after=0, limit=None):
        """The run's results after the one ``after``; ``limit`` stops counting early."""
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM (SELECT 1 FROM customer_grading_result
                                       WHERE run_id = %s AND id > %s LIMIT %s) results
                """,
                self.id,
                after,
                limit,
            )
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Computation, in batches (see ``customer.grading.computation``)
    # ------------------------------------------------------------------

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _start(self):
        """Start the computation; returns the number of customers to grade."""
        self.ensure_one()
        return self.env["customer.grading.computation"]._start(self)

    def _compute_step(self, limit=None):
        """Grade the next batch; returns the number of customers graded (0 once computed)."""
        self.ensure_one()
        return self.env["customer.grading.computation"]._compute_step(self, limit)

    def _batch_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("customer_grading.batch_size", DEFAULT_BATCH_SIZE)
        )
        return max(int(value), 1)

    def _invalidate_results(self):
        """Forget what the cache holds of results: SQL has just written them."""
        self.env["customer.grading.result"].invalidate_model()
        self.env["customer.grading.result.line"].invalidate_model()
        self.invalidate_recordset(["result_ids", "progress"])

    # ------------------------------------------------------------------
    # Application of the grades, in batches
    # ------------------------------------------------------------------

    def _apply_step(self, limit=None):
        """Publish the next batch (see ``customer.grading.publication``);
        returns the number of customers given their grade (0 once published)."""
        self.ensure_one()
        return self.env["customer.grading.publication"]._publish_step(self, limit)
