from odoo import fields, models

REVIEW_MARKS = [
    ("to_review", "To Review"),
    ("ok", "Checked"),
    ("follow_up", "Follow Up"),
    ("escalate", "Escalate"),
]


class CustomerGradingReceivableReviewLine(models.Model):
    """One graded customer in a monthly receivables review: its figures as
    prepared, and the sales manager's mark."""

    _name = "customer.grading.receivable.review.line"
    _description = "Receivables Review Line"
    _order = "review_id desc, receivable_overdue desc, receivable_total desc, id"
    _rec_name = "partner_id"

    review_id = fields.Many2one(
        "customer.grading.receivable.review",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="review_id.company_id", store=True, precompute=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True, precompute=True)
    review_state = fields.Selection(related="review_id.state", string="Review Status")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's salesperson when the review was prepared.",
    )
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        readonly=True,
        help="The customer's grade when the review was prepared.",
    )
    level_color = fields.Selection(related="level_id.color")
    sales_last_month = fields.Monetary(
        string="Last Month's Sales",
        readonly=True,
        help="Untaxed amount of the customer's posted invoices minus its posted credit "
        "notes dated in the month before the review date.",
    )
    receivable_overdue = fields.Monetary(
        string="Receivables > 3 Months",
        readonly=True,
        help="What remains to be paid on the customer's posted invoices and credit notes "
        "dated more than three months before the review date.",
    )
    receivable_recent = fields.Monetary(
        string="Receivables ≤ 3 Months",
        readonly=True,
        help="What remains to be paid on the customer's posted invoices and credit notes "
        "dated in the three months before the review date, up to the end of the month "
        "before the review's.",
    )
    receivable_current_month = fields.Monetary(
        string="Current Month Receivables",
        readonly=True,
        help="What remains to be paid on the customer's posted invoices and credit notes "
        "dated in the month of the review.",
    )
    receivable_total = fields.Monetary(
        string="Open Receivables",
        readonly=True,
        help="What remains to be paid on the customer's posted invoices and credit notes "
        "dated up to the end of the review's month: the sum of the three receivables columns.",
    )
    review_mark = fields.Selection(
        REVIEW_MARKS, string="Mark", default="to_review", required=True, index=True
    )
    review_note = fields.Char(string="Note")

    _sql_constraints = [
        (
            "review_partner_unique",
            "unique(review_id, partner_id)",
            "A customer appears once in a receivables review.",
        ),
    ]
