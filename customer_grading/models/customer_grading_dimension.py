from odoo import api, fields, models


class CustomerGradingDimension(models.Model):
    _name = "customer.grading.dimension"
    _description = "Customer Grading Dimension"
    _order = "scheme_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    scheme_id = fields.Many2one(
        "customer.grading.scheme", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="scheme_id.company_id", store=True)
    description = fields.Text(translate=True)
    indicator_ids = fields.One2many(
        "customer.grading.indicator", "dimension_id", string="Indicators", copy=True
    )
    weight = fields.Float(
        compute="_compute_weight",
        digits=(16, 2),
        help="Sum of the weights of the dimension's active indicators.",
    )

    @api.depends("indicator_ids.weight", "indicator_ids.active")
    def _compute_weight(self):
        for dimension in self:
            dimension.weight = sum(dimension.indicator_ids.mapped("weight"))
