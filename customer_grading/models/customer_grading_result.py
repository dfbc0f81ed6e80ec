from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import pg_arrays, scoring

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
GROUP_USER = "customer_grading.group_customer_grading_user"
# Before publication, the reviewers may still change a grade.
OVERRIDABLE_STATES = ("computed", "review")

# Grading columns of res.partner that applying a run writes, one value per company.
PARTNER_GRADE_COLUMNS = (
    "grading_level_id",
    "grading_score",
    "grading_date",
    "grading_result_id",
    "grading_state",
)


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

    @api.depends("score", "level_id", "run_id.scheme_id.level_ids.min_score")
    def _compute_next_level(self):
        for result in self:
            better = result.run_id.scheme_id.level_ids.filtered(
                lambda level, r=result: level.min_score > r.score
            ).sorted("min_score")
            result.next_level_id = better[:1] if result.level_id else False
            result.points_to_next_level = (
                round(better[0].min_score - result.score, 2) if better and result.level_id else 0.0
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
        insufficient, blacklisted, score, grade, trend)``; returns
        ``{partner: result id}``.

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
                        override_level_id, override_reason, override_until,
                        override_user_id, override_date)
                SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s,
                       t.partner_id, p.user_id, t.previous_level_id, p.score,
                       t.score - p.score, ABS(t.score - p.score), t.insufficient,
                       t.blacklisted, t.score,
                       t.level_id, COALESCE(o.override_level_id, t.level_id),
                       CASE WHEN o.id IS NULL THEN t.trend
                            WHEN previous.id IS NULL THEN 'new'
                            WHEN overridden.min_score > previous.min_score THEN 'up'
                            WHEN overridden.min_score < previous.min_score THEN 'down'
                            ELSE 'same' END,
                       o.override_level_id, o.override_reason, o.override_until,
                       o.override_user_id, o.override_date
                  FROM unnest(%(partner_ids)s::int[], %(previous)s::int[], %(insufficient)s::bool[],
                              %(blacklisted)s::bool[], %(scores)s::numeric[], %(levels)s::int[],
                              %(trends)s::varchar[])
                       AS t(partner_id, previous_level_id, insufficient, blacklisted, score,
                            level_id, trend)
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

    # ------------------------------------------------------------------
    # Giving a run's results to its customers
    # ------------------------------------------------------------------

    @api.model
    def _apply_to_customers(self, run, result_ids):
        """Give the results ``result_ids`` of ``run`` to their customers: their
        grading columns in the run's company, one UPDATE; then the notes of
        the grade changes and the elimination reviews. Returns nothing."""
        key = str(run.company_id.id)
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
                date=fields.Date.to_string(run.date_to),
                result_ids=result_ids,
            )
        )
        rows = self.env.cr.fetchall()
        self.env["res.partner"].invalidate_model(list(PARTNER_GRADE_COLUMNS))
        run._invalidate_results()
        self._log_grade_changes(run, [row for row in rows if row[1] and row[1] != row[2]])
        lowest = run.scheme_id._lowest_level().id
        self._propose_eliminations(run, {row[0]: row[4] for row in rows if row[2] == lowest})

    @api.model
    def _propose_eliminations(self, run, results):
        """Customers given the lowest grade by ``run`` and the full runs
        before it, for the company's number of periods in a row, are proposed
        to their sales manager for reduced cooperation or blacklisting.
        ``results``: ``{partner id: result id}`` of the run's lowest grades.
        Returns nothing."""
        periods_needed = run.company_id.grading_elimination_periods
        if run.is_partial or periods_needed <= 0 or not results:
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
                company_id=run.company_id.id,
                run_id=run.id,
                period_label=run.period_label,
                date_to=run.date_to,
                periods=periods_needed,
                lowest=run.scheme_id._lowest_level().id,
            )
        )
        to_review = [results[row[0]] for row in self.env.cr.fetchall()]
        if to_review:
            self._schedule_elimination_reviews(run, to_review, periods_needed)

    @api.model
    def _schedule_elimination_reviews(self, run, result_ids, periods_needed):
        """One review activity per customer, on its result of ``run``, which
        belongs to the run's company, for the grading manager who decides on
        the customer in that company; none while one of its results in the
        company has one open. Returns nothing."""
        activity_type = self.env.ref("customer_grading.mail_activity_type_elimination_review")
        # results are read-only to everyone: the activities are written as superuser,
        # for a grading manager of the run's company, who may read the result
        Activity = self.env["mail.activity"].sudo()
        open_reviews = Activity.search(
            [("res_model", "=", self._name), ("activity_type_id", "=", activity_type.id)]
        )
        reviewed = (
            self.sudo()
            .browse(open_reviews.mapped("res_id"))
            .filtered(lambda result: result.company_id == run.company_id)
            .partner_id
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for result in self.sudo().browse(result_ids):
            reviewer = run.company_id._grading_manager_for(result.partner_id)
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

    @api.model
    def _notify_salespeople(self, run, limit=50):
        """Once ``run`` is published: one notification to each salesperson of
        customers whose grade changed, in their language, listing those
        customers (up to ``limit``, then how many more), never one per
        customer. Salespeople who may not open the run are left out."""
        self.env.cr.execute(
            SQL(
                """
                SELECT r.user_id, p.name, old.code, new.code,
                       COUNT(*) OVER (PARTITION BY r.user_id)
                  FROM customer_grading_result r
                  JOIN res_partner p ON p.id = r.partner_id
                  JOIN customer_grading_level old ON old.id = r.previous_level_id
             LEFT JOIN customer_grading_level new ON new.id = r.level_id
                 WHERE r.run_id = %s AND r.user_id IS NOT NULL
                   AND r.level_id IS DISTINCT FROM r.previous_level_id
              ORDER BY r.user_id, p.name
                """,
                run.id,
            )
        )
        changes = defaultdict(list)
        totals = {}
        for user_id, name, old, new, total in self.env.cr.fetchall():
            totals[user_id] = total
            if len(changes[user_id]) < limit:
                changes[user_id].append((name, old, new))
        users = self.env["res.users"].sudo().browse(list(changes))
        for user in users.filtered(lambda u: u.active and run.company_id in u.company_ids):
            if not user._has_group(GROUP_USER):
                continue
            run_in_their_language = run.with_context(lang=user.lang)
            _ = run_in_their_language.env._
            lines = Markup("").join(
                Markup("<li>%s: %s → %s</li>") % (name, old, new or _("insufficient data"))
                for name, old, new in changes[user.id]
            )
            more = totals[user.id] - len(changes[user.id])
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                _(
                    "%(run)s is published: the grade of %(count)s of your customers changed.",
                    run=run.display_name,
                    count=totals[user.id],
                ),
                lines,
            )
            if more:
                body += Markup("<p>%s</p>") % _(
                    "… and %(count)s more: see the run's results.", count=more
                )
            run_in_their_language.message_notify(
                partner_ids=user.partner_id.ids,
                subject=_("Grades published: %(run)s", run=run.display_name),
                body=body,
            )

    @api.model
    def _log_grade_changes(self, run, changes):
        """One chatter note per customer whose grade changed (old → new), on
        its result of ``run``: the result belongs to the run's company and
        only those who may read it read the note (the customer's chatter is
        read by every employee of every company). ``changes``: rows
        ``(partner id, old level id, new level id, score, result id)``.
        Returns nothing."""
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
                run=run.display_name,
                score=score,
            )
            for _partner_id, old, new, score, result_id in changes
        }
        # results are read-only to everyone: the notes are written as superuser
        results = self.sudo().browse(list(bodies))
        results._message_log_batch(bodies=bodies)
