from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import pg_arrays, scoring

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
# Before publication, the reviewers may still change a grade.
OVERRIDABLE_STATES = ("computed", "review")


class CustomerGradingResult(models.Model):
    _name = "customer.grading.result"
    _description = "Customer Grading Result"
    _order = "date_to desc, score desc, id"
    _rec_name = "partner_id"
    # the elimination review of a customer is an activity on its result
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    # written in bulk by runs, which record who computed them
    _log_access = False

    run_id = fields.Many2one(
        "customer.grading.run", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    scheme_id = fields.Many2one(related="run_id.scheme_id")
    period_label = fields.Char(related="run_id.period_label", store=True, string="Period")
    date_to = fields.Date(related="run_id.date_to", store=True, string="Run Date")
    state = fields.Selection(related="run_id.state", string="Run Status")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's salesperson when the run computed.",
    )
    score = fields.Float(digits=(16, 2), readonly=True, aggregator="avg")
    previous_score = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="The customer's score in force when the run computed.",
    )
    score_change = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Score minus the score in force when the run computed.",
    )
    score_move = fields.Float(
        string="Score Move",
        digits=(16, 2),
        readonly=True,
        help="How far the score moved, up or down, from the score in force.",
    )
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        readonly=True,
        ondelete="restrict",
        tracking=True,
        help="The grade this result gives: the computed grade, or its override.",
    )
    level_color = fields.Selection(related="level_id.color")
    computed_level_id = fields.Many2one(
        "customer.grading.level",
        string="Computed Grade",
        readonly=True,
        ondelete="restrict",
        help="The grade the score gives, before any override.",
    )
    previous_level_id = fields.Many2one(
        "customer.grading.level", string="Previous Grade", readonly=True, ondelete="restrict"
    )
    demotion_held = fields.Boolean(
        string="Demotion Held Back",
        readonly=True,
        help="The score is below the threshold of the grade in force, whose demotion periods ask "
        "for more periods below it before the customer is moved down: it keeps its grade.",
    )
    policy_note = fields.Text(
        string="Policy Applied",
        readonly=True,
        help="What publishing this grade changed in the customer's payment terms, credit limit "
        "and pricelist in the run's company, by the grade's policy.",
    )
    override_level_id = fields.Many2one(
        "customer.grading.level",
        string="Override Grade",
        readonly=True,
        ondelete="restrict",
        tracking=True,
        help="A grade a grading manager set instead of the computed one.",
    )
    override_reason = fields.Text(readonly=True, tracking=True)
    override_until = fields.Date(
        string="Override Until",
        readonly=True,
        tracking=True,
        help="Runs up to this date keep the override; the first run after it grades the "
        "customer normally. Empty: only this result is overridden.",
    )
    override_user_id = fields.Many2one("res.users", string="Overridden By", readonly=True)
    override_date = fields.Datetime(string="Overridden On", readonly=True)
    trend = fields.Selection(
        [("new", "First grade"), ("up", "Upgraded"), ("same", "Unchanged"), ("down", "Downgraded")],
        readonly=True,
    )
    is_insufficient = fields.Boolean(
        string="Insufficient Data",
        readonly=True,
        help="No document in the period and no manual value: not graded.",
    )
    is_blacklisted = fields.Boolean(
        string="Blacklisted",
        readonly=True,
        help="The customer was blacklisted when graded: it got the lowest grade, "
        "whatever its score.",
    )
    is_current = fields.Boolean(
        string="Grade in Force",
        compute="_compute_is_current",
        search="_search_is_current",
        help="This result gave the customer its current grade in the company.",
    )
    line_ids = fields.One2many(
        "customer.grading.result.line", "result_id", string="Breakdown", readonly=True
    )
    dimension_ids = fields.One2many(
        "customer.grading.result.dimension", "result_id", string="Dimensions", readonly=True
    )
    next_level_id = fields.Many2one(
        "customer.grading.level", compute="_compute_next_level", string="Next Grade"
    )
    points_to_next_level = fields.Float(
        compute="_compute_next_level",
        digits=(16, 2),
        help="Points the customer lacks to reach the next grade.",
    )
    appeal_count = fields.Integer(compute="_compute_appeal_count", string="Appeals")

    @api.depends("partner_id", "company_id")
    def _compute_is_current(self):
        for result in self:
            partner = result.partner_id.with_company(result.company_id).sudo()
            result.is_current = partner.grading_result_id.id == result.id

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the grade in force."))
        # the customer's grading_result_id points, per company, to its result in force
        current = SQL(
            """
            (SELECT r.id FROM customer_grading_result r
               JOIN res_partner p ON p.id = r.partner_id
              WHERE (p.grading_result_id ->> r.company_id::text)::int = r.id)
            """
        )
        return [("id", "in" if (operator == "=") == value else "not in", current)]

    @api.depends("score", "level_id", "override_level_id", "run_id.scheme_id.level_ids.min_score")
    def _compute_next_level(self):
        for result in self:
            # an overridden grade does not follow the score: no points to count
            graded = result.level_id and not result.override_level_id
            better = result.run_id.scheme_id.level_ids.filtered(
                lambda level, r=result: level.min_score > r.score
            ).sorted("min_score")
            result.next_level_id = better[:1] if graded else False
            result.points_to_next_level = (
                round(better[0].min_score - result.score, 2) if better and graded else 0.0
            )

    def _compute_appeal_count(self):
        # the appeals the user may read
        counts = dict(
            self.env["customer.grading.appeal"]._read_group(
                [("result_id", "in", self.ids)], ["result_id"], ["__count"]
            )
        )
        for result in self:
            result.appeal_count = counts.get(result, 0)

    @api.model
    def _check_unused(self, records, references):
        """Refuse to delete configuration that the grade history refers to:
        ``references`` lists the ``(model, field)`` pairs that may point at
        ``records``. Existence only is read, over every company."""
        for model, field in references:
            if (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search_count([(field, "in", records.ids)], limit=1)
            ):
                raise UserError(
                    self.env._(
                        "%(records)s cannot be deleted: past grading results or manual "
                        "indicators refer to it. Archive it instead; the grade history "
                        "stays readable as it was.",
                        records=", ".join(records.mapped("display_name")),
                    )
                )

    # ------------------------------------------------------------------
    # Overrides
    # ------------------------------------------------------------------

    def action_override(self):
        """Open the dialog giving this result another grade."""
        self.ensure_one()
        self._check_can_override()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Grade"),
            "res_model": "customer.grading.result.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_result_id": self.id},
        }

    def action_remove_override(self):
        """Give back the computed grade."""
        self._check_can_override()
        for result in self.filtered("override_level_id"):
            result._set_override(result.override_level_id.browse(), False)
        return True

    def _check_can_override(self):
        """Grading managers change grades of runs not published yet."""
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only a grading manager overrides a grade."))
        for result in self:
            if result.run_id.state not in OVERRIDABLE_STATES:
                raise UserError(
                    self.env._(
                        "The grade of %(customer)s can only be overridden before its run is "
                        "published; once published, a grade changes through an appeal.",
                        customer=result.partner_id.display_name,
                    )
                )

    def _set_override(self, level, reason, until=False):
        """Give this result ``level`` instead of its computed grade, for
        ``reason`` (tracked on the result); without ``level``, go back to the
        computed grade. The callers check who may do it and when. When the
        result is the customer's grade in force, the customer's grade follows."""
        self.ensure_one()
        grade = level or self.computed_level_id
        previous = self.previous_level_id
        # results are read-only to everyone: written as superuser once the caller allowed it
        self.sudo().write(
            {
                "override_level_id": level.id,
                "override_reason": reason if level else False,
                "override_until": until if level else False,
                "override_user_id": self.env.uid if level else False,
                "override_date": fields.Datetime.now() if level else False,
                "level_id": grade.id,
                "trend": scoring.trend(previous.min_score if previous else None, grade.min_score)
                if grade
                else False,
            }
        )
        if self.is_current:
            customer = self.partner_id.sudo().with_company(self.company_id)
            customer.grading_level_id = grade
            customer.grading_state = "graded" if grade else "insufficient"
            self._apply_grade_policy(grade)

    def _apply_grade_policy(self, grade):
        """The customer's grade in force changed after publication (override,
        accepted appeal): it gets its new grade's policy, noted in this
        result's chatter (its *Policy Applied* stays what publication did)."""
        Policy = self.env["customer.grading.policy"]
        changes = Policy._apply(self.run_id, {self.partner_id.id: (grade.id, self.id)})
        self.env["customer.grading.publication"]._log_grade_changes(self.run_id, [], changes)

    # ------------------------------------------------------------------
    # Appeals
    # ------------------------------------------------------------------

    def action_appeal(self):
        """Open a new appeal on this published grade in force, or say why it
        cannot be appealed."""
        self.ensure_one()
        self.env["customer.grading.appeal"]._check_appealable(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Appeal"),
            "res_model": "customer.grading.appeal",
            "view_mode": "form",
            "target": "current",
            "context": {"default_result_id": self.id},
        }

    def action_view_appeals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_appeal_action"
        )
        action["domain"] = [("result_id", "=", self.id)]
        action["context"] = {"default_result_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Storage, in bulk: two INSERT statements per batch of a run
    # ------------------------------------------------------------------

    @api.model
    def _insert_results(self, run, results):
        """Store a batch of ``run``'s results ``(partner, previous grade,
        insufficient, blacklisted, score, grade, trend, computed grade,
        demotion held)``; returns ``{partner: result id}``.

        The customer's salesperson and score in force are read on the way,
        and an override of its result in force that lasts until this run's
        date or later is carried over (its grade, reason and author).
        """
        columns = [pg_arrays.array_literal(column) for column in zip(*results, strict=True)]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_result
                       (run_id, company_id, period_label, date_to, partner_id, user_id,
                        previous_level_id, previous_score, score_change, score_move,
                        is_insufficient,
                        is_blacklisted, score, computed_level_id, level_id, trend,
                        demotion_held,
                        override_level_id, override_reason, override_until,
                        override_user_id, override_date)
                SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s,
                       t.partner_id, p.user_id, t.previous_level_id, p.score,
                       t.score - p.score, ABS(t.score - p.score), t.insufficient,
                       t.blacklisted, t.score,
                       t.computed_level_id, COALESCE(o.override_level_id, t.level_id),
                       CASE WHEN o.id IS NULL THEN t.trend
                            WHEN previous.id IS NULL THEN 'new'
                            WHEN overridden.min_score > previous.min_score THEN 'up'
                            WHEN overridden.min_score < previous.min_score THEN 'down'
                            ELSE 'same' END,
                       t.demotion_held AND o.id IS NULL,
                       o.override_level_id, o.override_reason, o.override_until,
                       o.override_user_id, o.override_date
                  FROM unnest(%(partner_ids)s::int[], %(previous)s::int[], %(insufficient)s::bool[],
                              %(blacklisted)s::bool[], %(scores)s::numeric[], %(levels)s::int[],
                              %(trends)s::varchar[], %(computed)s::int[], %(held)s::bool[])
                       AS t(partner_id, previous_level_id, insufficient, blacklisted, score,
                            level_id, trend, computed_level_id, demotion_held)
                       -- index lookups of each customer, where a join would scan the partners
                  JOIN LATERAL (
                       SELECT c.user_id, (c.grading_score ->> %(key)s)::numeric AS score,
                              (c.grading_result_id ->> %(key)s)::int AS result_id
                         FROM res_partner c WHERE c.id = t.partner_id) p ON TRUE
             LEFT JOIN customer_grading_result o
                    ON o.id = p.result_id AND o.override_level_id IS NOT NULL
                   AND o.override_until >= %(date_to)s
             LEFT JOIN customer_grading_level overridden ON overridden.id = o.override_level_id
             LEFT JOIN customer_grading_level previous ON previous.id = t.previous_level_id
             RETURNING partner_id, id
                """,
                run_id=run.id,
                company_id=run.company_id.id,
                period_label=run.period_label,
                date_to=run.date_to,
                key=str(run.company_id.id),
                partner_ids=columns[0],
                previous=columns[1],
                insufficient=columns[2],
                blacklisted=columns[3],
                scores=columns[4],
                levels=columns[5],
                trends=columns[6],
                computed=columns[7],
                held=columns[8],
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
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

    @api.depends("partner_id", "period_label")
    def _compute_display_name(self):
        for result in self:
            result.display_name = f"{result.partner_id.display_name} – {result.period_label or ''}"
