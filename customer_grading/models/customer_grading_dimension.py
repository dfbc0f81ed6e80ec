from odoo import api, fields, models


class CustomerGradingDimension(models.Model):
    _name = "customer.grading.dimension"
    _description = "Customer Grading Dimension"
    _order = "scheme_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True, help="Archiving a dimension archives its indicators; past results keep it."
    )
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

    def write(self, vals):
        result = super().write(vals)
        if vals.get("active") is False:
            self.indicator_ids.action_archive()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.env["customer.grading.result"]._check_unused(
            self, [("customer.grading.result.line", "dimension_id")]
        )
