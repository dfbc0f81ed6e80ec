from odoo import api, fields, models

from .customer_grading_indicator import DEFER_BAND_CHECK


class CustomerGradingIndicatorBand(models.Model):
    _name = "customer.grading.indicator.band"
    _description = "Customer Grading Indicator Band"
    _order = "indicator_id, sequence, id"

    indicator_id = fields.Many2one(
        "customer.grading.indicator", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="indicator_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    threshold = fields.Float(
        string="From Value",
        help="Raw values from this one up to the next band's take this band's score.",
    )
    score = fields.Float(digits=(16, 2))

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score >= 0 AND score <= 100)",
            "A band score lies between 0 and 100.",
        ),
    ]

    @api.constrains("threshold", "sequence", "indicator_id")
    def _check_order(self):
        if not self.env.context.get(DEFER_BAND_CHECK):
            self.indicator_id._check_bands()
