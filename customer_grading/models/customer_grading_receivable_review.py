from collections import Counter, defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
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
    # Preparation
    # ------------------------------------------------------------------

    @api.model
    def _cron_prepare_reviews(self, limit=None):
        """Prepare this month's review of every company with a grading scheme
        whose review day has come and that has none yet: a day missed by the
        scheduler is caught up the next day it runs, also when that day falls
        in the next month (last month's review, dated on its review day).

        One step per call: the reviews due are created, then the next
        ``limit`` customers (the grading batch size) are listed in the
        reviews being prepared; the scheduler commits after each call and
        calls again while customers remain. A review lists its customers by
        id, so that the next step goes on after the last one listed (also
        after an interruption); once all are, its review activities are
        scheduled. Returns the number of customers left."""
        limit = limit or self.env["customer.grading.run"]._batch_size()
        companies = self.env["res.company"].search([("grading_scheme_id", "!=", False)])
        months = defaultdict(set)  # the sales months each company has a review of
        for company, month in self.sudo()._read_group(
            [("company_id", "in", companies.ids)], ["company_id", "sales_date_from:month"]
        ):
            months[company].add(month)
        for company in companies:
            today = company._grading_today()
            for day in self._review_days_due(company, today, months[company]):
                self._create_review(company, day, preparing=True)
        budget = limit
        # every company's reviews, whoever runs the action
        preparing = self.sudo().search([("is_preparing", "=", True)], order="id")
        for review in preparing:
            if not budget:
                break
            budget -= review._prepare_step(budget)
        remaining = sum(
            review._customers_to_list() for review in preparing.filtered("is_preparing")
        )
        self.env["ir.cron"]._notify_progress(done=limit - budget, remaining=remaining)
        return remaining

    @api.model
    def _review_days_due(self, company, today, sales_months):
        """The dates of the reviews ``company`` still owes on ``today``, given
        the sales months it has reviews of: last month's if missed (only after
        an earlier review, so that installing does not prepare the past) and
        this month's once its day has come."""
        review_day = company.grading_receivable_review_day
        last_month_day = periods.previous_month(today)[0].replace(day=review_day)
        this_month_from = periods.previous_month(today)[0]
        last_month_from = periods.previous_month(last_month_day)[0]
        days = []
        if last_month_from not in sales_months and any(
            month < last_month_from for month in sales_months
        ):
            days.append(last_month_day)
        if review_day <= today.day and this_month_from not in sales_months:
            days.append(today)
        return days

    @api.model
    def _prepare(self, company, today):
        """Create the review of ``company`` for ``today``'s month, its lines
        and the sales managers' review activities, at once."""
        review = self._create_review(company, today)
        review._fill_lines()
        review._schedule_review_activities()
        return review

    @api.model
    def _create_review(self, company, today, preparing=False):
        """The review of ``company`` for ``today``'s month, without lines."""
        review = (
            self.with_company(company)
            .with_context(mail_create_nolog=True)
            .create({"company_id": company.id, "date": today, "is_preparing": preparing})
        )
        review._message_log(
            body=self.env._(
                "Prepared on %(date)s: sales of %(month)s, receivables as of today.",
                date=fields.Date.to_string(fields.Date.context_today(self)),
                month=periods.month_label(review.sales_date_from),
            )
        )
        return review

    def _prepare_step(self, limit):
        """List the review's next ``limit`` customers (by id, after the last
        one listed); once all are, schedule the review activities. Returns
        the number of customers listed."""
        self.ensure_one()
        customers = self._graded_customers(after=self._last_listed(), limit=limit + 1)
        is_done = len(customers) <= limit
        customers = customers[:limit]
        figures = self._gather_figures(customers.ids)
        self.env["customer.grading.receivable.review.line"].sudo().create(
            [self._line_values(figures, customer) for customer in customers]
        )
        if is_done:
            self.is_preparing = False
            self._schedule_review_activities()
        return len(customers)

    def _last_listed(self):
        """The id of the last customer the review lists (0 when none)."""
        self.ensure_one()
        listed = (
            self.env["customer.grading.receivable.review.line"]
            .sudo()
            ._read_group([("review_id", "=", self.id)], [], ["partner_id:max"])[0][0]
        )
        return listed or 0

    def _customers_to_list(self):
        """The graded customers the review has still to list."""
        self.ensure_one()
        return (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            .search_count(self._graded_customers_domain(after=self._last_listed()))
        )

    def _line_values(self, figures, customer, kept=None):
        self.ensure_one()
        return {
            "review_id": self.id,
            "partner_id": customer.id,
            "user_id": customer.user_id.id,
            "level_id": customer.grading_level_id.id,
            **self._line_figures(figures, customer),
            **(kept or {}),
        }

    def _fill_lines(self):
        """(Re)create the lines of the reviews with the current figures,
        keeping the marks and notes given so far. The figures are read with
        grouped queries, a constant number whatever the number of customers,
        and do not depend on the record rules of the user who prepares."""
        Line = self.env["customer.grading.receivable.review.line"].sudo()
        vals_list = []
        for review in self:
            old_lines = review.line_ids.sudo()
            kept = {
                line.partner_id.id: {
                    "review_mark": line.review_mark,
                    "review_note": line.review_note,
                }
                for line in old_lines
            }
            old_lines.unlink()
            figures = review._gather_figures()
            vals_list += [
                review._line_values(figures, customer, kept.get(customer.id))
                for customer in review._graded_customers()
            ]
        Line.create(vals_list)

    @api.model
    def _graded_customers_domain(self, after=None):
        domain = [
            ("grading_level_id", "!=", False),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
        ]
        if after is not None:
            domain.append(("id", ">", after))
        return domain

    def _graded_customers(self, after=None, limit=None):
        """Commercial entities with a grade in the review's company (one
        query); with ``after``, by id from the one after it."""
        self.ensure_one()
        return (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            .search_fetch(
                self._graded_customers_domain(after),
                ["user_id", "grading_level_id"],
                order="name, id" if after is None else "id",
                limit=limit,
            )
        )

    @api.model
    def _line_figures(self, figures, customer):
        """The figures of ``customer``'s line: its open receivables are the sum
        of its aging buckets, so that the columns add up."""
        values = {figure: figures[figure].get(customer.id, 0.0) for figure in figures}
        values["receivable_total"] = sum(values[bucket] for bucket in AGING_BUCKETS)
        return values

    def _gather_figures(self, partner_ids=None):
        """``{figure: {commercial partner id: amount}}`` from the posted customer
        invoices and credit notes of the review's company, in company currency:
        four grouped queries, one per aging bucket and the sales. Receivables
        dated after the review's month are not the review's. With
        ``partner_ids``, those of these commercial partners only."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        posted = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        if partner_ids is not None:
            posted.append(("commercial_partner_id", "in", partner_ids))
        open_ = [*posted, ("amount_residual_signed", "!=", 0)]
        month_from, month_to = periods.month_bounds(self.date)
        overdue_before = self.date - relativedelta(months=OVERDUE_MONTHS)

        def total(domain, amount):
            groups = Move._read_group(domain, ["commercial_partner_id"], [f"{amount}:sum"])
            return {partner.id: value for partner, value in groups}

        return {
            "sales_last_month": total(
                [
                    *posted,
                    ("invoice_date", ">=", self.sales_date_from),
                    ("invoice_date", "<=", self.sales_date_to),
                ],
                "amount_untaxed_signed",
            ),
            "receivable_overdue": total(
                [*open_, ("invoice_date", "<", overdue_before)], "amount_residual_signed"
            ),
            "receivable_recent": total(
                [
                    *open_,
                    ("invoice_date", ">=", overdue_before),
                    ("invoice_date", "<", month_from),
                ],
                "amount_residual_signed",
            ),
            "receivable_current_month": total(
                [*open_, ("invoice_date", ">=", month_from), ("invoice_date", "<=", month_to)],
                "amount_residual_signed",
            ),
        }

    def _schedule_review_activities(self):
        """One review activity per sales manager with customers in the review,
        none for a manager who already has one open on it.

        The sales manager of a customer is the leader of its salesperson's
        sales team, when that leader is a grading manager (the one who may
        mark lines); the other customers go to the review's author if a
        grading manager, else (the scheduled action runs as OdooBot) to the
        company's first grading manager.
        """
        activity_type = self.env.ref(ACTIVITY_TYPE)
        Line = self.env["customer.grading.receivable.review.line"].sudo()
        for review in self:
            customers = Counter()
            fallback = None
            # the sales manager depends on the customer's salesperson only (the
            # line's, as prepared): one customer of each salesperson tells it
            for _user, first, count in Line._read_group(
                [("review_id", "=", review.id)], ["user_id"], ["partner_id:min", "__count"]
            ):
                customer = Line.env["res.partner"].browse(first)
                manager = customer._grading_sales_manager(review.company_id)
                if not manager:
                    if fallback is None:
                        fallback = review._fallback_reviewer()
                    manager = fallback
                customers[manager] += count
            assigned = review.activity_ids.filtered(
                lambda activity: activity.activity_type_id == activity_type
            ).user_id
            for manager, count in customers.items():
                if manager and manager not in assigned:
                    in_their_language = review.with_context(lang=manager.lang)
                    in_their_language.activity_schedule(
                        ACTIVITY_TYPE,
                        user_id=manager.id,
                        note=in_their_language.env._(
                            "%(count)s customer(s) of your sales teams to review in %(review)s.",
                            count=count,
                            review=in_their_language.display_name,
                        ),
                    )

    def _fallback_reviewer(self):
        """The review's author when a grading manager, else the company's first
        grading manager (the scheduled action prepares as OdooBot)."""
        self.ensure_one()
        author = self.create_uid
        if (
            author
            and not author._is_superuser()
            and author._has_group(GROUP_MANAGER)
            and self.company_id in author.company_ids
        ):
            return author
        return self.company_id._grading_managers()[:1]

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only a grading manager refreshes, closes or exports a review.")
            )

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
