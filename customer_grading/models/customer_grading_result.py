from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


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
    level_id = fields.Many2one(
        "customer.grading.level", string="Grade", readonly=True, ondelete="restrict"
    )
    level_color = fields.Selection(related="level_id.color")
    previous_level_id = fields.Many2one(
        "customer.grading.level", string="Previous Grade", readonly=True, ondelete="restrict"
    )
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

    @api.depends("partner_id", "period_label")
    def _compute_display_name(self):
        for result in self:
            result.display_name = f"{result.partner_id.display_name} – {result.period_label or ''}"
