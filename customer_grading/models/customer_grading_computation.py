"""Computation of a run: its start (the customers to grade, the company's
margin), then the batches graded by the engine and stored, the demotions
held back, and the end of the computation."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CustomerGradingComputation(models.AbstractModel):
    _name = "customer.grading.computation"
    _description = "Customer Grading Computation"

    @api.model
    def _check_can_start(self, run):
        run.ensure_one()
        run.check_access("write")
        run._check_not_history()
        if run.state not in ("draft", "computed", "queued"):
            raise UserError(
                self.env._(
                    "%(run)s is %(state)s; only a draft or computed run is computed.",
                    run=run.display_name,
                    state=run._state_label(),
                )
            )
        run.scheme_id.sudo()._check_ready()

    @api.model
    def _start(self, run):
        """Clear ``run``'s previous results and gather what the whole run
        shares: the customers to grade and the company's margin (the
        populations of the rank indicators are a step of their own, see
        :meth:`_gather_rank_populations`). Returns the number of customers to grade.
        """
        run.ensure_one()
        self._check_can_start(run)
        if run.progress or run.computed_date:  # results to clear
            self._delete_results(run)
        self.env.flush_all()
        if run.is_partial:
            partner_ids = sorted(run.partner_ids.commercial_partner_id.ids)
        else:
            partner_ids = self.env["customer.grading.engine"]._customers_to_grade(
                run.company_id, run.date_from, run.date_to
            )
        run.total_margin = self.env["customer.grading.measure"]._company_margin(
            run.company_id, run.date_from, run.date_to
        )
        run.write({"state": "computing", "applied_result_id": 0})
        run._write_json({"partner_queue": partner_ids, "rank_populations": False})
        self.env["customer.grading.run.batch"]._create_batches(
            run, len(partner_ids), run._batch_size()
        )
        if not partner_ids:
            self._finish_compute(run)
        return len(partner_ids) or 1

    @api.model
    def _delete_results(self, runs):
        """Delete the results of ``runs``, never given to a customer (the runs
        are not history)."""
        runs._check_not_history()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH batches AS (DELETE FROM customer_grading_run_batch WHERE run_id = ANY(%(ids)s))
                DELETE FROM customer_grading_result WHERE run_id = ANY(%(ids)s)
                """,
                ids=list(runs.ids),
            )
        )
        runs._invalidate_results()

    @api.model
    def _compute_step(self, run, limit=None):
        """Grade the next batches of ``run`` that no other worker holds, about
        ``limit`` customers (one batch by default); once none is left to
        grade, the run is computed, by the worker that sees the last batch
        graded: one that grades a batch and sees no other left, else one
        that finds them all graded and locks the run.

        Returns the number of customers graded (0 when this worker had none
        to take: the run is computed, or the other batches are held).
        """
        run.ensure_one()
        if self._needs_rank_populations(run):
            self._gather_rank_populations(run)
        self.env.flush_all()
        size = run._batch_size()
        slices, others_pending = self.env["customer.grading.run.batch"]._claim(
            run, max((limit or size) // size, 1)
        )
        batch = run._queued_partners(slices) if slices else []
        if batch:
            self._compute_batch(run, batch)
            run._invalidate_results()
        # with a batch claimed, no other worker can see them all graded
        if not others_pending and (slices or run._lock_for_step()):
            self._finish_compute(run)
        return len(batch)

    @api.model
    def _compute_batch(self, run, partner_ids):
        """Grade a batch of ``run``'s customers (see the engine) and store the
        results with their breakdown: two INSERT statements, nothing updated later."""
        Engine = self.env["customer.grading.engine"]
        populations = (
            Engine._reference_populations(run.company_id, run.scheme_id, partner_ids)
            if run.is_partial
            else run._read_json("rank_populations")
        ) or {}
        grades = Engine._grade_customers(
            run.company_id,
            run.scheme_id,
            run.date_from,
            run.date_to,
            run.total_margin,
            partner_ids,
            populations,
            among_themselves=not run.is_partial,
        )
        held = self._held_demotions(run, grades)
        rows = []
        for partner_id, previous, insufficient, blacklisted, total, level, trend, _lines in grades:
            kept = held.get(partner_id)
            rows.append(
                (
                    partner_id,
                    previous,
                    insufficient,
                    blacklisted,
                    total,
                    kept or level,
                    "same" if kept else trend,
                    level,
                    bool(kept),
                )
            )
        Result = self.env["customer.grading.result"]
        result_ids = Result._insert_results(run, rows)
        Result._insert_lines(
            [(result_ids[grade[0]], *line) for grade in grades for line in grade[7]]
        )

    @api.model
    def _held_demotions(self, run, grades):
        """``{partner: grade kept}`` for the customers of ``grades`` (as the
        engine gives them) whose grade goes down while their grade in force
        asks for more periods below its threshold first (its demotion
        periods): the demotion waits until ``run`` and the full runs
        published before it all scored below. One query, only when a grade of
        the scheme asks for more than one period."""
        levels = run.scheme_id.sudo().level_ids
        waiting = {level.id: level for level in levels if level.demotion_periods > 1}
        candidates = {
            partner_id: waiting[previous]
            for partner_id, previous, _insufficient, blacklisted, _total, level, _trend, _lines in (
                grades
            )
            if previous in waiting
            and level
            and not blacklisted
            and levels.browse(level).min_score < waiting[previous].min_score
        }
        if not candidates:
            return {}
        periods = max(level.demotion_periods for level in candidates.values())
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, score FROM (
                    SELECT r.partner_id, r.score,
                           ROW_NUMBER() OVER (PARTITION BY r.partner_id
                                              ORDER BY run.date_to DESC, run.id DESC) AS n
                      FROM customer_grading_result r
                      JOIN customer_grading_run run ON run.id = r.run_id
                     WHERE r.partner_id = ANY(%(partner_ids)s)
                       AND run.company_id = %(company_id)s
                       AND NOT run.is_partial
                       AND run.state = 'applied'
                       AND run.date_to < %(date_to)s
                ) history
                 WHERE n < %(periods)s
              ORDER BY partner_id, n
                """,
                partner_ids=list(candidates),
                company_id=run.company_id.id,
                date_to=run.date_to,
                periods=periods,
            )
        )
        history = defaultdict(list)
        for partner_id, score in self.env.cr.fetchall():
            history[partner_id].append(score)
        held = {}
        for partner_id, level in candidates.items():
            before = history[partner_id][: level.demotion_periods - 1]
            if len(before) < level.demotion_periods - 1 or any(
                score >= level.min_score for score in before
            ):
                held[partner_id] = level.id
        return held

    @api.model
    def _needs_rank_populations(self, run):
        """A full run ranks its customers among themselves: before its first
        batch, it gathers their values of the rank indicators."""
        return (
            not run.is_partial
            and not run._has_rank_populations()
            and bool(self.env["customer.grading.engine"]._rank_specs(run.scheme_id))
        )

    @api.model
    def _gather_rank_populations(self, run):
        """Store the populations ``run``'s customers rank among (see the engine)."""
        populations = self.env["customer.grading.engine"]._rank_populations(
            run.company_id,
            run.scheme_id,
            run.date_from,
            run.date_to,
            run.total_margin,
            run._queued_partners(),
        )
        run._write_json({"rank_populations": populations})

    @api.model
    def _finish_compute(self, run):
        """Computed: a scheduled run goes to review, or to the scheduled
        action's publication where the company publishes without review."""
        run.write({"state": "computed", "computed_date": fields.Datetime.now()})
        Publication = self.env["customer.grading.publication"]
        scheduled = run.filtered("auto_apply")
        Publication._submit_for_review(scheduled.filtered("review_required"))
        Publication._queue_publication(scheduled.filtered(lambda r: not r.review_required))
