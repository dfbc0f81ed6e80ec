from odoo import api, fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

# row ids: run id * GRADE_ID_SHIFT + grade id (0 for the whole company)
GRADE_ID_SHIFT = 1_000_000


class CustomerGradingGoal(models.Model):
    """The company's customer goals (churn down, spend up, satisfaction)
    against the figures of each published run: one row per run of a whole
    company and one per grade of that run (the customers the run gave that
    grade). A database view over the grading analysis."""

    _name = "customer.grading.goal"
    _description = "Customer Grading Goals"
    _auto = False
    _order = "date_to desc, run_id desc, level_sequence, id"
    _rec_name = "period_label"

    run_id = fields.Many2one("customer.grading.run", string="Run", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    period_label = fields.Char(string="Period", readonly=True)
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        readonly=True,
        help="The customers the run gave this grade; empty on the whole company's row.",
    )
    level_sequence = fields.Integer(readonly=True)
    date_to = fields.Date(string="Run Date", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    active_count = fields.Integer(
        string="Customers with Revenue", readonly=True, help="Revenue in the run's period."
    )
    active_before_count = fields.Integer(
        string="Customers with Revenue Before",
        readonly=True,
        help="Revenue in the period of the same length before the run's period.",
    )
    churned_count = fields.Integer(
        string="Churned Customers",
        readonly=True,
        help="Revenue in the previous period and none in the run's period.",
    )
    churn_rate = fields.Float(
        string="Churn (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Churned customers over the customers with revenue in the previous period. A "
        "group's is the ratio of its summed counts.",
    )
    previous_churn_rate = fields.Float(
        string="Churn of the Previous Run (%)",
        digits=(16, 1),
        readonly=True,
        aggregator=False,
    )
    churn_change = fields.Float(
        string="Churn Change (%)",
        digits=(16, 1),
        readonly=True,
        aggregator=False,
        help="How much the churn rate moved since the company's previous published run, "
        "relative to it: -15 % means a churn rate 15 % lower.",
    )
    target_churn_change = fields.Float(
        string="Churn Target (%)",
        compute="_compute_goals",
        digits=(16, 1),
        help="The company's target: the churn rate lowered by this much from one run to the next.",
    )
    is_churn_met = fields.Boolean(string="Churn Goal Met", compute="_compute_goals")
    spend_per_customer = fields.Monetary(
        string="Spend per Customer",
        readonly=True,
        aggregator=False,
        help="Revenue of the period over the customers with revenue in it.",
    )
    previous_spend_per_customer = fields.Monetary(
        string="Spend per Customer Before",
        readonly=True,
        aggregator=False,
        help="Revenue of the previous period over the customers with revenue in it.",
    )
    spend_growth = fields.Float(
        string="Spend Growth (%)", digits=(16, 1), readonly=True, aggregator=False
    )
    target_spend_growth = fields.Float(
        related="company_id.grading_target_spend_growth",
        string="Spend Target (%)",
        aggregator=False,
    )
    is_spend_met = fields.Boolean(string="Spend Goal Met", compute="_compute_goals")
    target_satisfaction = fields.Float(
        related="company_id.grading_target_satisfaction",
        string="Satisfaction Target (%)",
        aggregator=False,
    )
    satisfaction_answer_count = fields.Integer(
        string="Survey Answers",
        compute="_compute_satisfaction",
        help="Finished answers to the company's sent satisfaction survey campaigns dated in "
        "the run's period.",
    )
    satisfaction_rate = fields.Float(
        string="Satisfaction (%)",
        compute="_compute_satisfaction",
        digits=(16, 1),
        help="Share of those answers that rate the satisfaction question at or above the "
        "survey's 'Satisfied From'.",
    )
    is_satisfaction_met = fields.Boolean(
        string="Satisfaction Goal Met", compute="_compute_satisfaction"
    )
    satisfaction = fields.Char(
        string="Survey",
        compute="_compute_satisfaction",
        help="No satisfaction survey answered in the run's period: no figure to compare "
        "with the target.",
    )

    @api.model
    def _query(self):
        # the whole company's row and one row per grade in one grouped pass; a
        # grade's previous run is the company's previous run with that grade code
        return SQL(
            """
            WITH runs AS (
                SELECT a.run_id, a.company_id, a.currency_id, a.period_label, a.date_to,
                       a.level_id,
                       COUNT(*) AS customer_count,
                       COUNT(*) FILTER (WHERE a.revenue > 0) AS active_count,
                       SUM(a.active_before_count) AS active_before_count,
                       SUM(a.churned_count) AS churned_count,
                       SUM(a.revenue) FILTER (WHERE a.revenue > 0) AS revenue,
                       SUM(a.previous_revenue) FILTER (WHERE a.previous_revenue > 0)
                           AS previous_revenue
                  FROM (%(analysis)s) a
              GROUP BY GROUPING SETS (
                       (a.run_id, a.company_id, a.currency_id, a.period_label, a.date_to),
                       (a.run_id, a.company_id, a.currency_id, a.period_label, a.date_to,
                        a.level_id))
                HAVING GROUPING(a.level_id) = 1 OR a.level_id IS NOT NULL
            ),
            rates AS (
                SELECT runs.*, level.code AS level_code,
                       COALESCE(level.sequence, -1) AS level_sequence,
                       100.0 * churned_count / NULLIF(active_before_count, 0) AS churn_rate,
                       revenue / NULLIF(active_count, 0) AS spend_per_customer,
                       previous_revenue / NULLIF(active_before_count, 0)
                           AS previous_spend_per_customer
                  FROM runs
             LEFT JOIN customer_grading_level level ON level.id = runs.level_id
            ),
            compared AS (
                SELECT rates.*,
                       LAG(churn_rate) OVER (PARTITION BY company_id, level_code
                                             ORDER BY date_to, run_id)
                           AS previous_churn_rate
                  FROM rates
            ),
            changes AS (
                SELECT compared.*,
                       100.0 * (churn_rate - previous_churn_rate)
                           / NULLIF(previous_churn_rate, 0) AS churn_change,
                       100.0 * (spend_per_customer - previous_spend_per_customer)
                           / NULLIF(previous_spend_per_customer, 0) AS spend_growth
                  FROM compared
            )
            -- a stable id per row: the run's, shifted, plus the grade's
            SELECT c.run_id::bigint * %(id_shift)s + COALESCE(c.level_id, 0) AS id,
                   c.run_id, c.company_id, c.currency_id, c.period_label, c.level_id,
                   c.level_sequence, c.date_to, c.customer_count, c.active_count,
                   c.active_before_count, c.churned_count, c.churn_rate, c.previous_churn_rate,
                   c.churn_change, c.spend_per_customer, c.previous_spend_per_customer,
                   c.spend_growth
              FROM changes c
            """,
            analysis=self.env["customer.grading.analysis"]._query(),
            id_shift=GRADE_ID_SHIFT,
        )

    def _read_group_select(self, aggregate_spec, query):
        fname, _property, _func = parse_read_group_spec(aggregate_spec)
        if fname == "churn_rate":
            churned = self._field_to_sql(self._table, "churned_count", query)
            active = self._field_to_sql(self._table, "active_before_count", query)
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", churned, active)
        return super()._read_group_select(aggregate_spec, query)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    @api.depends(
        "churn_change",
        "spend_growth",
        "company_id.grading_target_churn_reduction",
        "company_id.grading_target_spend_growth",
    )
    def _compute_goals(self):
        for goal in self:
            company = goal.company_id
            goal.target_churn_change = -company.grading_target_churn_reduction
            # no previous figure: nothing to compare, the goal is not met
            goal.is_churn_met = bool(goal.previous_churn_rate) and (
                goal.churn_change <= goal.target_churn_change
            )
            goal.is_spend_met = bool(goal.previous_spend_per_customer) and (
                goal.spend_growth >= company.grading_target_spend_growth
            )

    @api.depends("company_id.grading_target_satisfaction")
    def _compute_satisfaction(self):
        counts = self._satisfaction_counts()
        for goal in self:
            answered, satisfied = counts.get((goal.run_id.id, goal.level_id.id), (0, 0))
            goal.satisfaction_answer_count = answered
            goal.satisfaction_rate = 100.0 * satisfied / answered if answered else 0.0
            goal.is_satisfaction_met = bool(answered) and (
                goal.satisfaction_rate >= goal.company_id.grading_target_satisfaction
            )
            goal.satisfaction = False if answered else self.env._("No survey in the period")

    def _satisfaction_counts(self):
        """``{(run id, grade id or False): (finished answers, satisfied
        answers)}`` of the sent campaigns of each run's company dated in the
        run's reference window, per grade the run gave the answering customer
        and for the whole company, in one query for all the rows (the goals
        are the managers' and so are the campaigns)."""
        run_ids = [run_id for run_id in self.run_id.ids if run_id]
        if not run_ids:
            return {}
        for model in (
            "customer.grading.run",
            "customer.grading.result",
            "customer.grading.survey.campaign",
        ):
            self.env[model].flush_model()
        self.env["survey.user_input"].flush_model(
            ["grading_campaign_id", "grading_customer_id", "state", "survey_id"]
        )
        self.env["survey.user_input.line"].flush_model(
            ["user_input_id", "question_id", "answer_type", "value_scale"]
        )
        self.env["survey.survey"].flush_model(
            ["grading_satisfaction_question_id", "grading_satisfied_from"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT r.id, result.level_id, GROUPING(result.level_id) = 1,
                       COUNT(DISTINCT ui.id),
                       COUNT(DISTINCT ui.id) FILTER (
                           WHERE line.value_scale >= s.grading_satisfied_from)
                  FROM customer_grading_run r
                  JOIN customer_grading_survey_campaign c
                    ON c.company_id = r.company_id
                   AND c.state = 'sent'
                   AND c.date BETWEEN r.date_from AND r.date_to
                  JOIN survey_user_input ui
                    ON ui.grading_campaign_id = c.id AND ui.state = 'done'
                  JOIN survey_survey s ON s.id = ui.survey_id
             LEFT JOIN customer_grading_result result
                    ON result.run_id = r.id AND result.partner_id = ui.grading_customer_id
             LEFT JOIN survey_user_input_line line
                    ON line.user_input_id = ui.id
                   AND line.question_id = s.grading_satisfaction_question_id
                   AND line.answer_type = 'scale'
                 WHERE r.id IN %(run_ids)s
              GROUP BY GROUPING SETS ((r.id), (r.id, result.level_id))
                """,
                run_ids=tuple(run_ids),
            )
        )
        return {
            (run_id, False if is_company else level_id): (answered, satisfied)
            for run_id, level_id, is_company, answered, satisfied in rows
            if is_company or level_id
        }

    def _analysis_action(self, xml_id, name, domain):
        """``xml_id``'s figures, for this run (not its default latest period)
        and this row's grade."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        if self.level_id:
            domain = [("level_id", "=", self.level_id.id), *domain]
        action.update(
            name=name,
            domain=[("run_id", "=", self.run_id.id), *domain],
            context={},
        )
        return action

    def _figures_title(self, title):
        if not self.level_id:
            return title
        return self.env._(
            "%(title)s, grade %(grade)s", title=title, grade=self.level_id.display_name
        )

    def action_open_churned(self):
        """The customers behind the churn rate: those with revenue before."""
        return self._analysis_action(
            "customer_grading.customer_grading_analysis_action_churn",
            self._figures_title(self.env._("Churn of %(period)s", period=self.period_label)),
            [("was_active", "=", True)],
        )

    def action_open_revenue(self):
        """The customers behind the spend per customer."""
        return self._analysis_action(
            "customer_grading.customer_grading_analysis_action_growth",
            self._figures_title(self.env._("Revenue of %(period)s", period=self.period_label)),
            [],
        )
