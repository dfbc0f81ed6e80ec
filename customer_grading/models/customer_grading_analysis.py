from odoo import api, fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

# Documents that make a customer's revenue: untaxed invoiced minus refunded,
# posted, in company currency (as the grading indicators count it).
REVENUE_MOVE_TYPES = ("out_invoice", "out_refund")


class CustomerGradingAnalysis(models.Model):
    """The grading dashboard's figures: one row per result of every published
    run of a whole company (partial runs left out), with the customer's
    revenue in the run's period and in the period of the same length just
    before it. A database view, read through graphs and pivots."""

    _name = "customer.grading.analysis"
    _description = "Customer Grading Analysis"
    _auto = False
    _order = "date_to desc, id"
    _rec_name = "partner_id"

    result_id = fields.Many2one("customer.grading.result", string="Result", readonly=True)
    run_id = fields.Many2one("customer.grading.run", string="Run", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    period_label = fields.Char(string="Period", readonly=True)
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Run Date", readonly=True)
    is_latest = fields.Boolean(
        string="Latest Period",
        readonly=True,
        help="The company's most recent published run.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Industry", readonly=True)
    level_id = fields.Many2one("customer.grading.level", string="Grade", readonly=True)
    previous_level_id = fields.Many2one(
        "customer.grading.level",
        string="Previous Grade",
        readonly=True,
        help="The customer's grade in force when the run computed.",
    )
    trend = fields.Selection(
        [("new", "First grade"), ("up", "Upgraded"), ("same", "Unchanged"), ("down", "Downgraded")],
        readonly=True,
    )
    revenue = fields.Monetary(
        readonly=True, help="Untaxed invoiced minus refunded in the run's period."
    )
    previous_revenue = fields.Monetary(
        readonly=True,
        help="Untaxed invoiced minus refunded in the period of the same length just before.",
    )
    revenue_change = fields.Monetary(readonly=True, help="Revenue minus previous revenue.")
    growth_rate = fields.Float(
        string="Growth (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Revenue change over the previous revenue. A total is the change of the summed "
        "revenues over the summed previous revenues, not an average of the rows.",
    )
    was_active = fields.Boolean(
        string="Revenue Before", readonly=True, help="Revenue in the previous period."
    )
    active_before_count = fields.Integer(string="Customers with Revenue Before", readonly=True)
    is_churned = fields.Boolean(
        string="Churned",
        readonly=True,
        help="Revenue in the previous period and none in the run's period.",
    )
    churned_count = fields.Integer(string="Churned Customers", readonly=True)
    churn_rate = fields.Float(
        string="Churn (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Churned customers over the customers with revenue in the previous period. A "
        "total is the ratio of the summed counts, not an average of the rows.",
    )

    # ------------------------------------------------------------------
    # The view
    # ------------------------------------------------------------------

    @api.model
    def _query(self):
        """The rows of the view: set-based, the invoices of each result's two
        periods summed in one grouped join (on the invoices' commercial entity)."""
        return SQL(
            """
            WITH period AS (
                SELECT run.id AS run_id, run.company_id, run.date_from, run.date_to,
                       (run.date_from - age(run.date_to + 1, run.date_from))::date AS previous_from,
                       run.date_to = MAX(run.date_to) OVER (PARTITION BY run.company_id)
                           AS is_latest
                  FROM customer_grading_run run
                 WHERE run.state = 'applied' AND NOT COALESCE(run.is_partial, FALSE)
            ),
            figures AS (
                -- grouped by result, so that a filter on the run reaches the join
                SELECT r.id, r.run_id, r.company_id, r.period_label, p.date_from, r.date_to,
                       p.is_latest, r.partner_id, r.user_id, r.level_id, r.previous_level_id,
                       r.trend,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date >= p.date_from), 0) AS revenue,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date < p.date_from), 0)
                           AS previous_revenue
                  FROM customer_grading_result r
                  JOIN period p ON p.run_id = r.run_id
             LEFT JOIN account_move m
                    ON m.commercial_partner_id = r.partner_id
                   AND m.company_id = r.company_id
                   AND m.state = 'posted'
                   AND m.move_type IN %(move_types)s
                   AND m.invoice_date BETWEEN p.previous_from AND p.date_to
              GROUP BY r.id, p.date_from, p.is_latest
            )
            SELECT f.id, f.id AS result_id, f.run_id, f.company_id, company.currency_id,
                   f.period_label, f.date_from, f.date_to, f.is_latest, f.partner_id,
                   f.user_id, partner.industry_id, f.level_id, f.previous_level_id, f.trend,
                   f.revenue, f.previous_revenue, f.revenue - f.previous_revenue AS revenue_change,
                   100.0 * (f.revenue - f.previous_revenue) / NULLIF(f.previous_revenue, 0)
                       AS growth_rate,
                   f.previous_revenue > 0 AS was_active,
                   (f.previous_revenue > 0)::int AS active_before_count,
                   f.previous_revenue > 0 AND f.revenue <= 0 AS is_churned,
                   (f.previous_revenue > 0 AND f.revenue <= 0)::int AS churned_count,
                   CASE WHEN f.previous_revenue > 0
                        THEN 100.0 * (f.revenue <= 0)::int END AS churn_rate
              FROM figures f
              JOIN res_company company ON company.id = f.company_id
              JOIN res_partner partner ON partner.id = f.partner_id
            """,
            move_types=REVENUE_MOVE_TYPES,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    # ------------------------------------------------------------------
    # Rates: a total is the ratio of the sums
    # ------------------------------------------------------------------

    def _read_group_select(self, aggregate_spec, query):
        fname, _property, _func = parse_read_group_spec(aggregate_spec)
        if fname == "growth_rate":
            revenue = self._field_to_sql(self._table, "revenue", query)
            previous = self._field_to_sql(self._table, "previous_revenue", query)
            return SQL(
                "100.0 * (SUM(%s) - SUM(%s)) / NULLIF(SUM(%s), 0)", revenue, previous, previous
            )
        if fname == "churn_rate":
            churned = self._field_to_sql(self._table, "churned_count", query)
            active = self._field_to_sql(self._table, "active_before_count", query)
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", churned, active)
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Drilling down to the customers
    # ------------------------------------------------------------------

    def action_open_customers(self):
        """The customers of these rows, in the customers' list."""
        return self.action_open_customers_of(self.partner_id)

    @api.model
    def action_open_customers_of(self, partners):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.res_partner_action_graded"
        )
        action.update(domain=[("id", "in", partners.ids)], context={})
        return action
