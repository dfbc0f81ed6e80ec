from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from ..tools import periods

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"

VISIT_TYPES = [
    ("on_site", "On-site visit"),
    ("phone", "Phone call"),
    ("video", "Video call"),
    ("other", "Other"),
]

# Written by the approval action only.
APPROVAL_FIELDS = {"approver_id", "date_approved"}

# Changes that move a customer's visit compliance.
COMPLIANCE_FIELDS = {"state", "visit_date", "partner_id", "visit_type", "company_id"}

# What a visit that took place records: fixed once done, except by a manager.
RECORDED_FIELDS = COMPLIANCE_FIELDS - {"state"}


class CustomerGradingVisit(models.Model):
    """A customer visit record (附表3 客户拜访记录表)."""

    _name = "customer.grading.visit"
    _description = "Customer Visit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "visit_date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    visit_date = fields.Datetime(
        string="Visit Date",
        required=True,
        index=True,
        default=fields.Datetime.now,
        tracking=True,
    )
    visit_day = fields.Date(
        compute="_compute_visit_day",
        store=True,
        index=True,
        help="The visit's date in the salesperson's time zone: the day it counts for.",
    )
    duration = fields.Float(default=1.0, help="Expected or actual length, in hours.")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    grading_level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade at Visit",
        compute="_compute_grading_level_id",
        store=True,
        precompute=True,
        help="The customer's grade when the visit was recorded; kept when the grade changes.",
    )
    grading_service_measures = fields.Text(
        related="grading_level_id.service_measures", string="Service Measures"
    )
    visit_type = fields.Selection(
        VISIT_TYPES, string="Type", default="on_site", required=True, tracking=True
    )
    address = fields.Char(
        string="Meeting Address",
        compute="_compute_address",
        store=True,
        readonly=False,
        precompute=True,
    )
    colleague_ids = fields.Many2many(
        "res.users",
        "customer_grading_visit_colleague_rel",
        "visit_id",
        "user_id",
        string="Accompanying Colleagues",
        domain="[('share', '=', False)]",
    )
    attendee_ids = fields.Many2many(
        "res.partner",
        "customer_grading_visit_attendee_rel",
        "visit_id",
        "partner_id",
        string="Customer Attendees",
        domain="[('parent_id', '=', partner_id)]",
        help="The customer's contacts who took part, with their position and phone.",
    )
    planned_content = fields.Text(string="Planned Content", help="What the visit is to cover.")
    actual_content = fields.Text(string="Actual Content", help="What was actually discussed.")
    next_steps = fields.Text(string="Next Steps")
    needs_support = fields.Boolean(
        string="Needs Support", tracking=True, help="Support from other departments is needed."
    )
    support_department = fields.Char(
        string="Support From", help="Departments whose support is needed: logistics, finance…"
    )
    note = fields.Text(string="Remarks")
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("approved", "Approved")],
        default="planned",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
    )
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Planned for a day that has passed and not marked done.",
    )
    user_can_edit = fields.Boolean(compute="_compute_user_rights")
    user_is_manager = fields.Boolean(compute="_compute_user_rights")
    approver_id = fields.Many2one("res.users", string="Approver", readonly=True, copy=False)
    date_approved = fields.Date(string="Approval Date", readonly=True, copy=False)
    # The paper form carries the customer's figures of the monthly review (S1 §3).
    receivable_review_line_id = fields.Many2one(
        "customer.grading.receivable.review.line",
        string="Receivables Review",
        compute="_compute_receivable_review",
        help="The customer's line in the latest monthly receivables review prepared on or "
        "before the visit day, if you may read it.",
    )
    receivable_review_date = fields.Date(string="Review Date", compute="_compute_receivable_review")
    currency_id = fields.Many2one(related="company_id.currency_id")
    sales_last_month = fields.Monetary(
        string="Last Month's Sales", compute="_compute_receivable_review"
    )
    receivable_overdue = fields.Monetary(
        string="Receivables > 3 Months", compute="_compute_receivable_review"
    )
    receivable_current_month = fields.Monetary(
        string="Current Month Receivables", compute="_compute_receivable_review"
    )

    @api.depends("partner_id", "visit_date")
    @api.depends_context("lang", "tz", "uid")
    def _compute_display_name(self):
        """'Visit to <customer> – <day>', the day in the reader's time zone and
        date format."""
        for visit in self:
            day = format_date(self.env, visit.visit_date) if visit.visit_date else ""
            if visit.partner_id and day:
                visit.display_name = self.env._(
                    "Visit to %(customer)s – %(date)s", customer=visit.partner_id.name, date=day
                )
            elif visit.partner_id:
                visit.display_name = self.env._(
                    "Visit to %(customer)s", customer=visit.partner_id.name
                )
            else:
                visit.display_name = day

    @api.depends("visit_date", "user_id.tz")
    def _compute_visit_day(self):
        for visit in self:
            if not visit.visit_date:
                visit.visit_day = False
                continue
            local = visit.with_context(tz=visit.user_id.tz or "UTC")
            visit.visit_day = fields.Datetime.context_timestamp(local, visit.visit_date).date()

    @api.depends("partner_id", "company_id")
    def _compute_grading_level_id(self):
        for visit in self:
            partner = visit.partner_id.sudo().with_company(visit.company_id)
            visit.grading_level_id = partner.grading_level_id

    @api.depends("partner_id")
    def _compute_address(self):
        for visit in self.filtered("partner_id"):
            partner = visit.partner_id
            city = " ".join(part for part in (partner.zip, partner.city) if part)
            parts = (partner.street, partner.street2, city, partner.state_id.name)
            visit.address = ", ".join(part for part in parts if part) or partner.country_id.name

    @api.depends_context("uid")
    def _compute_user_rights(self):
        """What the form offers: accompanying colleagues only read the visit,
        managers correct what a done visit records."""
        editable = self._origin._filtered_access("write")
        is_manager = self._is_manager()
        for visit in self:
            visit.user_can_edit = not visit._origin or visit._origin in editable
            visit.user_is_manager = is_manager

    @api.depends("partner_id", "company_id", "visit_day")
    @api.depends_context("uid")
    def _compute_receivable_review(self):
        last_day = max(filter(None, self.mapped("visit_day")), default=None)
        lines = self.env["customer.grading.receivable.review.line"]
        if last_day:
            lines = lines.search(
                [
                    ("partner_id", "in", self.partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("review_id.date", "<=", last_day),
                ]
            )
        for visit in self:
            line = max(
                lines.filtered(
                    lambda line, v=visit: (
                        v.visit_day
                        and line.partner_id == v.partner_id
                        and line.company_id == v.company_id
                        and line.review_id.date <= v.visit_day
                    )
                ),
                key=lambda line: line.review_id.date,
                default=lines.browse(),
            )
            visit.receivable_review_line_id = line
            visit.receivable_review_date = line.review_id.date
            visit.sales_last_month = line.sales_last_month
            visit.receivable_overdue = line.receivable_overdue
            visit.receivable_current_month = line.receivable_current_month

    @api.depends("state", "visit_day")
    @api.depends_context("uid", "tz")
    def _compute_is_overdue(self):
        """A planned visit is overdue once its day has passed: not on the day
        itself, and never once done."""
        today = fields.Date.context_today(self)
        for visit in self:
            visit.is_overdue = (
                visit.state == "planned" and bool(visit.visit_day) and visit.visit_day < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue visits."))
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return [("state", "=", "planned"), ("visit_day", "<", today)]
        return ["|", ("state", "!=", "planned"), ("visit_day", ">=", today)]

    @api.constrains("visit_date", "company_id")
    def _check_visit_date_ahead(self):
        now = fields.Datetime.now()
        for visit in self:
            days = visit.company_id.grading_visit_max_days_ahead
            if days and visit.visit_date > now + timedelta(days=days):
                raise ValidationError(
                    self.env._(
                        "A visit cannot be planned more than %(days)s days ahead.", days=days
                    )
                )

    @api.constrains("state", "visit_date")
    def _check_done_in_the_past(self):
        now = fields.Datetime.now()
        for visit in self:
            if visit.state != "planned" and visit.visit_date > now:
                raise ValidationError(
                    self.env._("A visit cannot be done before its date: plan it instead.")
                )

    @api.constrains("attendee_ids", "partner_id")
    def _check_attendees(self):
        for visit in self:
            strangers = visit.attendee_ids.filtered(
                lambda p, v=visit: p.commercial_partner_id != v.partner_id
            )
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(contacts)s do not belong to %(customer)s.",
                        contacts=", ".join(strangers.mapped("name")),
                        customer=visit.partner_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._add_missing_default_values(vals) for vals in vals_list]
        for vals in vals_list:
            self._check_required_values(vals, create=True)
            self._check_state_change(vals, create=True)
            self._check_approval_rights(vals)
        visits = super().create([self._with_commercial_partner(vals) for vals in vals_list])
        took_place = visits.filtered(lambda visit: visit.state != "planned")
        if took_place:  # past visits imported by a manager
            took_place._refresh_compliance()
            took_place._close_visit_due_activities()
            took_place.filtered(lambda visit: visit.state == "done")._schedule_approval()
        return visits

    def write(self, vals):
        self._check_required_values(vals)
        self._check_state_change(vals)
        self._check_approval_rights(vals)
        if not self._is_manager():
            if any(visit.state == "approved" for visit in self):
                raise UserError(self.env._("An approved visit can only be changed by a manager."))
            if RECORDED_FIELDS & vals.keys() and any(visit.state != "planned" for visit in self):
                raise UserError(
                    self.env._(
                        "The customer, date and type of a done visit are what took place: "
                        "put the visit back to planned to change them."
                    )
                )
        before = self._compliance_keys() if COMPLIANCE_FIELDS & vals.keys() else None
        result = super().write(self._with_commercial_partner(vals))
        if before is not None:
            self._refresh_compliance(before)
        return result

    def unlink(self):
        if any(visit.state != "planned" for visit in self):
            raise UserError(
                self.env._("Only a planned visit can be deleted; a done visit is a record.")
            )
        return super().unlink()

    def _check_required_values(self, vals, create=False):
        """Clear messages instead of the database's not-null errors (RPC, imports)."""
        messages = {
            "partner_id": self.env._("A visit needs a customer."),
            "visit_date": self.env._("A visit needs a date."),
        }
        for field, message in messages.items():
            if (create or field in vals) and not vals.get(field):
                raise ValidationError(message)

    def _check_state_change(self, vals, create=False):
        """The state moves only through the actions, which check who may do
        what, then write as superuser. Grading managers may also create done
        and approved visits, to import the visits of the past."""
        if create:
            changes_state = vals.get("state", "planned") != "planned" and not self._is_manager()
        else:
            changes_state = "state" in vals and any(visit.state != vals["state"] for visit in self)
        if changes_state and not self.env.su:
            raise UserError(
                self.env._(
                    "A visit is marked done, approved or put back to planned with its buttons only."
                )
            )
        if create and not self.env.su:
            self._check_imported_approval(vals)

    def _check_imported_approval(self, vals):
        """A visit created approved (a past visit imported by a manager) names
        when and by which other grading manager it was approved; only such a
        visit carries approval fields, and never one of its creator's."""
        approved = vals.get("state") == "approved"
        salesperson = self.env["res.users"].browse(vals.get("user_id") or self.env.uid)
        approver = self.env["res.users"].browse(vals.get("approver_id") or [])
        approved_on = fields.Date.to_date(vals.get("date_approved"))
        valid = (
            approver
            and salesperson not in (approver, self.env.user)
            and approver._has_group(GROUP_MANAGER)
            and approved_on
            and approved_on <= fields.Date.context_today(self)
        )
        if (approved and not valid) or (not approved and (approver or approved_on)):
            raise UserError(
                self.env._(
                    "Only an approved visit has an approver and an approval date: a grading "
                    "manager other than its salesperson, on a past day. Nobody creates their "
                    "own visit approved."
                )
            )

    def _check_approval_rights(self, vals):
        if APPROVAL_FIELDS & vals.keys() or vals.get("state") == "approved":
            self._check_manager()

    def _with_commercial_partner(self, vals):
        """Visits count for the customer company: a contact stands for it."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals = {**vals, "partner_id": partner.commercial_partner_id.id}
        return vals

    def _is_manager(self):
        return self.env.su or self.env.user.has_group(GROUP_MANAGER)

    @api.model
    def _planned_slot(self):
        """When a visit planned now is for by default: the next working day at
        09:00 in the user's time zone; now when the company plans visits fewer
        days ahead than that."""
        now = fields.Datetime.now()
        slot = periods.next_working_slot(now, self.env.context.get("tz") or self.env.user.tz)
        days = self.env.company.grading_visit_max_days_ahead
        if days and slot > now + timedelta(days=days):
            return now
        return slot

    def _check_manager(self):
        if not self._is_manager():
            raise AccessError(self.env._("Only a grading manager approves visits."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_done(self):
        """Record that the visits took place: they count towards the customers'
        visit frequency and wait for a manager's approval."""
        if any(visit.state != "planned" for visit in self):
            raise UserError(self.env._("Only a planned visit can be marked done."))
        now = fields.Datetime.now()
        for visit in self:
            vals = {"state": "done"}
            if visit.visit_date > now:
                vals["visit_date"] = now  # done earlier than planned
            visit._write_state(vals)
        self._close_visit_due_activities()
        self._schedule_approval()
        return True

    def action_approve(self):
        """A manager approves the visit records of other salespeople."""
        self._check_manager()
        if any(visit.state != "done" for visit in self):
            raise UserError(self.env._("Only a done visit can be approved."))
        if any(visit.user_id == self.env.user for visit in self):
            raise UserError(self.env._("You cannot approve your own visit."))
        self._write_state(
            {
                "state": "approved",
                "approver_id": self.env.uid,
                "date_approved": fields.Date.context_today(self),
            }
        )
        self.activity_feedback(["customer_grading.mail_activity_type_visit_approval"])
        return True

    def action_reset_to_planned(self):
        if any(visit.state != "done" for visit in self):
            raise UserError(
                self.env._("Only a done visit, not approved yet, goes back to planned.")
            )
        self._write_state({"state": "planned"})
        self.activity_unlink(["customer_grading.mail_activity_type_visit_approval"])
        return True

    def _write_state(self, vals):
        """Write a state change the calling action has allowed, as the user
        (tracking) but past the refusal of direct state changes."""
        self.check_access("write")
        self.sudo().write(vals)

    # ------------------------------------------------------------------
    # Activities and compliance
    # ------------------------------------------------------------------

    def _schedule_approval(self):
        for visit in self:
            approver = visit._approver()
            if approver:  # in the approver's language, as the type's summary is copied
                visit.with_context(lang=approver.lang).activity_schedule(
                    "customer_grading.mail_activity_type_visit_approval", user_id=approver.id
                )

    def _approver(self):
        """Who is asked to approve: the customer's sales manager, else the
        company's first grading manager; never the visit's salesperson."""
        self.ensure_one()
        return self.company_id._grading_manager_for(self.partner_id, exclude=self.user_id)

    def _close_visit_due_activities(self):
        """A visit done that counts, in a company where its customer owes
        visits, closes the 'visit due' reminder of that company's row."""
        # the rows and their reminders are the company's, whoever records the visit
        Compliance = self.env["customer.grading.visit.compliance"].sudo()
        counted = self.filtered(
            lambda visit: visit.filtered_domain(Compliance._counted_visits_domain(visit.company_id))
        )
        rows = Compliance.search(
            [
                ("company_id", "in", counted.company_id.ids),
                ("partner_id", "in", counted.partner_id.ids),
            ]
        )
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", Compliance._name),
                    ("res_id", "in", rows.ids),
                    (
                        "activity_type_id",
                        "=",
                        self.env.ref("customer_grading.mail_activity_type_visit_due").id,
                    ),
                ]
            )
        )
        for activity in activities:
            row = rows.browse(activity.res_id)
            visits = counted.filtered(
                lambda v, row=row: (v.company_id, v.partner_id) == (row.company_id, row.partner_id)
            )
            activity.action_feedback(
                feedback=self.env._(
                    "Visited on %(date)s.",
                    date=format_date(self.env, max(visits.mapped("visit_day"))),
                )
            )

    def _compliance_keys(self):
        return {(visit.company_id, visit.partner_id) for visit in self}

    def _refresh_compliance(self, before=None):
        """Bring the compliance of the visited customers up to date."""
        keys = self._compliance_keys() | (before or set())
        by_company = {}
        for company, partner in keys:
            by_company[company] = by_company.get(company, partner.browse()) | partner
        Compliance = self.env["customer.grading.visit.compliance"].sudo()
        for company, partners in by_company.items():
            Compliance._refresh(company, partners)
