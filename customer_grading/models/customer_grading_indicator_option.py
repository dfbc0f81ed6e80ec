from odoo import fields, models


class CustomerGradingIndicatorOption(models.Model):
    _name = "customer.grading.indicator.option"
    _description = "Customer Grading Manual Level"
    _order = "indicator_id, sequence, id"

    indicator_id = fields.Many2one(
        "customer.grading.indicator", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="indicator_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    score = fields.Float(digits=(16, 2))

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score >= 0 AND score <= 100)",
            "A level score lies between 0 and 100.",
        ),
    ]
