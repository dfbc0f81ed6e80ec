from odoo import api, fields, models


class CustomerGradingPreviewLine(models.Model):
    """How many customers of a preview go from one grade to another: a cell of
    the migration matrix."""

    _name = "customer.grading.preview.line"
    _description = "Customer Grading What-if Preview Line"
    _order = "preview_id, previous_level_id, level_id, id"

    preview_id = fields.Many2one(
        "customer.grading.preview", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="preview_id.company_id", store=True)
    previous_level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade Before",
        readonly=True,
        help="The grade compared with (empty: no grade).",
    )
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Previewed Grade",
        readonly=True,
        help="The grade the previewed scheme gives (empty: no grade).",
    )
    count = fields.Integer(string="Customers", readonly=True)
    movement = fields.Selection(
        [
            ("same", "Same"),
            ("up", "Up"),
            ("down", "Down"),
            ("new", "Newly graded"),
            ("ungraded", "No grade any more"),
        ],
        readonly=True,
        help="Grades are matched by code (a copy of a scheme keeps its codes); "
        "between other grades, the higher minimum score is the better grade.",
    )

    @api.depends("previous_level_id.code", "level_id.code")
    def _compute_display_name(self):
        no_grade = self.env._("No grade")
        for line in self:
            line.display_name = (
                f"{line.previous_level_id.code or no_grade} → {line.level_id.code or no_grade}"
            )
