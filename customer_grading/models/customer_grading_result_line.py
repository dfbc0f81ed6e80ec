from odoo import fields, models


class CustomerGradingResultLine(models.Model):
    _name = "customer.grading.result.line"
    _description = "Customer Grading Result Line"
    # lines are stored in the scheme's order of indicators
    _order = "result_id, id"

    result_id = fields.Many2one(
        "customer.grading.result", required=True, index=True, ondelete="cascade", readonly=True
    )
    run_id = fields.Many2one("customer.grading.run", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, readonly=True)
    indicator_id = fields.Many2one(
        "customer.grading.indicator", required=True, readonly=True, ondelete="cascade"
    )
    dimension_id = fields.Many2one("customer.grading.dimension", readonly=True)
    source = fields.Selection(related="indicator_id.source")
    unit = fields.Char(related="indicator_id.unit")
    raw_value = fields.Float(string="Value", readonly=True, digits=(16, 2))
    raw_label = fields.Char(string="Level", readonly=True)
    has_value = fields.Boolean(
        readonly=True,
        help="False when the customer had no value: the indicator's score without data applies.",
    )
    score = fields.Float(digits=(16, 2), readonly=True)
    weight = fields.Float(digits=(16, 2), readonly=True)
    points = fields.Float(digits=(16, 2), readonly=True)
