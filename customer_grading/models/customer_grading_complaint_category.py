from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerGradingComplaintCategory(models.Model):
    """A kind of customer complaint (product quality, delivery, service…)
    and the time the company gives itself to resolve it (002 §三.2.7: kinds,
    responsible person and processing time)."""

    _name = "customer.grading.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share the category with all companies.",
    )
    deadline_days = fields.Integer(
        string="Resolve Within (days)",
        default=7,
        help="A complaint of this category is due this many days after it was received.",
    )
    escalation_days = fields.Integer(
        string="Escalate After (days)",
        default=7,
        help="A complaint still open this many days after its due date is escalated to the "
        "manager of its responsible person.",
    )
    description = fields.Text(help="What complaints of this category cover.")

    @api.constrains("deadline_days", "escalation_days")
    def _check_days(self):
        for category in self:
            if category.deadline_days < 0 or category.escalation_days < 1:
                raise ValidationError(
                    self.env._(
                        "Complaints of %(category)s are due 0 days or more after they are "
                        "received, and escalated 1 day or more after their due date.",
                        category=category.name,
                    )
                )
