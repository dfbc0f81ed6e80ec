from collections import Counter, defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools import periods
from .customer_grading_receivable_review import (
    ACTIVITY_TYPE,
    AGING_BUCKETS,
    GROUP_MANAGER,
    OVERDUE_MONTHS,
)


class CustomerGradingReceivableReview(models.Model):
    """The preparation of a monthly review: the scheduled action that creates
    the reviews due and lists their customers a batch at a time, the figures
    of each line, and the review activities once all are listed. The review
    itself, its actions and its export are in
    ``customer_grading_receivable_review.py``."""

    _inherit = "customer.grading.receivable.review"

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
        after an interruption); once all are, the next step schedules its
        review activities (a step of its own: it notifies the reviewers).
        Returns the number of customers left, counting 1 for a review whose
        activities are still to schedule."""
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
            review._customers_to_list() or 1 for review in preparing.filtered("is_preparing")
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
        one listed); once all are, schedule the review activities, the whole
        step. Returns the number of customers listed, ``limit`` for the
        activities."""
        self.ensure_one()
        customers = self._graded_customers(after=self._last_listed(), limit=limit)
        if not customers:
            self.is_preparing = False
            self._schedule_review_activities()
            return limit
        figures = self._gather_figures(customers.ids)
        self.env["customer.grading.receivable.review.line"].sudo().create(
            [self._line_values(figures, customer) for customer in customers]
        )
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
