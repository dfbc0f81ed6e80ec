from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date

GROUP_USER = "customer_grading.group_customer_grading_user"
OVERDUE_ACTIVITY = "customer_grading.mail_activity_type_complaint_overdue"
ESCALATED_ACTIVITY = "customer_grading.mail_activity_type_complaint_escalated"

# A complaint is open until it is resolved.
OPEN_STATES = ("received", "in_progress")

# Written by the buttons and the scheduled action only.
WORKFLOW_FIELDS = {"state", "date_resolved", "date_overdue_notified", "date_escalated"}

# Changes that move the due date: the overdue reminders start over.
DEADLINE_FIELDS = {"date_deadline", "category_id", "date_received"}


class CustomerGradingComplaint(models.Model):
    """A customer complaint (客户投诉, 002 §三.2.7, §四): received, handled
    by a responsible person within the time its category allows, resolved,
    and closed once the customer confirmed the resolution. Overdue
    complaints are escalated by a daily scheduled action."""

    _name = "customer.grading.complaint"
    _description = "Customer Complaint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_received desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact",
        domain="[('parent_id', '=', partner_id)]",
        help="The customer's contact who complained.",
    )
    salesperson_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", store=True, index=True
    )
    category_id = fields.Many2one(
        "customer.grading.complaint.category",
        string="Category",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    description = fields.Text(required=True, help="What the customer complains about.")
    date_received = fields.Date(
        string="Received On",
        required=True,
        index=True,
        default=lambda self: self.env.company._grading_today(),
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Who handles the complaint: the customer's salesperson by default.",
    )
    date_deadline = fields.Date(
        string="Due Date",
        compute="_compute_date_deadline",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        help="The received date plus the days its category allows; may be changed.",
    )
    date_escalation = fields.Date(
        string="Escalation Date",
        compute="_compute_date_escalation",
        store=True,
        index=True,
        help="A complaint still open after this date is escalated to the manager of its "
        "responsible person: the due date plus the days its category allows for escalation.",
    )
    state = fields.Selection(
        [
            ("received", "Received"),
            ("in_progress", "In Progress"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
        ],
        string="Status",
        default="received",
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
        help="Still open after its due date (in the company's time zone).",
    )
    resolution = fields.Text(
        tracking=True, copy=False, help="How the complaint was resolved: required to resolve it."
    )
    date_resolved = fields.Date(string="Resolved On", readonly=True, copy=False)
    customer_confirmed = fields.Boolean(
        string="Confirmed by the Customer",
        tracking=True,
        copy=False,
        help="The customer confirmed that the resolution settles the complaint: required to "
        "close it.",
    )
    date_confirmed = fields.Date(
        string="Confirmed On",
        compute="_compute_date_confirmed",
        store=True,
        readonly=False,
        copy=False,
    )
    date_overdue_notified = fields.Date(
        string="Overdue Reminder On",
        readonly=True,
        copy=False,
        help="When the responsible person got the overdue reminder (once per due date).",
    )
    date_escalated = fields.Date(
        string="Escalated On",
        readonly=True,
        copy=False,
        help="When the complaint was escalated to the manager (once per due date).",
    )

    @api.depends("partner_id")
    def _compute_user_id(self):
        for complaint in self:
            complaint.user_id = complaint.partner_id.user_id or complaint.user_id or self.env.user

    @api.depends("category_id.deadline_days", "date_received")
    def _compute_date_deadline(self):
        for complaint in self:
            if complaint.category_id and complaint.date_received:
                complaint.date_deadline = complaint.date_received + timedelta(
                    days=complaint.category_id.deadline_days
                )
            else:
                complaint.date_deadline = complaint.date_deadline or complaint.date_received

    @api.depends("date_deadline", "category_id.escalation_days")
    def _compute_date_escalation(self):
        for complaint in self:
            complaint.date_escalation = complaint.date_deadline and (
                complaint.date_deadline + timedelta(days=complaint.category_id.escalation_days or 0)
            )

    @api.depends("state", "date_deadline", "company_id")
    def _compute_is_overdue(self):
        for complaint in self:
            company = complaint.company_id or self.env.company
            complaint.is_overdue = (
                complaint.state in OPEN_STATES
                and bool(complaint.date_deadline)
                and complaint.date_deadline < company._grading_today()
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue complaints."))
        domain = self._overdue_domain(self.env.companies)
        if (operator == "=") == value:
            return domain
        return ["!", *expression.normalize_domain(domain)]

    @api.depends("customer_confirmed")
    def _compute_date_confirmed(self):
        for complaint in self:
            if not complaint.customer_confirmed:
                complaint.date_confirmed = False
            elif not complaint.date_confirmed:
                company = complaint.company_id or self.env.company
                complaint.date_confirmed = company._grading_today()

    @api.constrains("contact_id", "partner_id")
    def _check_contact(self):
        for complaint in self.filtered("contact_id"):
            if complaint.contact_id.commercial_partner_id != complaint.partner_id:
                raise ValidationError(
                    self.env._(
                        "The contact %(contact)s is not a contact of the customer %(customer)s.",
                        contact=complaint.contact_id.display_name,
                        customer=complaint.partner_id.display_name,
                    )
                )

    @api.constrains("date_received", "date_deadline")
    def _check_dates(self):
        for complaint in self:
            if complaint.date_deadline and complaint.date_deadline < complaint.date_received:
                raise ValidationError(
                    self.env._(
                        "The complaint %(complaint)s cannot be due before it was received.",
                        complaint=complaint.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(WORKFLOW_FIELDS & vals.keys() for vals in vals_list):
            raise UserError(self._workflow_message())
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            vals.update(self._with_commercial_partner(vals))
            vals["name"] = sequence.next_by_code(self._name) or "/"
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and WORKFLOW_FIELDS & vals.keys():
            raise UserError(self._workflow_message())
        vals = self._with_commercial_partner(vals)
        if DEADLINE_FIELDS & vals.keys():
            # a new due date: reminded and escalated again once it has passed
            vals = {**vals, "date_overdue_notified": False, "date_escalated": False}
        return super().write(vals)

    def _with_commercial_partner(self, vals):
        """A complaint is on the customer company: a contact stands for it."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            if partner.commercial_partner_id != partner:
                vals = {
                    **vals,
                    "partner_id": partner.commercial_partner_id.id,
                    "contact_id": vals.get("contact_id") or partner.id,
                }
        return vals

    def _workflow_message(self):
        return self.env._(
            "A complaint changes state with its buttons, and is reminded and escalated by the "
            "scheduled action; its state and their dates are set by them."
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_start(self):
        """The responsible person takes the complaint in hand."""
        self._check_state(("received",), self.env._("Only a received complaint can be started."))
        self._write_workflow({"state": "in_progress"})
        return True

    def action_resolve(self):
        """The complaint is resolved: its resolution is written down; the
        overdue reminders on it are done."""
        self._check_state(OPEN_STATES, self.env._("Only an open complaint can be resolved."))
        for complaint in self:
            if not (complaint.resolution or "").strip():
                raise ValidationError(
                    self.env._(
                        "Describe how the complaint %(complaint)s was resolved before marking "
                        "it resolved.",
                        complaint=complaint.name,
                    )
                )
        for company, complaints in self.grouped("company_id").items():
            complaints._write_workflow(
                {"state": "resolved", "date_resolved": company._grading_today()}
            )
        self._reminders().action_feedback(feedback=self.env._("Complaint resolved."))
        return True

    def action_close(self):
        """The customer confirmed the resolution: the complaint is closed."""
        self._check_state(("resolved",), self.env._("Only a resolved complaint can be closed."))
        for complaint in self:
            if not complaint.customer_confirmed:
                raise ValidationError(
                    self.env._(
                        "The customer has not confirmed the resolution of %(complaint)s: tick "
                        "'Confirmed by the Customer' before closing it.",
                        complaint=complaint.name,
                    )
                )
        self._write_workflow({"state": "closed"})
        return True

    def action_reopen(self):
        """The customer does not accept the resolution: handled again."""
        self._check_state(("resolved",), self.env._("Only a resolved complaint can be reopened."))
        self._write_workflow({"state": "in_progress", "date_resolved": False})
        self.write({"customer_confirmed": False})
        return True

    def _check_state(self, states, message):
        for complaint in self:
            if complaint.state not in states:
                raise UserError(
                    self.env._(
                        "%(message)s %(complaint)s is %(state)s.",
                        message=message,
                        complaint=complaint.name,
                        state=complaint._state_label(),
                    )
                )

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _write_workflow(self, vals):
        """Write what the calling action allowed, as the user (tracking) but
        past the refusal of direct changes."""
        self.check_access("write")
        self.sudo().write(vals)

    def _reminders(self):
        """The open overdue and escalation activities of the complaints."""
        types = self.env.ref(OVERDUE_ACTIVITY) | self.env.ref(ESCALATED_ACTIVITY)
        return self.activity_ids.filtered(lambda activity: activity.activity_type_id in types)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _overdue_domain(self, companies, field="date_deadline"):
        """The open complaints of ``companies`` whose ``field`` (a date) has
        passed, each company with its own today."""
        return [
            ("state", "in", OPEN_STATES),
            *expression.OR(
                [("company_id", "=", company.id), (field, "<", company._grading_today())]
                for company in companies
            ),
        ]

    @api.model
    def _open_counts(self, partners):
        """``{customer id: (open, overdue)}``: the open complaints of the
        ``partners`` (commercial partners) that the user may read, and how
        many of them are overdue; one grouped query."""
        groups = self._read_group(
            [("partner_id", "in", partners.ids), ("state", "in", OPEN_STATES)],
            ["partner_id", "company_id"],
            ["__count", "date_deadline:array_agg"],
        )
        counts = {}
        for partner, company, count, deadlines in groups:
            today = company._grading_today()
            overdue = sum(1 for deadline in deadlines if deadline and deadline < today)
            total, late = counts.get(partner.id, (0, 0))
            counts[partner.id] = (total + count, late + overdue)
        return counts

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_escalate(self, limit=500):
        """Daily: the responsible person of each open complaint past its due
        date gets one *Overdue Complaint* activity, and the manager one
        *Complaint Escalated* activity once it is past its escalation date;
        once per due date, whatever the number of runs. Every company's
        complaints, each with its own today and its own people; a batch of
        ``limit`` complaints per kind, the rest reported to the scheduler."""
        # every company's complaints and their people, whoever runs the action
        Complaint = self.sudo()
        companies = self.env["res.company"].sudo().search([])
        done = remaining = 0
        for field, flag, method in (
            ("date_deadline", "date_overdue_notified", "_remind_overdue"),
            ("date_escalation", "date_escalated", "_remind_escalated"),
        ):
            domain = [*Complaint._overdue_domain(companies, field), (flag, "=", False)]
            complaints = Complaint.search(domain, order="date_deadline, id", limit=limit)
            if complaints:
                getattr(complaints, method)()
                done += len(complaints)
                if len(complaints) == limit:
                    remaining += Complaint.search_count(domain)
        if remaining:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _remind_overdue(self):
        """One *Overdue Complaint* activity per complaint, for its responsible
        person when they work in its company, else the customer's grading
        manager there."""
        assignees, found = {}, {}
        for complaint in self:
            company, responsible = complaint.company_id, complaint.user_id
            key = (company, responsible, complaint.salesperson_id)
            if key not in found:
                found[key] = (
                    responsible
                    if self._works_in(responsible, company)
                    else company._grading_manager_for(complaint.partner_id)
                )
            assignees[complaint] = found[key]
        self._create_reminders(OVERDUE_ACTIVITY, "date_overdue_notified", assignees)

    def _remind_escalated(self):
        """One *Complaint Escalated* activity per complaint, for the grading
        manager of its customer in its company (the leader of the
        salesperson's sales team, else the company's first grading manager),
        never the responsible person themselves."""
        assignees, found = {}, {}
        for complaint in self:
            company, responsible = complaint.company_id, complaint.user_id
            key = (company, responsible, complaint.salesperson_id)
            if key not in found:
                found[key] = company._grading_manager_for(complaint.partner_id, exclude=responsible)
            assignees[complaint] = found[key]
        self._create_reminders(ESCALATED_ACTIVITY, "date_escalated", assignees)

    @api.model
    def _works_in(self, user, company):
        """Whether ``user`` is an active grading user of ``company``."""
        return (
            user.active
            and not user.share
            and company in user.company_ids
            and user._has_group(GROUP_USER)
        )

    def _create_reminders(self, activity_xmlid, flag, assignees):
        """The activities of ``activity_xmlid`` for the ``assignees``
        (``{complaint: user}``), in one create; ``flag`` set to each
        company's today, also for a complaint nobody could take."""
        activity_type = self.env.ref(activity_xmlid)
        escalated = activity_xmlid == ESCALATED_ACTIVITY
        model_id = self.env["ir.model"]._get_id(self._name)
        summaries = {}  # in each assignee's language, read once per language
        values = []
        for complaint, user in assignees.items():
            if not user:
                continue
            lang = user.lang or "en_US"
            if lang not in summaries:
                summaries[lang] = activity_type.with_context(lang=lang).summary
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": complaint.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": complaint.company_id._grading_today(),
                    "summary": summaries[lang],
                    "note": complaint._reminder_note(lang, escalated),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            values
        )
        for company, complaints in self.grouped("company_id").items():
            complaints.write({flag: company._grading_today()})

    def _reminder_note(self, lang, escalated):
        """What the reminder is about, in the assignee's language."""
        self.ensure_one()
        env = self.with_context(lang=lang).env
        date = format_date(env, self.date_deadline)
        if escalated:
            return env._(
                "%(complaint)s of %(customer)s, handled by %(user)s, was due on %(date)s and "
                "is still open: see that it is resolved.",
                complaint=self.name,
                customer=self.partner_id.display_name,
                user=self.user_id.name,
                date=date,
            )
        return env._(
            "%(complaint)s of %(customer)s was due on %(date)s and is still open.",
            complaint=self.name,
            customer=self.partner_id.display_name,
            date=date,
        )
