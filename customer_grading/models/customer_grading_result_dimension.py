from odoo import fields, models
from odoo.tools import SQL


class CustomerGradingResultDimension(models.Model):
    """Subtotal of a result per dimension, read from its lines."""

    _name = "customer.grading.result.dimension"
    _description = "Customer Grading Dimension Subtotal"
    _auto = False
    _order = "result_id, sequence, dimension_id"

    result_id = fields.Many2one("customer.grading.result", readonly=True)
    run_id = fields.Many2one("customer.grading.run", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    dimension_id = fields.Many2one("customer.grading.dimension", readonly=True)
    sequence = fields.Integer(readonly=True)
    weight = fields.Float(string="Maximum", digits=(16, 2), readonly=True)
    points = fields.Float(digits=(16, 2), readonly=True)
    rate = fields.Float(
        string="Achieved (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Points obtained out of the dimension's maximum.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT MIN(l.id) AS id,
                   l.result_id,
                   r.run_id,
                   r.company_id,
                   r.partner_id,
                   l.dimension_id,
                   MIN(d.sequence) AS sequence,
                   SUM(l.weight) AS weight,
                   SUM(l.points) AS points,
                   CASE WHEN SUM(l.weight) > 0
                        THEN ROUND((100 * SUM(l.points) / SUM(l.weight))::numeric, 2)
                        ELSE 0 END AS rate
              FROM customer_grading_result_line l
              JOIN customer_grading_result r ON r.id = l.result_id
              JOIN customer_grading_dimension d ON d.id = l.dimension_id
          GROUP BY l.result_id, r.run_id, r.company_id, r.partner_id, l.dimension_id
            """
        )
