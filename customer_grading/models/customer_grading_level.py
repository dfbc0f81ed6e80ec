from odoo import api, fields, models

from .customer_grading_scheme import DEFER_CHECK

# What a sale order meets above the customer's credit limit (see sale_order.py).
ORDER_ACTIONS = [("none", "Nothing"), ("warn", "Warn"), ("block", "Block")]


class CustomerGradingLevel(models.Model):
    _name = "customer.grading.level"
    _description = "Customer Grade"
    _order = "scheme_id, sequence, id"

    code = fields.Char(required=True, help="Short name of the grade: A, B, C…")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Best grade first.")
    active = fields.Boolean(
        default=True, help="An archived grade is no longer given; past results keep it."
    )
    scheme_id = fields.Many2one(
        "customer.grading.scheme", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="scheme_id.company_id", store=True)
    min_score = fields.Float(
        string="Minimum Score",
        digits=(16, 2),
        help="A customer scoring at least this much gets this grade, unless "
        "it reaches a better grade.",
    )
    color = fields.Selection(
        [
            ("success", "Green"),
            ("info", "Blue"),
            ("warning", "Orange"),
            ("danger", "Red"),
            ("muted", "Grey"),
        ],
        default="info",
        required=True,
        help="Colour of the grade badge.",
    )
    service_measures = fields.Text(
        translate=True,
        help="How customers of this grade are served: shown on the customer and on its visits.",
    )
    # Credit policy, per company (a scheme may be shared by several companies);
    # empty leaves the customer's own value.
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        company_dependent=True,
        help="Payment terms given to the customers of this grade when grades are published "
        "and the company applies grade policies; empty: the customer keeps its own.",
    )
    credit_limit = fields.Float(
        company_dependent=True,
        help="Credit limit given to the customers of this grade (company currency) when "
        "grades are published and the company applies grade policies; 0: the customer "
        "keeps its own.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist",
        company_dependent=True,
        help="Pricelist given to the customers of this grade when grades are published and "
        "the company applies grade policies; empty: the customer keeps its own.",
    )
    order_action = fields.Selection(
        ORDER_ACTIONS,
        string="Order Above Credit Limit",
        default="none",
        required=True,
        help="What happens to a sale order of a customer of this grade when confirming it "
        "would take the customer above its credit limit: nothing, a warning, or a block that "
        "only a grading manager releases.",
    )
    contract_required = fields.Selection(
        [("required", "Required"), ("recommended", "Recommended"), ("no", "Not Required")],
        string="Contract Requirement",
        default="no",
        required=True,
        help="Required: customers of this grade without a signed contract in force are flagged "
        "and their salesperson reminded; Recommended: advised, not flagged.",
    )
    key_account_required = fields.Boolean(
        string="Key-Account Manager Required",
        help="The customers of this grade must have an active salesperson responsible for them.",
    )
    demotion_periods = fields.Integer(
        string="Demotion After (periods)",
        default=1,
        help="A customer is moved down from this grade only after this many consecutive "
        "periods graded below it (runs that grade all customers), so that grades do not flap "
        "around a threshold.",
    )
    visit_period = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter")],
        default="month",
        required=True,
        help="Calendar period over which the visits to customers of this grade are counted.",
    )
    visit_frequency_signed = fields.Integer(
        string="Visits per Period (Signed)",
        help="Visits the salesperson owes each signed customer (contract in force) of "
        "this grade per period; 0: no requirement.",
    )
    visit_frequency_potential = fields.Integer(
        string="Visits per Period (Potential)",
        help="Visits the salesperson owes each potential customer (no contract yet) of "
        "this grade per period; 0: no requirement.",
    )

    _sql_constraints = [
        (
            "code_scheme_uniq",
            "UNIQUE(scheme_id, code)",
            "A grade code must be unique in its scheme.",
        ),
        (
            "min_score_range",
            "CHECK(min_score >= 0 AND min_score <= 100)",
            "A grade's minimum score lies between 0 and 100.",
        ),
        (
            "demotion_periods_positive",
            "CHECK(demotion_periods >= 1)",
            "A demotion needs one period or more below the grade.",
        ),
        (
            "visit_frequency_positive",
            "CHECK(visit_frequency_signed >= 0 AND visit_frequency_potential >= 0)",
            "A grade's visit frequency cannot be negative.",
        ),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for level in self:
            level.display_name = level.code or ""

    def _comparison_key(self):
        """``(code, standing)``, how a preview compares grades; ``None`` for no
        grade (an empty recordset). The standing places the grade in its
        scheme from 1 (the best grade) to 0 (the lowest), so that grades of
        schemes with different numbers of grades and thresholds compare by
        their rank in their own scheme."""
        if not self:
            return None
        self.ensure_one()
        levels = self.scheme_id.with_context(active_test=False).level_ids.filtered(
            lambda level: level.active or level == self
        )
        ordered = levels.sorted(lambda level: (-level.min_score, level.sequence, level.id))
        if len(ordered) < 2:
            return (self.code, 1.0)
        return (self.code, 1.0 - list(ordered).index(self) / (len(ordered) - 1))

    def _grading_policy_values(self):
        """``{customer field: value}`` this grade gives in the current company:
        only what it sets (empty fields, a credit limit of 0, leave the
        customer's own)."""
        self.ensure_one()
        values = {
            "property_payment_term_id": self.payment_term_id,
            "credit_limit": self.credit_limit,
            "specific_property_product_pricelist": self.pricelist_id,
        }
        return {field: value for field, value in values.items() if value}

    def _visit_frequency(self, is_signed):
        self.ensure_one()
        return self.visit_frequency_signed if is_signed else self.visit_frequency_potential

    @api.constrains("min_score", "sequence", "scheme_id", "active")
    def _check_scheme_levels(self):
        if not self.env.context.get(DEFER_CHECK):
            self.scheme_id._check_levels()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.env["customer.grading.result"]._check_unused(
            self,
            [
                ("customer.grading.result", "level_id"),
                ("customer.grading.result", "previous_level_id"),
                ("customer.grading.visit", "grading_level_id"),
                ("customer.grading.receivable.review.line", "level_id"),
            ],
        )

    def unlink(self):
        schemes = self.scheme_id
        result = super().unlink()
        if not self.env.context.get(DEFER_CHECK):
            schemes.exists()._check_levels()
        return result
