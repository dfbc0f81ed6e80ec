from odoo import fields, models


class CustomerGradingResultLine(models.Model):
    """One indicator of a result: raw value, score, weight and points.

    Runs write lines in bulk (twelve per customer), so the table keeps only
    what a line needs: no audit columns, and the customer, company and run
    are read from the result.
    """

    _name = "customer.grading.result.line"
    _description = "Customer Grading Result Line"
    _log_access = False
    # lines are stored in the scheme's order of indicators
    _order = "result_id, id"

    result_id = fields.Many2one(
        "customer.grading.result", required=True, index=True, ondelete="cascade", readonly=True
    )
    run_id = fields.Many2one(related="result_id.run_id")
    company_id = fields.Many2one(related="result_id.company_id")
    partner_id = fields.Many2one(related="result_id.partner_id", string="Customer")
    # the history stays as it was graded: indicators, levels and dimensions in
    # use are archived, never deleted, and the dimension is the one at grading
    indicator_id = fields.Many2one(
        "customer.grading.indicator", required=True, readonly=True, ondelete="restrict"
    )
    dimension_id = fields.Many2one("customer.grading.dimension", readonly=True, ondelete="restrict")
    source = fields.Selection(related="indicator_id.source")
    unit = fields.Char(related="indicator_id.unit")
    # plain double precision columns: faster to write in bulk; views show 2 decimals
    raw_value = fields.Float(string="Value", readonly=True)
    option_id = fields.Many2one(
        "customer.grading.indicator.option", string="Level", readonly=True, ondelete="restrict"
    )
    has_value = fields.Boolean(
        readonly=True,
        help="False when the customer had no value: the indicator's score without data applies.",
    )
    score = fields.Float(readonly=True)
    weight = fields.Float(readonly=True)
    points = fields.Float(readonly=True)
