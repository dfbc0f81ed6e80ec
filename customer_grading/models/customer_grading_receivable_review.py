from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index

from ..report import receivable_review_xlsx
from ..tools import periods

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
ACTIVITY_TYPE = "customer_grading.mail_activity_type_receivable_review"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Receivables older than this, counted from the review date, are "> 3 months".
OVERDUE_MONTHS = 3

# Figures of a line, summed by the review.
LINE_FIGURES = (
    "sales_last_month",
    "receivable_overdue",
    "receivable_recent",
    "receivable_current_month",
    "receivable_total",
)
# The aging buckets of the open receivables, oldest first: they add up to the total.
AGING_BUCKETS = ("receivable_overdue", "receivable_recent", "receivable_current_month")


class CustomerGradingReceivableReview(models.Model):
    """The monthly review of a company's graded customers (S1 §3): last
    month's sales, receivables older than three months and receivables of the
    current month, prepared on the company's review day for the sales
    managers, who mark each customer."""

    _name = "customer.grading.receivable.review"
    _description = "Monthly Receivables Review"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sales_date_from desc, id desc"
    _check_company_auto = True

    # in the reader's language, hence not stored
    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Review Date",
        required=True,
        default=fields.Date.context_today,
        help="The day the review is prepared. Receivables older than three months are "
        "counted from it; the current month and last month are its month and the one "
        "before.",
    )
    sales_date_from = fields.Date(
        string="Sales From", compute="_compute_sales_dates", store=True, precompute=True
    )
    sales_date_to = fields.Date(
        string="Sales To", compute="_compute_sales_dates", store=True, precompute=True
    )
    line_ids = fields.One2many(
        "customer.grading.receivable.review.line", "review_id", string="Customers"
    )
    state = fields.Selection(
        [("to_review", "To Review"), ("done", "Reviewed")],
        string="Status",
        default="to_review",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    reviewed_by_id = fields.Many2one(
        "res.users", string="Reviewed By", readonly=True, copy=False, tracking=True
    )
    date_reviewed = fields.Date(string="Reviewed On", readonly=True, copy=False)
    is_preparing = fields.Boolean(
        string="Being Prepared",
        readonly=True,
        copy=False,
        help="The scheduled action is still listing the customers, a batch at a time.",
    )
    sales_last_month = fields.Monetary(string="Last Month's Sales", compute="_compute_totals")
    receivable_overdue = fields.Monetary(string="Receivables > 3 Months", compute="_compute_totals")
    receivable_recent = fields.Monetary(string="Receivables ≤ 3 Months", compute="_compute_totals")
    receivable_current_month = fields.Monetary(
        string="Current Month Receivables", compute="_compute_totals"
    )
    receivable_total = fields.Monetary(string="Open Receivables", compute="_compute_totals")
    line_count = fields.Integer(string="Customer Count", compute="_compute_totals")
    to_review_count = fields.Integer(string="To Review", compute="_compute_totals")
    follow_up_count = fields.Integer(
        string="Followed Up",
        compute="_compute_totals",
        help="Customers marked Follow Up or Escalate.",
    )
    export_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Excel Export",
        readonly=True,
        copy=False,
        groups=GROUP_MANAGER,
        help="The last Excel export; only grading managers can download it.",
    )

    _sql_constraints = [
        (
            "company_month_unique",
            "unique(company_id, sales_date_from)",
            "A company has one receivables review per month.",
        ),
    ]

    def init(self):
        # a step of the preparation reads the invoices of a batch of commercial
        # entities, a column that account.move does not index
        create_index(
            self.env.cr,
            "customer_grading_account_move_commercial_partner_idx",
            "account_move",
            ["commercial_partner_id"],
        )

    @api.depends("date")
    @api.depends_context("lang")
    def _compute_name(self):
        for review in self:
            review.name = self.env._(
                "Receivables review %(month)s",
                month=periods.month_label(review.date or fields.Date.context_today(self)),
            )

    @api.depends("date")
    def _compute_sales_dates(self):
        for review in self:
            day = review.date or fields.Date.context_today(self)
            review.sales_date_from, review.sales_date_to = periods.previous_month(day)

    @api.depends(
        "line_ids.review_mark",
        *(f"line_ids.{figure}" for figure in LINE_FIGURES),
    )
    def _compute_totals(self):
        # the lines the user may read: a salesperson's totals are those of
        # their customers
        groups = self.env["customer.grading.receivable.review.line"]._read_group(
            [("review_id", "in", self._origin.ids)],
            ["review_id", "review_mark"],
            ["__count", *(f"{figure}:sum" for figure in LINE_FIGURES)],
        )
        totals = defaultdict(lambda: defaultdict(float))
        for review, mark, count, *sums in groups:
            total = totals[review.id]
            total["line_count"] += count
            total[f"{mark}_count"] += count
            for figure, amount in zip(LINE_FIGURES, sums, strict=True):
                total[figure] += amount
        for review in self:
            total = totals[review._origin.id]
            for figure in LINE_FIGURES:
                review[figure] = total[figure]
            review.line_count = int(total["line_count"])
            review.to_review_count = int(total["to_review_count"])
            review.follow_up_count = int(total["follow_up_count"] + total["escalate_count"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refresh(self):
        """Recompute the figures with today's payments; the marks and notes
        of the customers still listed are kept."""
        self._check_manager()
        if any(review.state != "to_review" for review in self):
            raise UserError(self.env._("A review marked as reviewed is not refreshed."))
        self._fill_lines()
        self._schedule_review_activities()
        self.filtered("is_preparing").is_preparing = False
        return True

    def action_done(self):
        """Close the review once every customer is marked, and the managers'
        review activities with it."""
        self._check_manager()
        for review in self:
            if review.state != "to_review":
                raise UserError(
                    self.env._("%(review)s is already reviewed.", review=review.display_name)
                )
            if review.is_preparing:
                raise UserError(
                    self.env._(
                        "%(review)s is still being prepared: its customers are not all listed yet.",
                        review=review.display_name,
                    )
                )
            unmarked = review.line_ids.sudo().filtered(lambda line: line.review_mark == "to_review")
            if unmarked:
                raise UserError(
                    self.env._(
                        "Mark every customer of %(review)s before closing it: "
                        "%(count)s still to review (%(customers)s).",
                        review=review.display_name,
                        count=len(unmarked),
                        customers=", ".join(unmarked[:5].partner_id.mapped("display_name")),
                    )
                )
        self.write(
            {
                "state": "done",
                "reviewed_by_id": self.env.uid,
                "date_reviewed": fields.Date.context_today(self),
            }
        )
        activity_type = self.env.ref(ACTIVITY_TYPE)
        self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        ).action_feedback(feedback=self.env._("Receivables reviewed."))
        return True

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_receivable_review_line_action"
        )
        action["name"] = self.display_name
        action["domain"] = [("review_id", "=", self.id)]
        action["context"] = {
            # the filter chosen by the smart button
            **{
                key: value
                for key, value in self.env.context.items()
                if key.startswith("search_default_")
            },
            "default_review_id": self.id,
        }
        return action

    def action_export_xlsx(self):
        """Download the review as an Excel workbook, kept as the review's
        manager-only attachment (the previous export is replaced)."""
        self.ensure_one()
        self._check_manager()
        content = self._xlsx_content()
        previous = self.export_attachment_id
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name}.xlsx",
                "raw": content,
                "mimetype": XLSX_MIMETYPE,
                "res_model": self._name,
                "res_id": self.id,
                # linked through a manager-only field: Odoo's attachment rules
                # hide it from the salespeople who read the review
                "res_field": "export_attachment_id",
            }
        )
        self.export_attachment_id = attachment
        previous.unlink()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Excel export
    # ------------------------------------------------------------------

    def _xlsx_content(self):
        self.ensure_one()
        Line = self.env["customer.grading.receivable.review.line"]
        marks = dict(Line._fields["review_mark"]._description_selection(self.env))
        amounts = ("sales_last_month", *AGING_BUCKETS, "receivable_total")
        headers = [
            self.env._("Customer"),
            self.env._("Salesperson"),
            self.env._("Grade"),
            # every aging bucket and their sum, labelled as in the views
            *(Line._fields[figure]._description_string(self.env) for figure in amounts),
            self.env._("Mark"),
            self.env._("Note"),
        ]
        rows = [
            (
                line.partner_id.display_name,
                line.user_id.name or "",
                line.level_id.code or "",
                *(line[figure] for figure in amounts),
                marks.get(line.review_mark, ""),
                line.review_note or "",
            )
            for line in self.line_ids
        ]
        subtitle = self.env._(
            "%(company)s – review date %(date)s, sales from %(date_from)s to %(date_to)s, "
            "amounts in %(currency)s",
            company=self.company_id.name,
            date=fields.Date.to_string(self.date),
            date_from=fields.Date.to_string(self.sales_date_from),
            date_to=fields.Date.to_string(self.sales_date_to),
            currency=self.currency_id.name,
        )
        return receivable_review_xlsx.workbook(
            self.name,
            subtitle,
            headers,
            rows,
            self.env._("Total"),
            amount_columns=set(range(3, 3 + len(amounts))),
        )
