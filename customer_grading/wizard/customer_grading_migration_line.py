from odoo import fields, models


class CustomerGradingMigrationLine(models.TransientModel):
    """A customer's grade in the earlier and in the later of two compared runs."""

    _name = "customer.grading.migration.line"
    _description = "Customer Grade Migration"
    _order = "partner_id"
    _rec_name = "partner_id"

    migration_id = fields.Many2one(
        "customer.grading.migration", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    from_level_id = fields.Many2one(
        "customer.grading.level",
        string="Earlier Grade",
        readonly=True,
        help="Empty: not graded in the earlier run (insufficient data, or not in it).",
    )
    to_level_id = fields.Many2one(
        "customer.grading.level",
        string="Later Grade",
        readonly=True,
        help="Empty: not graded in the later run (insufficient data, or not in it).",
    )
    trend = fields.Selection(
        [
            ("new", "Only in the later run"),
            ("gone", "Only in the earlier run"),
            ("up", "Upgraded"),
            ("same", "Unchanged"),
            ("down", "Downgraded"),
        ],
        readonly=True,
    )

    def action_open_customers(self):
        """The customers of these lines, in the customers' list."""
        return self.env["customer.grading.analysis"].action_open_customers_of(self.partner_id)
