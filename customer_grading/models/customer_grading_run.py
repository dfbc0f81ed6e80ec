import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from ..tools import periods, pg_arrays, scoring

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
# Computing and applying in one transaction (action_compute, action_apply) has
# no time limit per step: larger batches read the documents fewer times.
SYNC_BATCH_FACTOR = 20

# Grading columns of res.partner that applying a run writes, one value per company.
# A full run of a period is being prepared in these states, then applied;
# only the applied one is in force.
PENDING_STATES = ("draft", "queued", "computing", "computed")
ACTIVE_STATES = (*PENDING_STATES, "applied")
# The grade history: never recomputed, cancelled or deleted.
HISTORY_STATES = ("applied", "replaced")

PARTNER_GRADE_COLUMNS = (
    "grading_level_id",
    "grading_score",
    "grading_date",
    "grading_result_id",
    "grading_state",
)


class CustomerGradingRun(models.Model):
    """One grading of a company's customers for a period.

    Life cycle: draft → (queued → computing) → computed → applied, or
    cancelled. An applied run is the grade history of its customers and is
    never recomputed: grading its period again makes a new run, which marks
    it replaced when applied. Review and publication steps fit between
    ``computed`` and ``applied``; appeals act on the results of an applied run.
    """

    _name = "customer.grading.run"
    _description = "Customer Grading Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, precompute=True)
    period_label = fields.Char(
        string="Period",
        compute="_compute_period_label",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
        help="Name of the graded period, e.g. 2026 Q4.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    scheme_id = fields.Many2one(
        "customer.grading.scheme",
        required=True,
        check_company=True,
        compute="_compute_scheme_id",
        store=True,
        precompute=True,
        readonly=False,
        tracking=True,
    )
    date_to = fields.Date(
        string="Run Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Last day of the reference period.",
    )
    date_from = fields.Date(
        string="Period Start",
        compute="_compute_date_from",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("computing", "Computing"),
            ("computed", "Computed"),
            ("applied", "Applied"),
            ("replaced", "Replaced"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Only These Customers",
        help="Leave empty to grade every customer of the company.",
    )
    is_partial = fields.Boolean(compute="_compute_is_partial", store=True, precompute=True)
    auto_apply = fields.Boolean(
        help="Apply the grades as soon as the computation ends (scheduled runs).",
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", default=lambda self: self.env.user, readonly=True
    )
    computed_date = fields.Datetime(readonly=True, copy=False)
    applied_date = fields.Datetime(readonly=True, copy=False)
    replaced_by_id = fields.Many2one(
        "customer.grading.run",
        string="Replaced By",
        readonly=True,
        copy=False,
        tracking=True,
        help="The run that graded this period again; its grades are in force.",
    )
    replaced_user_id = fields.Many2one(
        "res.users", string="Replaced by User", readonly=True, copy=False
    )
    replaced_date = fields.Datetime(string="Replaced On", readonly=True, copy=False)
    total_margin = fields.Float(
        readonly=True,
        copy=False,
        help="The company's gross margin in the period, base of the profit contribution.",
    )
    partner_queue = fields.Json(
        readonly=True,
        copy=False,
        help="The customers the run grades, in the order of the batches.",
    )
    progress = fields.Integer(
        readonly=True, copy=False, help="Number of customers of the queue already graded."
    )
    applied_result_id = fields.Integer(
        readonly=True, copy=False, help="Results up to this one have been applied."
    )
    rank_populations = fields.Json(
        readonly=True,
        copy=False,
        help="Sorted raw values of the rank indicators over the graded customers.",
    )
    result_ids = fields.One2many("customer.grading.result", "run_id", string="Results")
    result_count = fields.Integer(compute="_compute_statistics")
    graded_count = fields.Integer(compute="_compute_statistics")
    insufficient_count = fields.Integer(compute="_compute_statistics")
    average_score = fields.Float(compute="_compute_statistics", digits=(16, 2))
    distribution = fields.Char(compute="_compute_statistics", help="Number of customers per grade.")
    note = fields.Html()

    @api.depends("period_label", "is_partial", "partner_ids")
    def _compute_name(self):
        for run in self:
            if run.is_partial and len(run.partner_ids) == 1:
                run.name = f"{run.period_label} – {run.partner_ids.display_name}"
            elif run.is_partial:
                run.name = self.env._(
                    "%(period)s – %(count)s customers",
                    period=run.period_label,
                    count=len(run.partner_ids),
                )
            else:
                run.name = run.period_label

    @api.depends("date_to")
    def _compute_period_label(self):
        for run in self:
            run.period_label = periods.quarter_label(run.date_to or fields.Date.today())

    @api.depends("company_id")
    def _compute_scheme_id(self):
        for run in self:
            run.scheme_id = run.company_id.grading_scheme_id

    @api.depends("date_to", "company_id")
    def _compute_date_from(self):
        for run in self:
            if run.date_to:
                months = run.company_id.grading_period_months or 12
                run.date_from = periods.reference_period(run.date_to, months)[0]

    @api.depends("partner_ids")
    def _compute_is_partial(self):
        for run in self:
            run.is_partial = bool(run.partner_ids)

    def _compute_statistics(self):
        # the same figures for everyone who may open the run
        groups = (
            self.env["customer.grading.result"]
            .sudo()
            ._read_group(
                [("run_id", "in", self.ids)],
                ["run_id", "level_id"],
                ["__count", "score:sum"],
            )
        )
        for run in self:
            rows = [row[1:] for row in groups if row[0] == run]
            # customers without data are kept out of the grade counts, unless
            # the scheme grades them anyway
            graded = [(level, count, score) for level, count, score in rows if level]
            per_level = {level: count for level, count, _score in graded}
            run.result_count = sum(row[1] for row in rows)
            run.graded_count = sum(per_level.values())
            run.insufficient_count = run.result_count - run.graded_count
            run.average_score = (
                sum(score for _level, _count, score in graded) / run.graded_count
                if run.graded_count
                else 0.0
            )
            run.distribution = " · ".join(
                f"{level.code}: {per_level[level]}"
                for level in run.scheme_id.level_ids
                if level in per_level
            )

    @api.constrains("period_label", "company_id", "state", "is_partial")
    def _check_period_unique(self):
        """A period has at most one full run in force and one being prepared
        (the one that will replace it); replaced and cancelled runs are kept."""
        for run in self.filtered(lambda r: not r.is_partial and r.state in ACTIVE_STATES):
            slot = ["applied"] if run.state == "applied" else list(PENDING_STATES)
            twin = self.search_count(
                [
                    ("id", "!=", run.id),
                    ("company_id", "=", run.company_id.id),
                    ("period_label", "=", run.period_label),
                    ("is_partial", "=", False),
                    ("state", "in", slot),
                ]
            )
            if twin:
                raise UserError(
                    self.env._(
                        "%(company)s already has a grading run for %(period)s; "
                        "recompute that one or cancel it first.",
                        company=run.company_id.name,
                        period=run.period_label,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_from > run.date_to:
                raise UserError(self.env._("The period of a run cannot end before it starts."))

    def unlink(self):
        self._check_not_history()
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_start(self):
        """The Compute button: a run over a few chosen customers is computed
        at once; grading all customers is left to the scheduled action, batch
        by batch, instead of running inside the web request."""
        now = self.filtered(
            lambda run: run.is_partial and len(run.partner_ids) <= run._batch_size()
        )
        now.action_compute()
        (self - now).action_queue()
        return True

    def action_compute(self):
        """Compute the runs now, in this transaction (scripts, tests, re-grading)."""
        for run in self:
            run._start()
            limit = run._batch_size() * SYNC_BATCH_FACTOR
            while run.state == "computing":
                run._compute_step(limit)
        return True

    def action_queue(self):
        """Compute in the background: the scheduled action goes batch by batch."""
        for run in self:
            run._check_can_start()
        self._queue()
        return True

    def _queue(self):
        self.scheme_id.sudo()._check_ready()
        self.state = "queued"
        self.env.ref("customer_grading.ir_cron_process_runs")._trigger()

    def action_apply(self):
        """Give the computed grades to the customers."""
        self.check_access("write")
        for run in self:
            if run.state != "computed":
                raise UserError(
                    self.env._(
                        "Only a computed run can be applied (%(run)s is %(state)s).",
                        run=run.display_name,
                        state=run._state_label(),
                    )
                )
            while run.state == "computed":
                run._apply_step(run._batch_size() * SYNC_BATCH_FACTOR)
        return True

    def action_cancel(self):
        self._check_not_history()
        self.state = "cancel"
        return True

    def action_reset_to_draft(self):
        for run in self:
            if run.state not in ("computed", "cancel"):
                raise UserError(self.env._("Only a computed or cancelled run goes back to draft."))
        self._delete_results()
        self.state = "draft"
        return True

    def action_regrade_period(self):
        """Grade an applied run's period again: a new run, which replaces
        this one once applied. This run and its results stay as they are."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "applied" or self.is_partial:
            raise UserError(
                self.env._("Only the applied run of a period over all customers is graded again.")
            )
        run = self.copy(
            {
                "period_label": self.period_label,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "scheme_id": self.company_id.grading_scheme_id.id or self.scheme_id.id,
                "user_id": self.env.uid,
                "auto_apply": False,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def _check_not_history(self):
        """Applied runs, and runs whose application has begun, are the grade
        history of their customers: never cancelled, recomputed or deleted."""
        for run in self:
            if run.state in HISTORY_STATES or run.applied_result_id:
                raise UserError(
                    self.env._(
                        "The grades of %(run)s are the grade history of its customers; "
                        "it is kept as it is. To grade the period again, use "
                        "Re-grade Period on it: the new run replaces it once applied.",
                        run=run.display_name,
                    )
                )

    def action_view_results(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_result_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"default_run_id": self.id, "search_default_group_level": 1}
        return action

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------

    @api.model
    def _cron_grade_last_quarter(self):
        """Queue the grading of the quarter that just ended, once per company.

        Idempotent: a company whose quarter already has a run (but a
        cancelled or replaced one) keeps it as it is; one still computing is
        resumed. A company without a grading scheme is reported in the log.
        """
        companies = self.env["res.company"].search([])
        without_scheme = companies.filtered(lambda company: not company.grading_scheme_id)
        if without_scheme:
            _logger.warning(
                "Customer grading: %s has no grading scheme; its customers are not graded. "
                "Choose one in Settings › Customer Grading.",
                ", ".join(without_scheme.mapped("name")),
            )
        runs = self.browse()
        for company in companies - without_scheme:
            # the quarter that ended in the company's time zone
            _date_from, date_to = periods.last_ended_quarter(company._grading_today())
            label = periods.quarter_label(date_to)
            run = self.search(
                [
                    ("company_id", "=", company.id),
                    ("period_label", "=", label),
                    ("is_partial", "=", False),
                    ("state", "in", ACTIVE_STATES),
                ],
                order="id desc",
                limit=1,
            )
            if not run:
                run = self.create(
                    {
                        "company_id": company.id,
                        "scheme_id": company.grading_scheme_id.id,
                        "date_to": date_to,
                        "period_label": label,
                        "auto_apply": True,
                    }
                )
                run._queue()
            runs |= run
        if runs.filtered_domain(self._waiting_domain()):
            self.env.ref("customer_grading.ir_cron_process_runs")._trigger()
        return runs

    @api.model
    def _cron_process_runs(self):
        """Do one bounded step of the oldest run waiting for the scheduler.

        The scheduler commits after each call and calls again while work
        remains, so an interruption loses one batch at most. A batch that
        meets a concurrent update of the same rows is rolled back alone and
        tried again in a new transaction. Returns the remaining work.
        """
        run = self.search(self._waiting_domain(), order="id", limit=1)
        done = 0
        if run:
            try:
                with self.env.cr.savepoint():
                    done = run._process_step()
            except OperationalError as error:
                if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                _logger.info("Grading run %s met a concurrent update; retrying the batch", run.id)
                self.env.ref("customer_grading.ir_cron_process_runs")._trigger()
        remaining = sum(other._remaining_work() for other in self.search(self._waiting_domain()))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    @api.model
    def _waiting_domain(self):
        return [
            "|",
            ("state", "in", ("queued", "computing")),
            "&",
            ("state", "=", "computed"),
            ("auto_apply", "=", True),
        ]

    def _process_step(self):
        self.ensure_one()
        if self.state == "queued":
            return self._start()
        if self.state == "computing":
            if self._needs_rank_populations():
                # a step of its own: it reads the documents of every customer
                self._gather_rank_populations()
                return 1
            return self._compute_step()
        return self._apply_step()

    def _remaining_work(self):
        """Customers still to grade or to apply (1 before the run starts)."""
        self.ensure_one()
        if self.state == "queued":
            return 1
        if self.state == "computing":
            return (
                len(self.partner_queue or [])
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
    # Computation: start, measure in batches, score in batches
    # ------------------------------------------------------------------

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_can_start(self):
        self.ensure_one()
        self.check_access("write")
        self._check_not_history()
        if self.state not in ("draft", "computed", "queued"):
            raise UserError(
                self.env._(
                    "%(run)s is %(state)s; only a draft or computed run is computed.",
                    run=self.display_name,
                    state=self._state_label(),
                )
            )
        self.scheme_id.sudo()._check_ready()

    def _start(self):
        """Clear previous results and gather what the whole run shares: the
        customers to grade and the company's margin (the populations of the
        rank indicators are a step of their own, see :meth:`_gather_rank_populations`).
        Returns the number of customers to grade.
        """
        self.ensure_one()
        self._check_can_start()
        if self.progress or self.computed_date:  # results to clear
            self._delete_results()
        self.env.flush_all()
        if self.is_partial:
            partner_ids = sorted(self.partner_ids.commercial_partner_id.ids)
        else:
            self.env.cr.execute(SQL("%s ORDER BY id", self._population()))
            partner_ids = [row[0] for row in self.env.cr.fetchall()]
        self.total_margin = self.env["customer.grading.measure"]._company_margin(
            self.company_id, self.date_from, self.date_to
        )
        self.write(
            {
                "state": "computing",
                "partner_queue": partner_ids,
                "progress": 0,
                "applied_result_id": 0,
                "rank_populations": False,
            }
        )
        if not partner_ids:
            self._finish_compute()
        return len(partner_ids) or 1

    def _delete_results(self):
        """Delete results never given to a customer (the run is not history)."""
        self._check_not_history()
        self.env.flush_all()
        self.env.cr.execute(
            SQL("DELETE FROM customer_grading_result WHERE run_id = ANY(%s)", list(self.ids))
        )
        self._invalidate_results()

    def _batch_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("customer_grading.batch_size", DEFAULT_BATCH_SIZE)
        )
        return max(int(value), 1)

    def _population(self):
        """SQL selecting the commercial partners a full run grades."""
        self.ensure_one()
        return SQL(
            """
            SELECT p.id
              FROM res_partner p
             WHERE p.active
               AND p.id = p.commercial_partner_id
               AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
               AND (p.customer_rank > 0 OR p.id IN (
                        SELECT v.partner_id
                          FROM customer_grading_value v
                         WHERE v.company_id = %(company_id)s
                         UNION
                        SELECT c.commercial_partner_id
                          FROM account_move m
                          JOIN res_partner c ON c.id = m.partner_id
                         WHERE m.company_id = %(company_id)s
                           AND m.state = 'posted'
                           AND m.move_type IN ('out_invoice', 'out_refund')
                           AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s))
            """,
            company_id=self.company_id.id,
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def _compute_step(self, limit=None):
        """Grade the next batch of the queue; once it is empty, the run is computed.

        Returns the number of customers graded (0 when the run is computed).
        """
        self.ensure_one()
        if self._needs_rank_populations():
            self._gather_rank_populations()
        self.env.flush_all()
        queue = self.partner_queue or []
        batch = queue[self.progress : self.progress + (limit or self._batch_size())]
        if batch:
            self._compute_batch(batch)
            self._invalidate_results()
            self.progress += len(batch)
        if self.progress >= len(queue):
            self._finish_compute()
        return len(batch)

    def _compute_batch(self, partner_ids):
        """Grade a batch of customers (see the engine) and store the results
        with their breakdown: two INSERT statements, nothing updated later."""
        # read once: each read of a Json field copies it
        populations = (
            self._reference_populations(partner_ids) if self.is_partial else self.rank_populations
        ) or {}
        grades = self.env["customer.grading.engine"]._grade_customers(
            self.company_id,
            self.scheme_id,
            self.date_from,
            self.date_to,
            self.total_margin,
            partner_ids,
            populations,
            among_themselves=not self.is_partial,
        )
        result_ids = self._insert_results([grade[:7] for grade in grades])
        self._insert_lines([(result_ids[grade[0]], *line) for grade in grades for line in grade[7]])

    def _insert_results(self, results):
        """Store a batch of results; returns ``{partner: result id}``."""
        columns = [pg_arrays.array_literal(column) for column in zip(*results, strict=True)]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_result
                       (run_id, company_id, period_label, date_to, partner_id, user_id,
                        previous_level_id, is_insufficient, is_blacklisted, score, level_id,
                        trend)
                SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s,
                       t.partner_id,
                       -- a subquery: index lookups, where a join would scan the partners
                       (SELECT user_id FROM res_partner p WHERE p.id = t.partner_id),
                       t.previous_level_id, t.insufficient,
                       t.blacklisted, t.score, t.level_id, t.trend
                  FROM unnest(%(partner_ids)s::int[], %(previous)s::int[], %(insufficient)s::bool[],
                              %(blacklisted)s::bool[], %(scores)s::numeric[], %(levels)s::int[],
                              %(trends)s::varchar[])
                       AS t(partner_id, previous_level_id, insufficient, blacklisted, score,
                            level_id, trend)
             RETURNING partner_id, id
                """,
                run_id=self.id,
                company_id=self.company_id.id,
                period_label=self.period_label,
                date_to=self.date_to,
                partner_ids=columns[0],
                previous=columns[1],
                insufficient=columns[2],
                blacklisted=columns[3],
                scores=columns[4],
                levels=columns[5],
                trends=columns[6],
            )
        )
        return dict(self.env.cr.fetchall())

    def _insert_lines(self, lines):
        """Store breakdown lines ``(result, indicator, dimension, raw value,
        level, score, weight, points)`` in one statement."""
        columns = [pg_arrays.array_literal(column) for column in zip(*lines, strict=True)]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_result_line
                       (result_id, indicator_id, dimension_id, raw_value, option_id, has_value,
                        score, weight, points)
                SELECT t.result_id, t.indicator_id, t.dimension_id, t.raw_value, t.option_id,
                       t.raw_value IS NOT NULL, t.score, t.weight, t.points
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::float8[], %s::int[],
                              %s::float8[], %s::float8[], %s::float8[])
                       AS t(result_id, indicator_id, dimension_id, raw_value, option_id,
                            score, weight, points)
                """,
                *columns,
            )
        )

    def _needs_rank_populations(self):
        """A full run ranks its customers among themselves: before its first
        batch, it gathers their values of the rank indicators."""
        return (
            not self.is_partial
            and not self.rank_populations
            and bool(self.env["customer.grading.engine"]._rank_specs(self.scheme_id))
        )

    def _gather_rank_populations(self):
        self.rank_populations = self.env["customer.grading.engine"]._rank_populations(
            self.company_id,
            self.scheme_id,
            self.date_from,
            self.date_to,
            self.total_margin,
            self.partner_queue or [],
        )

    def _reference_populations(self, partner_ids):
        """For customers re-graded on demand: the populations of the company's
        last applied full run, without these customers' own former values."""
        reference = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("scheme_id", "=", self.scheme_id.id),
                ("is_partial", "=", False),
                ("state", "=", "applied"),
            ],
            limit=1,
            order="date_to desc, id desc",
        )
        populations = reference.rank_populations or {}
        if not populations:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT l.indicator_id, l.raw_value
                  FROM customer_grading_result r
                  JOIN customer_grading_result_line l ON l.result_id = r.id
                 WHERE r.run_id = %s AND r.partner_id = ANY(%s) AND NOT r.is_insufficient
                   AND l.has_value AND l.indicator_id = ANY(%s)
                """,
                reference.id,
                partner_ids,
                [int(indicator_id) for indicator_id in populations],
            )
        )
        for indicator_id, value in self.env.cr.fetchall():
            scoring.remove_sorted(populations[str(indicator_id)], value)
        return populations

    def _invalidate_results(self):
        """Forget what the cache holds of results: SQL has just written them."""
        self.env["customer.grading.result"].invalidate_model()
        self.env["customer.grading.result.line"].invalidate_model()
        self.invalidate_recordset(["result_ids"])

    def _finish_compute(self):
        self.write({"state": "computed", "computed_date": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Application of the grades, in batches
    # ------------------------------------------------------------------

    def _apply_step(self, limit=None):
        """Give the next batch of customers their grade; 0 once the run is applied.

        Only the grading columns of the customers are written, so that a
        user editing a customer at the same time keeps their change.
        """
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM customer_grading_result
                 WHERE run_id = %(run_id)s AND id > %(applied)s
              ORDER BY id
                 LIMIT %(limit)s
                """,
                run_id=self.id,
                applied=self.applied_result_id,
                limit=limit or self._batch_size(),
            )
        )
        result_ids = [row[0] for row in self.env.cr.fetchall()]
        if result_ids:
            self._apply_results(result_ids)
            self.applied_result_id = result_ids[-1]
        if len(result_ids) < (limit or self._batch_size()) or not self._result_count(
            after=self.applied_result_id, limit=1
        ):
            self._replace_previous_runs()
            self.write({"state": "applied", "applied_date": fields.Datetime.now()})
        return len(result_ids)

    def _replace_previous_runs(self):
        """Once applied, a full run takes over from the run applied before it
        for the same period, which is kept, marked replaced."""
        if self.is_partial:
            return
        previous = self.search(
            [
                ("id", "!=", self.id),
                ("company_id", "=", self.company_id.id),
                ("period_label", "=", self.period_label),
                ("is_partial", "=", False),
                ("state", "=", "applied"),
            ]
        )
        # the scheduler applies as OdooBot: name who asked for the new grading
        user = self.user_id if self.env.su else self.env.user
        previous.write(
            {
                "state": "replaced",
                "replaced_by_id": self.id,
                "replaced_user_id": user.id,
                "replaced_date": fields.Datetime.now(),
            }
        )

    def _apply_results(self, result_ids):
        key = str(self.company_id.id)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET grading_level_id = CASE WHEN r.level_id IS NULL
                           THEN COALESCE(p.grading_level_id, '{}'::jsonb) - %(key)s
                           ELSE COALESCE(p.grading_level_id, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.level_id) END,
                       grading_score = COALESCE(p.grading_score, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.score),
                       grading_date = COALESCE(p.grading_date, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, %(date)s),
                       grading_result_id = COALESCE(p.grading_result_id, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.id),
                       grading_state = COALESCE(p.grading_state, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, CASE WHEN r.level_id IS NULL
                                       THEN 'insufficient' ELSE 'graded' END)
                  FROM customer_grading_result r
                 WHERE r.id = ANY(%(result_ids)s)
                   AND p.id = r.partner_id
             RETURNING r.partner_id, r.previous_level_id, r.level_id, r.score, r.id
                """,
                key=key,
                date=fields.Date.to_string(self.date_to),
                result_ids=result_ids,
            )
        )
        rows = self.env.cr.fetchall()
        self.env["res.partner"].invalidate_model(list(PARTNER_GRADE_COLUMNS))
        self._invalidate_results()
        self._log_grade_changes([row for row in rows if row[1] and row[1] != row[2]])
        lowest = self._lowest_level_id()
        self._propose_eliminations({row[0]: row[4] for row in rows if row[2] == lowest})

    def _lowest_level_id(self):
        levels = self.scheme_id.sudo().level_ids
        return levels and min(levels, key=lambda level: level.min_score).id

    def _propose_eliminations(self, results):
        """Customers given the lowest grade by this run and the full runs
        before it, for the company's number of periods in a row, are proposed
        to their sales manager for reduced cooperation or blacklisting.
        ``results``: ``{partner id: result id}`` of this run's lowest grades."""
        periods_needed = self.company_id.grading_elimination_periods
        if self.is_partial or periods_needed <= 0 or not results:
            return
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id FROM (
                    SELECT r.partner_id, r.level_id,
                           ROW_NUMBER() OVER (PARTITION BY r.partner_id
                                              ORDER BY run.date_to DESC, run.id DESC) AS n
                      FROM customer_grading_result r
                      JOIN customer_grading_run run ON run.id = r.run_id
                     WHERE r.partner_id = ANY(%(partner_ids)s)
                       AND run.company_id = %(company_id)s
                       AND NOT run.is_partial
                       AND (run.id = %(run_id)s OR run.state = 'applied'
                            AND run.period_label != %(period_label)s)
                       AND run.date_to <= %(date_to)s
                ) history
                 WHERE n <= %(periods)s
              GROUP BY partner_id
                HAVING COUNT(*) = %(periods)s AND BOOL_AND(level_id = %(lowest)s)
                """,
                partner_ids=list(results),
                company_id=self.company_id.id,
                run_id=self.id,
                period_label=self.period_label,
                date_to=self.date_to,
                periods=periods_needed,
                lowest=self._lowest_level_id(),
            )
        )
        to_review = [results[row[0]] for row in self.env.cr.fetchall()]
        if to_review:
            self._schedule_elimination_reviews(to_review, periods_needed)

    def _schedule_elimination_reviews(self, result_ids, periods_needed):
        """One review activity per customer, on its result of this run, which
        belongs to the run's company, for the grading manager who decides on
        the customer in that company; none while one of its results in the
        company has one open."""
        activity_type = self.env.ref("customer_grading.mail_activity_type_elimination_review")
        Result = self.env["customer.grading.result"]
        # results are read-only to everyone: the activities are written as superuser,
        # for a grading manager of the run's company, who may read the result
        Activity = self.env["mail.activity"].sudo()
        open_reviews = Activity.search(
            [("res_model", "=", Result._name), ("activity_type_id", "=", activity_type.id)]
        )
        reviewed = (
            Result.sudo()
            .browse(open_reviews.mapped("res_id"))
            .filtered(lambda result: result.company_id == self.company_id)
            .partner_id
        )
        model_id = self.env["ir.model"]._get_id(Result._name)
        values = []
        for result in Result.sudo().browse(result_ids):
            reviewer = self.company_id._grading_manager_for(result.partner_id)
            if result.partner_id in reviewed or not reviewer:
                continue
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": result.id,
                    "activity_type_id": activity_type.id,
                    "date_deadline": activity_type._get_date_deadline(),
                    "user_id": reviewer.id,
                    # in the reviewer's language, not the scheduler's
                    "summary": self.with_context(lang=reviewer.lang).env._(
                        "Lowest grade %(count)s periods in a row: reduce cooperation or "
                        "propose for the blacklist?",
                        count=periods_needed,
                    ),
                }
            )
        Activity.create(values)

    def _log_grade_changes(self, changes):
        """One chatter note per customer whose grade changed (old → new), on
        its result: the result belongs to the run's company and only those
        who may read it read the note (the customer's chatter is read by
        every employee of every company)."""
        if not changes:
            return
        levels = (
            self.env["customer.grading.level"]
            .sudo()
            .browse({level_id for row in changes for level_id in row[1:3] if level_id})
        )
        names = {level.id: level.code for level in levels}
        bodies = {
            result_id: self.env._(
                "Grade %(old)s → %(new)s (run %(run)s, score %(score)s).",
                old=names.get(old, "?"),
                new=names.get(new) or self.env._("insufficient data"),
                run=self.display_name,
                score=score,
            )
            for _partner_id, old, new, score, result_id in changes
        }
        # results are read-only to everyone: the notes are written as superuser
        results = self.env["customer.grading.result"].sudo().browse(list(bodies))
        results._message_log_batch(bodies=bodies)
