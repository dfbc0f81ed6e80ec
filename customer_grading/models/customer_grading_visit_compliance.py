from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from ..report import xlsx_common
from ..report.customer_grading_visit_compliance_xlsx import VisitComplianceWorkbook
from ..tools import periods

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
GROUP_USER = "customer_grading.group_customer_grading_user"
COUNTED_STATES = ("done", "approved")
# What a row of the overview holds, as `_row_values` gives it.
ROW_FIELDS = (
    "company_id",
    "partner_id",
    "user_id",
    "level_id",
    "is_signed",
    "period_start",
    "period_end",
    "visits_required",
    "visits_done",
    "visits_missing",
    "compliance_rate",
    "is_behind",
    "due_date",
    "last_visit_date",
)


class CustomerGradingVisitCompliance(models.Model):
    """Each graded customer's visits in the current period against its grade's
    frequency: one row per customer and company, rebuilt every night by the
    reminder action and whenever one of its visits changes."""

    _name = "customer.grading.visit.compliance"
    _description = "Customer Visit Compliance"
    # the 'visit due' reminder of a customer is an activity on its row, which
    # belongs to one company
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    _order = "is_behind desc, due_date, id"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, readonly=True)
    level_id = fields.Many2one("customer.grading.level", string="Grade", readonly=True)
    level_color = fields.Selection(related="level_id.color")
    is_signed = fields.Boolean(string="Signed", readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    visits_required = fields.Integer(string="Visits Required", readonly=True)
    visits_done = fields.Integer(string="Visits Done", readonly=True)
    visits_missing = fields.Integer(string="Visits Missing", readonly=True)
    compliance_rate = fields.Float(
        string="Compliance (%)",
        aggregator="avg",
        digits=(16, 1),
        readonly=True,
        help="Visits done over visits required this period; over 100 % when more visits "
        "were done than required. A total is the ratio of the summed visits done and "
        "required, not an average of the rows.",
    )
    is_behind = fields.Boolean(
        string="Behind", index=True, readonly=True, help="Visits are still owed this period."
    )
    due_date = fields.Date(
        string="Next Visit Due",
        readonly=True,
        help="The day by which the next visit is due, the period's visits spread evenly.",
    )
    last_visit_date = fields.Date(string="Last Visit", readonly=True)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "A customer has one visit compliance per company.",
        )
    ]

    # ------------------------------------------------------------------
    # Measure
    # ------------------------------------------------------------------

    @api.model
    def _counted_visits_domain(self, company):
        domain = [("company_id", "=", company.id), ("state", "in", COUNTED_STATES)]
        if company.grading_visit_on_site_only:
            domain.append(("visit_type", "=", "on_site"))
        return domain

    @api.model
    def _measure(self, company, partners, today):
        """``{partner id: figures}`` of the current period, in two grouped queries
        on the visits whatever the number of customers."""
        partners = partners.sudo().with_company(company)
        quarter = periods.visit_period(today, "quarter")
        month = periods.visit_period(today, "month")
        Visit = self.env["customer.grading.visit"].sudo()
        done_by_month = defaultdict(dict)
        for partner, month_start, count in Visit._read_group(
            [
                *self._counted_visits_domain(company),
                ("partner_id", "in", partners.ids),
                ("visit_day", ">=", quarter[0]),
                ("visit_day", "<=", quarter[1]),
            ],
            ["partner_id", "visit_day:month"],
            ["__count"],
        ):
            done_by_month[partner.id][month_start] = count
        last_visit = dict(
            Visit._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", COUNTED_STATES),
                    ("partner_id", "in", partners.ids),
                ],
                ["partner_id"],
                ["visit_day:max"],
            )
        )
        # a contract in force makes a signed customer, box ticked or not
        contracted = self.env["customer.grading.contract"]._signed_partner_ids(
            company, partners, today
        )
        figures = {}
        for partner in partners:
            level = partner.grading_level_id
            start, end = quarter if level.visit_period == "quarter" else month
            is_signed = partner.is_signed_customer or partner.id in contracted
            required = level._visit_frequency(is_signed) if level else 0
            done = sum(
                count
                for month_start, count in done_by_month[partner.id].items()
                if start <= month_start <= end
            )
            figures[partner.id] = {
                "level": level,
                "is_signed": is_signed,
                "period_start": start,
                "period_end": end,
                "required": required,
                "done": done,
                "due_date": periods.visit_due_date(start, end, done, required),
                "last_visit_date": last_visit.get(partner, False),
            }
        return figures

    def _read_group_select(self, aggregate_spec, query):
        # a rate's total is the ratio of the sums, whatever the aggregate asked
        # (list, pivot, graph): the visits done over the visits required, as
        # their columns add up, rounded as each row is
        if parse_read_group_spec(aggregate_spec)[0] == "compliance_rate":
            return SQL(
                "ROUND(100.0 * SUM(%(done)s) / NULLIF(SUM(%(required)s), 0), 1)",
                done=self._field_to_sql(self._table, "visits_done", query),
                required=self._field_to_sql(self._table, "visits_required", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Rows of the overview
    # ------------------------------------------------------------------

    @api.model
    def _graded_customers_domain(self):
        return [("parent_id", "=", False), ("grading_level_id", "!=", False)]

    @api.model
    def _refresh(self, company, partners=None, today=None):
        """Bring the rows of ``partners`` (all graded customers when ``None``)
        up to date. Rows are updated in place, so that their reminders stay;
        those of customers who owe no visit any more are deleted. Returns
        the rows of the customers who owe visits."""
        today = today or company._grading_today()
        # the overview is the company's, whoever refreshes it
        rows = self.sudo().with_context(active_test=False, tracking_disable=True)
        if partners is None:
            partners = (
                self.env["res.partner"]
                .sudo()
                .with_company(company)
                .search(self._graded_customers_domain())
            )
            existing = rows.search([("company_id", "=", company.id)])
        else:
            existing = rows.search(
                [("company_id", "=", company.id), ("partner_id", "in", partners.ids)]
            )
        return self._sync_rows(company, partners, existing, today)

    @api.model
    def _sync_rows(self, company, partners, existing, today):
        """Write the figures of ``partners`` on their ``existing`` rows, create
        the missing ones and delete those of customers who owe nothing (every
        row of ``existing`` must be of one of ``partners``)."""
        rows = existing.browse().with_context(active_test=False, tracking_disable=True)
        figures = self._measure(company, partners, today)
        owners = {partner.id: partner.user_id.id for partner in partners.sudo()}
        owed = {
            partner_id: self._row_values(company, partner_id, owners[partner_id], values)
            for partner_id, values in figures.items()
            if values["required"]
        }
        by_partner = {row.partner_id.id: row for row in existing}
        kept = existing.filtered(lambda row: row.partner_id.id in owed)
        (existing - kept).unlink()
        # most rows do not change from one day to the next: write only those
        # that do (the writes are flushed together, one UPDATE per 1,000 rows)
        for current in kept.read(list(ROW_FIELDS), load=False):
            values = owed[current["partner_id"]]
            if any((current[field] or False) != (values[field] or False) for field in ROW_FIELDS):
                by_partner[current["partner_id"]].write(values)
        return kept | rows.create(
            [values for partner_id, values in owed.items() if partner_id not in by_partner]
        )

    @api.model
    def _row_values(self, company, partner_id, user_id, values):
        required, done = values["required"], values["done"]
        return {
            "company_id": company.id,
            "partner_id": partner_id,
            "user_id": user_id,
            "level_id": values["level"].id,
            "is_signed": values["is_signed"],
            "period_start": values["period_start"],
            "period_end": values["period_end"],
            "visits_required": required,
            "visits_done": done,
            "visits_missing": max(required - done, 0),
            # as stored: the field keeps one decimal
            "compliance_rate": round(100.0 * done / required, 1),
            "is_behind": done < required,
            "due_date": values["due_date"],
            "last_visit_date": values["last_visit_date"],
        }

    def action_plan_visit(self):
        """A new planned visit to the row's customer, in the row's company."""
        self.ensure_one()
        # planned within the row's company's horizon
        action = self.partner_id.with_company(self.company_id).action_grading_plan_visit()
        action["context"]["default_company_id"] = self.company_id.id
        return action

    def action_refresh(self):
        """Recompute the overview of the current company now."""
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only a grading manager refreshes the visit compliance."))
        self._refresh(self.env.company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_export_xlsx(self):
        """Download the selected rows, or without a selection every row of
        the current search, as an Excel workbook with their totals. The file
        is the user's own attachment; their previous export is replaced."""
        rows = self or self.search(self.env.context.get("active_domain") or [])
        content = VisitComplianceWorkbook(rows).content()
        Attachment = self.env["ir.attachment"]
        # not linked to a row: only its author (and administrators) may read it
        previous = Attachment.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", False),
                ("create_uid", "=", self.env.uid),
            ]
        )
        attachment = Attachment.create(
            {
                "name": self.env._(
                    "Visit compliance %(date)s.xlsx",
                    date=fields.Date.context_today(self).isoformat(),
                ),
                "raw": content,
                "mimetype": xlsx_common.XLSX_MIMETYPE,
                "res_model": self._name,
            }
        )
        previous.unlink()
        return xlsx_common.download_action(attachment)

    # ------------------------------------------------------------------
    # Daily reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_visit_reminders(self, limit=None):
        """Every day: rebuild the overview and remind the salespeople of the
        customers that are behind, one open activity per customer.

        One step per call: the next ``limit`` graded customers (the grading
        batch size), company by company in the order of their ids; the
        scheduler commits after each call and calls again while customers
        remain. Where the pass stands is stored on the companies with each
        step, so that an interrupted pass resumes where it stopped; once a
        pass is complete, the next call starts a new one. Returns the number
        of customers left in the pass."""
        limit = limit or self.env["customer.grading.run"]._batch_size()
        # every company's overview, whoever runs the action
        companies = self.env["res.company"].sudo().search([], order="id")
        self._start_sweep(companies)
        budget = limit
        for company in companies.filtered(lambda company: not company.grading_visit_sweep_is_done):
            if not budget:
                break
            budget -= self._sweep_step(company, budget)
        remaining = sum(
            self._sweep_remaining(company)
            for company in companies.filtered(
                lambda company: not company.grading_visit_sweep_is_done
            )
        )
        self.env["ir.cron"]._notify_progress(done=limit - budget, remaining=remaining)
        return remaining

    @api.model
    def _start_sweep(self, companies):
        """Start a new pass unless one started today is unfinished: when the
        last one is complete, or when one left unfinished began on an earlier
        day than the company's today (its figures would mix two days). A
        company created since the pass started joins it."""
        todo = companies.filtered(lambda company: not company.grading_visit_sweep_is_done)
        days = {
            company.grading_visit_sweep_date == company._grading_today()
            for company in todo
            if company.grading_visit_sweep_date
        }
        if days == {True}:
            return
        for company in companies:
            company.write(
                {
                    "grading_visit_sweep_date": company._grading_today(),
                    "grading_visit_sweep_cursor": 0,
                    "grading_visit_sweep_is_done": False,
                }
            )

    @api.model
    def _sweep_step(self, company, limit):
        """Refresh the rows of ``company``'s next ``limit`` graded customers
        (by id) and their reminders, with the rows of ungraded customers in
        between; returns the number of graded customers done."""
        today = company._grading_today()
        cursor = company.grading_visit_sweep_cursor
        graded = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .search(
                [*self._graded_customers_domain(), ("id", ">", cursor)],
                order="id",
                limit=limit + 1,
            )
        )
        is_done = len(graded) <= limit
        graded = graded[:limit]
        # ">= cursor + 1": a many2one compared with 0 would be compared with NULL
        domain = [("company_id", "=", company.id), ("partner_id", ">=", cursor + 1)]
        if not is_done:
            domain.append(("partner_id", "<=", graded[-1].id))
        rows = self.sudo().with_context(active_test=False, tracking_disable=True)
        existing = rows.search(domain)
        owed = self._sync_rows(company, graded | existing.partner_id, existing, today)
        owed._remind()
        company.write(
            {
                "grading_visit_sweep_date": today,
                "grading_visit_sweep_cursor": graded[-1:].id or cursor,
                "grading_visit_sweep_is_done": is_done,
            }
        )
        return len(graded)

    @api.model
    def _sweep_remaining(self, company):
        """The graded customers of ``company`` the pass has still to do."""
        return (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .search_count(
                [
                    *self._graded_customers_domain(),
                    ("id", ">", company.grading_visit_sweep_cursor),
                ]
            )
        )

    def _remind(self):
        """Open a 'visit due' activity on each of these rows behind that has
        none, and close those of rows that no longer are. A row's reminder
        goes to the customer's salesperson when they work in the row's
        company, else to the company's grading manager who decides on the
        customer."""
        activity_type = self.env.ref("customer_grading.mail_activity_type_visit_due")
        # reminders for every salesperson, on rows that the assignee may open
        Activity = self.env["mail.activity"].sudo()
        open_activities = Activity.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        reminded = set(open_activities.mapped("res_id"))
        behind = self.sudo().filtered(lambda row: row.is_behind and row.user_id)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        assignees = {}  # the rule depends on the salesperson and the company only
        for row in behind.filtered(lambda row: row.id not in reminded):
            key = (row.user_id, row.company_id)
            if key not in assignees:
                assignees[key] = row._reminder_user()
            user = assignees[key]
            if not user:
                continue
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": row.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": row.due_date,
                    # in the assignee's language, not the scheduler's
                    "summary": row.with_context(lang=user.lang).env._(
                        "%(done)s of %(required)s visits done this period",
                        done=row.visits_done,
                        required=row.visits_required,
                    ),
                }
            )
        Activity.with_context(mail_activity_quick_update=True).create(values)
        behind_ids = set(behind.ids)
        open_activities.filtered(lambda a: a.res_id not in behind_ids).action_feedback(
            feedback=self.env._("The customer's visits are up to date.")
        )

    def _reminder_user(self):
        """The salesperson, when a grading user of the row's company (who may
        open the row), else the company's grading manager for the customer."""
        self.ensure_one()
        salesperson = self.user_id
        if self.company_id in salesperson.company_ids and salesperson._has_group(GROUP_USER):
            return salesperson
        return self.company_id._grading_manager_for(self.partner_id)
