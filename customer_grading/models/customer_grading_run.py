import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from ..tools import periods, scoring

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000

# Grading columns of res.partner that applying a run writes, one value per company.
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
    cancelled. Review and publication steps fit between ``computed`` and
    ``applied``; appeals act on the results of an applied run.
    """

    _name = "customer.grading.run"
    _description = "Customer Grading Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
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
    is_partial = fields.Boolean(compute="_compute_is_partial", store=True)
    auto_apply = fields.Boolean(
        help="Apply the grades as soon as the computation ends (scheduled runs).",
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", default=lambda self: self.env.user, readonly=True
    )
    computed_date = fields.Datetime(readonly=True, copy=False)
    applied_date = fields.Datetime(readonly=True, copy=False)
    total_margin = fields.Float(
        readonly=True,
        copy=False,
        help="The company's gross margin in the period, base of the profit contribution.",
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

    @api.depends("date_to", "scheme_id")
    def _compute_date_from(self):
        for run in self:
            if run.date_to:
                months = run.scheme_id.period_months or 12
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
        for run in self.filtered(lambda r: not r.is_partial and r.state != "cancel"):
            twin = self.search_count(
                [
                    ("id", "!=", run.id),
                    ("company_id", "=", run.company_id.id),
                    ("period_label", "=", run.period_label),
                    ("is_partial", "=", False),
                    ("state", "!=", "cancel"),
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
        if any(run.state == "applied" for run in self):
            raise UserError(
                self.env._(
                    "An applied run is the grade history of its customers; it cannot be deleted."
                )
            )
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute(self):
        """Compute the runs now, in this transaction (scripts, tests, re-grading)."""
        for run in self:
            run._start()
            cache = {}
            while run._compute_step(cache):
                pass
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
            while run._apply_step():
                pass
        return True

    def action_cancel(self):
        for run in self:
            if run.state == "applied":
                raise UserError(
                    self.env._(
                        "The grades of %(run)s are in force; grade the period "
                        "again instead of cancelling it.",
                        run=run.display_name,
                    )
                )
        self.state = "cancel"
        return True

    def action_reset_to_draft(self):
        for run in self:
            if run.state not in ("computed", "cancel"):
                raise UserError(self.env._("Only a computed or cancelled run goes back to draft."))
        self._delete_results()
        self.state = "draft"
        return True

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

        Running it again for the same quarter recomputes that quarter's run
        instead of creating another one.
        """
        _date_from, date_to = periods.last_ended_quarter(fields.Date.context_today(self))
        label = periods.quarter_label(date_to)
        companies = self.env["res.company"].search([("grading_scheme_id", "!=", False)])
        runs = self.browse()
        for company in companies:
            run = self.search(
                [
                    ("company_id", "=", company.id),
                    ("period_label", "=", label),
                    ("is_partial", "=", False),
                    ("state", "!=", "cancel"),
                ],
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
            elif run.state not in ("queued", "computing"):
                # recomputed; its grades stay in force until it is applied again
                run.auto_apply = True
                run._queue()
            runs |= run
        runs.filtered(lambda r: r.state == "draft")._queue()
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
            return self._compute_step()
        return self._apply_step()

    def _remaining_work(self):
        """Customers still to measure, score or apply (1 before the run starts)."""
        self.ensure_one()
        if self.state == "queued":
            return 1
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE compute_stage != 'done')
                     + COUNT(*) FILTER (WHERE NOT is_current AND %(applying)s)
                  FROM customer_grading_result
                 WHERE run_id = %(run_id)s
                """,
                run_id=self.id,
                applying=self.auto_apply,
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
        """Clear previous results, and list the customers to grade as pending results.

        Returns the number of customers to grade.
        """
        self.ensure_one()
        self._check_can_start()
        self._delete_results()
        self.write(
            {
                "state": "computing",
                "total_margin": self.env["customer.grading.measure"]._company_margin(
                    self.company_id, self.date_from, self.date_to
                ),
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_result
                       (run_id, company_id, period_label, date_to, partner_id, user_id,
                        previous_level_id, compute_stage, is_insufficient, is_current, score,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s,
                       p.id, p.user_id, (p.grading_level_id ->> %(company_key)s)::int,
                       'measure', FALSE, FALSE, 0,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM res_partner p
                 WHERE p.id IN (%(population)s)
                """,
                run_id=self.id,
                company_id=self.company_id.id,
                period_label=self.period_label,
                date_to=self.date_to,
                company_key=str(self.company_id.id),
                uid=self.env.uid,
                population=self._population(),
            )
        )
        count = self.env.cr.rowcount
        self._invalidate_results()
        if not count:
            self._finish_compute()
        return count or 1

    def _delete_results(self):
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
        """SQL selecting the commercial partners this run grades."""
        self.ensure_one()
        if self.is_partial:
            return SQL(
                "SELECT commercial_partner_id FROM res_partner WHERE id = ANY(%s)",
                list(self.partner_ids.ids),
            )
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

    def _next_results(self, stage, limit):
        """``[(result id, partner id)]`` of the next results at ``stage``."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id, partner_id FROM customer_grading_result
                 WHERE run_id = %(run_id)s AND compute_stage = %(stage)s
              ORDER BY id
                 LIMIT %(limit)s
                """,
                run_id=self.id,
                stage=stage,
                limit=limit,
            )
        )
        return self.env.cr.fetchall()

    def _compute_step(self, cache=None):
        """Measure the next batch, or else score the next batch, or else finish.

        ``cache`` keeps the rank populations between the steps of one
        transaction. Returns the number of customers processed, 0 once the
        run is computed.
        """
        cache = {} if cache is None else cache
        self.ensure_one()
        self.env.flush_all()
        batch = self._next_results("measure", self._batch_size())
        if batch:
            self._measure_batch(batch)
            self._invalidate_results()
            return len(batch)
        batch = self._next_results("score", self._batch_size())
        if batch:
            if "ranks" not in cache:
                cache["ranks"] = self._rank_populations()
            self._score_batch([result_id for result_id, _partner in batch], cache["ranks"])
            self._invalidate_results()
            if not self._next_results("score", 1):
                self._finish_compute()
            return len(batch)
        if self.state == "computing":
            self._finish_compute()
        return 0

    def _measure_batch(self, batch):
        """Raw values, scores and points of a batch, except the rank scores."""
        partner_ids = [partner_id for _result, partner_id in batch]
        indicators = self.scheme_id.sudo().indicator_ids.filtered("weight")
        raw_values, active = self.env["customer.grading.measure"]._measure(
            self.company_id, partner_ids, self.date_from, self.date_to, self.total_margin
        )
        manual = self._manual_values(partner_ids, indicators)
        manual_partners = {partner_id for partner_id, _indicator in manual}
        lines, results = [], []
        for result_id, partner_id in batch:
            partner_lines = []
            for indicator in indicators:
                if indicator.source == "auto":
                    raw, label = raw_values[indicator.measure].get(partner_id), None
                else:
                    raw, label = manual.get((partner_id, indicator.id), (None, None))
                partner_lines.append(self._score_line(result_id, partner_id, indicator, raw, label))
            insufficient = partner_id not in active and partner_id not in manual_partners
            subtotal = round(sum(line["points"] or 0.0 for line in partner_lines), 2)
            results.append((result_id, insufficient, subtotal))
            lines += partner_lines
        self._insert_lines(lines)
        self.env.cr.execute(
            SQL(
                """
                UPDATE customer_grading_result r
                   SET compute_stage = 'score', is_insufficient = t.insufficient, score = t.score
                  FROM unnest(%(ids)s::int[], %(insufficient)s::bool[], %(scores)s::numeric[])
                       AS t(id, insufficient, score)
                 WHERE r.id = t.id
                """,
                ids=[row[0] for row in results],
                insufficient=[row[1] for row in results],
                scores=[row[2] for row in results],
            )
        )

    def _manual_values(self, partner_ids, indicators):
        """``{(partner, indicator): (value, level name)}`` for the batch."""
        values = (
            self.env["customer.grading.value"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", partner_ids),
                    ("indicator_id", "in", indicators.filtered(lambda i: i.source == "manual").ids),
                    ("company_id", "=", self.company_id.id),
                ],
                ["partner_id", "indicator_id", "value", "option_id"],
            )
        )
        return {
            (value.partner_id.id, value.indicator_id.id): (
                value.value,
                value.option_id.name or None,
            )
            for value in values
        }

    @staticmethod
    def _score_line(result_id, partner_id, indicator, raw, label):
        """One breakdown line; rank scores wait for the whole population."""
        if indicator.scoring_rule == "rank" and raw is not None:
            score = points = None
        else:
            score = round(indicator._score(raw), 2)
            points = scoring.points(score, indicator.weight)
        return {
            "result_id": result_id,
            "partner_id": partner_id,
            "indicator_id": indicator.id,
            "dimension_id": indicator.dimension_id.id,
            "raw_value": raw,
            "raw_label": label,
            "has_value": raw is not None,
            "score": score,
            "weight": indicator.weight,
            "points": points,
        }

    def _insert_lines(self, lines):
        columns = (
            "result_id",
            "partner_id",
            "indicator_id",
            "dimension_id",
            "raw_value",
            "raw_label",
            "has_value",
            "score",
            "weight",
            "points",
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_result_line
                       (result_id, run_id, company_id, partner_id, indicator_id, dimension_id,
                        raw_value, raw_label, has_value, score, weight, points,
                        create_uid, create_date, write_uid, write_date)
                SELECT t.result_id, %(run_id)s, %(company_id)s, t.partner_id, t.indicator_id,
                       t.dimension_id, t.raw_value, t.raw_label, t.has_value, t.score,
                       t.weight, t.points,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(result_id)s::int[], %(partner_id)s::int[],
                              %(indicator_id)s::int[], %(dimension_id)s::int[],
                              %(raw_value)s::float8[], %(raw_label)s::varchar[],
                              %(has_value)s::bool[], %(score)s::numeric[],
                              %(weight)s::numeric[], %(points)s::numeric[])
                       AS t(result_id, partner_id, indicator_id, dimension_id, raw_value,
                            raw_label, has_value, score, weight, points)
                """,
                run_id=self.id,
                company_id=self.company_id.id,
                uid=self.env.uid,
                **{column: [line[column] for line in lines] for column in columns},
            )
        )

    def _rank_populations(self):
        """``{indicator id: sorted raw values}`` the rank indicators compare against.

        A full run ranks its customers among themselves (those with data). A
        partial run (customers re-graded on demand) ranks them among the
        other customers of the company's last applied full run.
        """
        rank_indicators = self.scheme_id.sudo().indicator_ids.filtered(
            lambda i: i.scoring_rule == "rank" and i.weight
        )
        if not rank_indicators:
            return {}
        reference, excluded = self, []
        if self.is_partial:
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
            excluded = self.result_ids.partner_id.ids
        self.env.cr.execute(
            SQL(
                """
                SELECT l.indicator_id, ARRAY_AGG(l.raw_value ORDER BY l.raw_value)
                  FROM customer_grading_result_line l
                  JOIN customer_grading_result r ON r.id = l.result_id
                 WHERE l.run_id = %(run_id)s
                   AND l.indicator_id = ANY(%(indicator_ids)s)
                   AND l.has_value
                   AND NOT r.is_insufficient
                   AND l.partner_id != ALL(%(excluded)s)
              GROUP BY l.indicator_id
                """,
                run_id=reference.id or 0,
                indicator_ids=rank_indicators.ids,
                excluded=excluded,
            )
        )
        populations = {indicator_id: [] for indicator_id in rank_indicators.ids}
        populations.update(dict(self.env.cr.fetchall()))
        return populations

    def _score_batch(self, result_ids, ranks):
        """Rank scores, total score, grade and trend of a batch of measured results."""
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id, r.score, r.is_insufficient, r.previous_level_id,
                       l.id, l.indicator_id, l.raw_value, l.weight
                  FROM customer_grading_result r
             LEFT JOIN customer_grading_result_line l
                    ON l.result_id = r.id AND l.score IS NULL
                 WHERE r.id = ANY(%s)
                """,
                result_ids,
            )
        )
        rows = self.env.cr.fetchall()
        scheme = self.scheme_id.sudo()
        missing_scores = {
            indicator.id: indicator.missing_score for indicator in scheme.indicator_ids
        }
        levels = [(level.id, level.min_score) for level in scheme.level_ids]
        lowest = min(levels, key=lambda level: level[1])[0]
        min_scores = dict(levels)
        previous_ids = {row[3] for row in rows if row[3] and row[3] not in min_scores}
        for level in self.env["customer.grading.level"].sudo().browse(previous_ids):
            min_scores[level.id] = level.min_score
        # one row per rank line, or one row without line
        totals, line_updates = {}, []
        for result_id, subtotal, insufficient, previous, line_id, indicator, raw, weight in rows:
            total = totals.setdefault(result_id, [float(subtotal), insufficient, previous])
            if line_id:
                population = ranks[indicator]
                if population or not self.is_partial:
                    # a full run's population holds the customer itself, when it has data
                    score = scoring.score_rank_sorted(
                        raw, population, includes_self=not self.is_partial and not insufficient
                    )
                else:  # re-graded before any full run: no one to compare with
                    score = missing_scores[indicator]
                score = round(score, 2)
                points = scoring.points(score, float(weight))
                total[0] += points
                line_updates.append((line_id, score, points))
        updates = []
        for result_id, (unrounded, insufficient, previous) in totals.items():
            total = round(unrounded, 2)
            if not insufficient:
                level = scoring.level_for_score(total, levels)
            else:
                level = lowest if scheme.grade_insufficient_data else None
            trend = (
                scoring.trend(min_scores.get(previous), min_scores.get(level)) if level else None
            )
            updates.append((result_id, total, level, trend))
        self.env.cr.execute(
            SQL(
                """
                UPDATE customer_grading_result_line l
                   SET score = t.score, points = t.points
                  FROM unnest(%s::int[], %s::numeric[], %s::numeric[]) AS t(id, score, points)
                 WHERE l.id = t.id
                """,
                [row[0] for row in line_updates],
                [row[1] for row in line_updates],
                [row[2] for row in line_updates],
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE customer_grading_result r
                   SET score = t.score, level_id = t.level_id, trend = t.trend,
                       compute_stage = 'done'
                  FROM unnest(%s::int[], %s::numeric[], %s::int[], %s::varchar[])
                       AS t(id, score, level_id, trend)
                 WHERE r.id = t.id
                """,
                [row[0] for row in updates],
                [row[1] for row in updates],
                [row[2] for row in updates],
                [row[3] for row in updates],
            )
        )

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

    def _apply_step(self):
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
                 WHERE run_id = %(run_id)s AND NOT is_current
              ORDER BY id
                 LIMIT %(limit)s
                """,
                run_id=self.id,
                limit=self._batch_size(),
            )
        )
        result_ids = [row[0] for row in self.env.cr.fetchall()]
        if not result_ids:
            self.write({"state": "applied", "applied_date": fields.Datetime.now()})
            return 0
        self._apply_results(result_ids)
        if not self._remaining_to_apply():
            self.write({"state": "applied", "applied_date": fields.Datetime.now()})
        return len(result_ids)

    def _remaining_to_apply(self):
        self.env.cr.execute(
            SQL(
                """
                SELECT 1 FROM customer_grading_result
                 WHERE run_id = %s AND NOT is_current
                 LIMIT 1
                """,
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _apply_results(self, result_ids):
        cr = self.env.cr
        key = str(self.company_id.id)
        cr.execute(
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
                """,
                key=key,
                date=fields.Date.to_string(self.date_to),
                result_ids=result_ids,
            )
        )
        cr.execute(
            SQL(
                """
                UPDATE customer_grading_result r
                   SET is_current = (r.id = ANY(%(result_ids)s))
                 WHERE r.company_id = %(company_id)s
                   AND r.partner_id IN (SELECT partner_id FROM customer_grading_result
                                         WHERE id = ANY(%(result_ids)s))
                   AND (r.is_current OR r.id = ANY(%(result_ids)s))
             RETURNING r.partner_id, r.previous_level_id, r.level_id, r.score, r.is_current
                """,
                result_ids=result_ids,
                company_id=self.company_id.id,
            )
        )
        changes = [row[:4] for row in cr.fetchall() if row[4] and row[1] and row[1] != row[2]]
        self.env["res.partner"].invalidate_model(list(PARTNER_GRADE_COLUMNS))
        self._invalidate_results()
        self._log_grade_changes(changes)

    def _log_grade_changes(self, changes):
        """One chatter note per customer whose grade changed (old → new)."""
        if not changes:
            return
        levels = (
            self.env["customer.grading.level"]
            .sudo()
            .browse({level_id for row in changes for level_id in row[1:3] if level_id})
        )
        names = {level.id: level.code for level in levels}
        bodies = {
            partner_id: self.env._(
                "Grade %(old)s → %(new)s (run %(run)s, score %(score)s).",
                old=names.get(old, "?"),
                new=names.get(new) or self.env._("insufficient data"),
                run=self.display_name,
                score=score,
            )
            for partner_id, old, new, score in changes
        }
        partners = self.env["res.partner"].sudo().browse(list(bodies))
        partners._message_log_batch(bodies=bodies)
