from odoo import api, fields, models


class CustomerGradingIndicatorOption(models.Model):
    _name = "customer.grading.indicator.option"
    _description = "Customer Grading Manual Level"
    _order = "indicator_id, sequence, id"

    indicator_id = fields.Many2one(
        "customer.grading.indicator", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="indicator_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True, help="An archived level is no longer offered; past values keep it."
    )
    name = fields.Char(required=True, translate=True)
    score = fields.Float(digits=(16, 2))

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score >= 0 AND score <= 100)",
            "A level score lies between 0 and 100.",
        ),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.env["customer.grading.result"]._check_unused(
            self,
            [
                ("customer.grading.result.line", "option_id"),
                ("customer.grading.value", "option_id"),
            ],
        )
