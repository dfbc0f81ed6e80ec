import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import periods

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
        groups = self.env["customer.grading.result"].sudo()._read_group(
            [("run_id", "in", self.ids)],
            ["run_id", "level_id"],
            ["__count", "score:sum"],
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
        """Compute the runs now, in this transaction."""
        for run in self:
            run._start()
            while run._compute_batch():
                pass
            run._finalize()
        return True

    def action_queue(self):
        """Compute in the background, batch by batch (large customer bases)."""
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
            run._apply()
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
        """Compute one batch of the oldest queued run, and report the progress.

        The scheduler commits after each call and calls again while work
        remains, so an interruption loses one batch at most.
        """
        run = self.search([("state", "in", ("computing", "queued"))], order="id", limit=1)
        if not run:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        if run.state == "queued":
            run._start()
        done = run._compute_batch()
        remaining = run._remaining_count()
        if not remaining:
            run._finalize()
            if run.auto_apply:
                run._apply()
        other_runs = self.search_count([("state", "in", ("computing", "queued"))])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining + other_runs)
        return remaining + other_runs

    # ------------------------------------------------------------------
    # Computation
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
        """Clear previous results and measure what the whole run shares."""
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

    def _delete_results(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("DELETE FROM customer_grading_result WHERE run_id = ANY(%s)", list(self.ids))
        )
        self.env["customer.grading.result"].invalidate_model()
        self.env["customer.grading.result.line"].invalidate_model()
        self.invalidate_recordset(["result_ids"])

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
                "SELECT DISTINCT p.commercial_partner_id AS id FROM res_partner p "
                "WHERE p.id = ANY(%s)",
                list(self.partner_ids.ids),
            )
        return SQL(
            """
            SELECT p.id
              FROM res_partner p
             WHERE p.active
               AND p.id = p.commercial_partner_id
               AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
               AND (
                    p.customer_rank > 0
                 OR EXISTS (SELECT 1 FROM customer_grading_value v
                             WHERE v.partner_id = p.id AND v.company_id = %(company_id)s)
                 OR EXISTS (SELECT 1 FROM account_move m
                             WHERE m.commercial_partner_id = p.id
                               AND m.company_id = %(company_id)s
                               AND m.state = 'posted'
                               AND m.move_type IN ('out_invoice', 'out_refund')
                               AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s)
               )
            """,
            company_id=self.company_id.id,
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def _next_batch(self, limit):
        self.env.cr.execute(
            SQL(
                """
            SELECT pop.id FROM (%(population)s) pop
             WHERE NOT EXISTS (SELECT 1 FROM customer_grading_result r
                                WHERE r.run_id = %(run_id)s AND r.partner_id = pop.id)
          ORDER BY pop.id
             LIMIT %(limit)s
            """,
                population=self._population(),
                run_id=self.id,
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _remaining_count(self):
        self.env.cr.execute(
            SQL(
                """
            SELECT COUNT(*) FROM (%(population)s) pop
             WHERE NOT EXISTS (SELECT 1 FROM customer_grading_result r
                                WHERE r.run_id = %(run_id)s AND r.partner_id = pop.id)
            """,
                population=self._population(),
                run_id=self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _compute_batch(self):
        """Grade the next batch of customers; return how many were graded."""
        self.ensure_one()
        self.env.flush_all()
        partner_ids = self._next_batch(self._batch_size())
        if not partner_ids:
            return 0
        indicators = self.scheme_id.sudo().indicator_ids.filtered("weight")
        raw_values, active = self.env["customer.grading.measure"]._measure(
            self.company_id, partner_ids, self.date_from, self.date_to, self.total_margin
        )
        manual = self._manual_values(partner_ids, indicators)
        lines = []
        manual_partners = {key[0] for key in manual}
        results = [
            (partner_id, partner_id not in active and partner_id not in manual_partners)
            for partner_id in partner_ids
        ]
        for partner_id in partner_ids:
            for indicator in indicators:
                if indicator.source == "auto":
                    raw, label = raw_values[indicator.measure].get(partner_id), None
                else:
                    raw, label = manual.get((partner_id, indicator.id), (None, None))
                lines.append(self._score_line(partner_id, indicator, raw, label))
        self._insert_results(results, lines)
        return len(partner_ids)

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
    def _score_line(partner_id, indicator, raw, label):
        """One breakdown line; rank scores wait for the whole population."""
        if indicator.scoring_rule == "rank" and raw is not None:
            score = points = None
        else:
            score = indicator._score(raw)
            points = round(score * indicator.weight / 100.0, 2)
        return {
            "partner_id": partner_id,
            "indicator_id": indicator.id,
            "dimension_id": indicator.dimension_id.id,
            "raw_value": raw,
            "raw_label": label,
            "has_value": raw is not None,
            "score": score if score is None else round(score, 2),
            "weight": indicator.weight,
            "points": points,
        }

    def _insert_results(self, results, lines):
        """Store a batch of results and their lines in two statements."""
        cr, uid = self.env.cr, self.env.uid
        cr.execute(
            SQL(
                """
            INSERT INTO customer_grading_result
                   (run_id, company_id, period_label, date_to, partner_id, user_id,
                    previous_level_id, is_insufficient, is_current, score,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s, p.id, p.user_id,
                   (p.grading_level_id ->> %(company_key)s)::int,
                   t.insufficient, FALSE, 0,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM unnest(%(partner_ids)s::int[], %(insufficient)s::bool[])
                   AS t(partner_id, insufficient)
              JOIN res_partner p ON p.id = t.partner_id
         RETURNING id, partner_id
            """,
                run_id=self.id,
                company_id=self.company_id.id,
                company_key=str(self.company_id.id),
                period_label=self.period_label,
                date_to=self.date_to,
                uid=uid,
                partner_ids=[partner_id for partner_id, _insufficient in results],
                insufficient=[insufficient for _partner_id, insufficient in results],
            )
        )
        result_ids = {partner_id: result_id for result_id, partner_id in cr.fetchall()}
        columns = (
            "indicator_id",
            "dimension_id",
            "raw_value",
            "raw_label",
            "has_value",
            "score",
            "weight",
            "points",
        )
        cr.execute(
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
              FROM unnest(%(result_ids)s::int[], %(partner_ids)s::int[],
                          %(indicator_id)s::int[], %(dimension_id)s::int[],
                          %(raw_value)s::float8[], %(raw_label)s::varchar[],
                          %(has_value)s::bool[], %(score)s::numeric[],
                          %(weight)s::numeric[], %(points)s::numeric[])
                   AS t(result_id, partner_id, indicator_id, dimension_id, raw_value,
                        raw_label, has_value, score, weight, points)
            """,
                run_id=self.id,
                company_id=self.company_id.id,
                uid=uid,
                result_ids=[result_ids[line["partner_id"]] for line in lines],
                partner_ids=[line["partner_id"] for line in lines],
                **{column: [line[column] for line in lines] for column in columns},
            )
        )

    def _finalize(self):
        """Rank, total and grade the run's results, all in SQL."""
        self.ensure_one()
        self._score_ranks()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            UPDATE customer_grading_result r
               SET score = t.total
              FROM (SELECT result_id, ROUND(COALESCE(SUM(points), 0), 2) AS total
                      FROM customer_grading_result_line
                     WHERE run_id = %(run_id)s
                  GROUP BY result_id) t
             WHERE r.id = t.result_id
            """,
                run_id=self.id,
            )
        )
        cr.execute(
            SQL(
                """
            WITH levels AS (
                SELECT id, min_score FROM customer_grading_level
                 WHERE scheme_id = %(scheme_id)s
            ), lowest AS (
                SELECT id FROM levels ORDER BY min_score LIMIT 1
            )
            UPDATE customer_grading_result r
               SET level_id = CASE
                       WHEN r.is_insufficient AND NOT %(grade_insufficient)s THEN NULL
                       WHEN r.is_insufficient THEN (SELECT id FROM lowest)
                       ELSE COALESCE(
                           (SELECT l.id FROM levels l WHERE l.min_score <= r.score
                             ORDER BY l.min_score DESC LIMIT 1),
                           (SELECT id FROM lowest))
                   END
             WHERE r.run_id = %(run_id)s
            """,
                run_id=self.id,
                scheme_id=self.scheme_id.id,
                grade_insufficient=self.scheme_id.grade_insufficient_data,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE customer_grading_result r
               SET trend = CASE
                       WHEN r.level_id IS NULL THEN NULL
                       WHEN r.previous_level_id IS NULL THEN 'new'
                       WHEN lv.min_score > pl.min_score THEN 'up'
                       WHEN lv.min_score < pl.min_score THEN 'down'
                       ELSE 'same'
                   END
              FROM customer_grading_result r2
         LEFT JOIN customer_grading_level lv ON lv.id = r2.level_id
         LEFT JOIN customer_grading_level pl ON pl.id = r2.previous_level_id
             WHERE r.id = r2.id AND r.run_id = %(run_id)s
            """,
                run_id=self.id,
            )
        )
        self.env["customer.grading.result"].invalidate_model()
        self.env["customer.grading.result.line"].invalidate_model()
        self.write({"state": "computed", "computed_date": fields.Datetime.now()})

    def _score_ranks(self):
        """Score the rank indicators: percentile among the run's customers.

        A partial run (customers re-graded on demand) ranks them among the
        customers of the company's last applied full run.
        """
        rank_indicators = self.scheme_id.sudo().indicator_ids.filtered(
            lambda i: i.scoring_rule == "rank" and i.weight
        )
        if not rank_indicators:
            return
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
            ranked = SQL(
                """
                SELECT l.id,
                       CASE WHEN ref.total > 0 THEN 100.0 * ref.below / ref.total END AS score
                  FROM customer_grading_result_line l
                  CROSS JOIN LATERAL (
                       SELECT COUNT(*) FILTER (WHERE o.raw_value < l.raw_value) AS below,
                              COUNT(*) AS total
                         FROM customer_grading_result_line o
                         JOIN customer_grading_result ro ON ro.id = o.result_id
                        WHERE o.run_id = %(reference_id)s
                          AND o.indicator_id = l.indicator_id
                          AND o.partner_id != l.partner_id
                          AND o.has_value
                          AND NOT ro.is_insufficient
                  ) ref
                 WHERE l.run_id = %(run_id)s
                   AND l.indicator_id = ANY(%(indicator_ids)s)
                   AND l.has_value
                """,
                reference_id=reference.id or 0,
                run_id=self.id,
                indicator_ids=rank_indicators.ids,
            )
        else:
            ranked = SQL(
                """
                SELECT l.id,
                       CASE WHEN COUNT(*) OVER w_all = 1 THEN 100.0
                            ELSE 100.0 * PERCENT_RANK() OVER w_rank END AS score
                  FROM customer_grading_result_line l
                  JOIN customer_grading_result r ON r.id = l.result_id
                 WHERE l.run_id = %(run_id)s
                   AND l.indicator_id = ANY(%(indicator_ids)s)
                   AND l.has_value
                   AND NOT r.is_insufficient
                WINDOW w_all AS (PARTITION BY l.indicator_id),
                       w_rank AS (PARTITION BY l.indicator_id ORDER BY l.raw_value)
                """,
                run_id=self.id,
                indicator_ids=rank_indicators.ids,
            )
        self.env.cr.execute(
            SQL(
                """
            WITH ranked AS (%(ranked)s)
            UPDATE customer_grading_result_line l
               SET score = ROUND(COALESCE(ranked.score, i.missing_score)::numeric, 2),
                   points = ROUND(
                       (COALESCE(ranked.score, i.missing_score) * l.weight / 100.0)::numeric, 2)
              FROM customer_grading_result_line l2
              JOIN customer_grading_indicator i ON i.id = l2.indicator_id
         LEFT JOIN ranked ON ranked.id = l2.id
             WHERE l.id = l2.id
               AND l.run_id = %(run_id)s
               AND l.indicator_id = ANY(%(indicator_ids)s)
               AND l.score IS NULL
            """,
                ranked=ranked,
                run_id=self.id,
                indicator_ids=rank_indicators.ids,
            )
        )

    def _apply(self):
        """Set the grades on the customers, touching only the grading columns."""
        self.ensure_one()
        self.env.flush_all()
        cr = self.env.cr
        key = str(self.company_id.id)
        cr.execute(
            SQL(
                """
            SELECT r.partner_id, r.previous_level_id, r.level_id, r.score
              FROM customer_grading_result r
             WHERE r.run_id = %(run_id)s
               AND r.previous_level_id IS DISTINCT FROM r.level_id
               AND r.previous_level_id IS NOT NULL
            """,
                run_id=self.id,
            )
        )
        changes = cr.fetchall()
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
             WHERE r.run_id = %(run_id)s
               AND p.id = r.partner_id
            """,
                key=key,
                date=fields.Date.to_string(self.date_to),
                run_id=self.id,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE customer_grading_result r
               SET is_current = (r.run_id = %(run_id)s)
             WHERE r.company_id = %(company_id)s
               AND r.partner_id IN (SELECT partner_id FROM customer_grading_result
                                     WHERE run_id = %(run_id)s)
               AND (r.is_current OR r.run_id = %(run_id)s)
            """,
                run_id=self.id,
                company_id=self.company_id.id,
            )
        )
        self.env["res.partner"].invalidate_model(list(PARTNER_GRADE_COLUMNS))
        self.env["customer.grading.result"].invalidate_model(["is_current"])
        self.write({"state": "applied", "applied_date": fields.Datetime.now()})
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
