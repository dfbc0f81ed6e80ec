from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.sql import index_exists

from .customer_grading_run import HISTORY_STATES

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"

# An appeal is open until a grading manager decides it; a grade has one open appeal.
OPEN_STATES = ("draft", "submitted")

# Written by the buttons and the scheduled action only.
WORKFLOW_FIELDS = {
    "state",
    "user_id",
    "level_id",
    "date_submitted",
    "decided_by_id",
    "date_decided",
    "is_escalated",
    "date_escalated",
}
# What a grading manager decides on a submitted appeal.
DECISION_FIELDS = {"decision", "decided_level_id"}
# What the appellant asks: fixed once submitted.
REQUEST_FIELDS = {"result_id", "requested_level_id", "indicator_ids", "reason"}


class CustomerGradingAppeal(models.Model):
    """An appeal (申诉) against a customer's published grade: filed by a
    grading user within the company's appeal window, decided by a grading
    manager other than the appellant. Accepted, it overrides the grade of the
    result with the appeal's reason."""

    _name = "customer.grading.appeal"
    _description = "Grade Appeal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # the appellant keeps adding evidence and answers in the chatter once submitted
    _mail_post_access = "read"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    result_id = fields.Many2one(
        "customer.grading.result",
        string="Appealed Result",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('is_current', '=', True), ('state', '=', 'applied')]",
        help="The customer's published grade in force that the appeal contests.",
    )
    partner_id = fields.Many2one(related="result_id.partner_id", store=True, index=True)
    run_id = fields.Many2one(related="result_id.run_id", store=True, index=True)
    company_id = fields.Many2one(related="result_id.company_id", store=True, index=True)
    scheme_id = fields.Many2one(related="result_id.scheme_id")
    salesperson_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Appellant",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    current_level_id = fields.Many2one(related="result_id.level_id", string="Current Grade")
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade Appealed",
        readonly=True,
        copy=False,
        help="The customer's grade when the appeal was submitted.",
    )
    requested_level_id = fields.Many2one(
        "customer.grading.level",
        string="Requested Grade",
        tracking=True,
        ondelete="restrict",
        check_company=True,
        domain="[('scheme_id', '=', scheme_id), ('id', '!=', current_level_id)]",
    )
    indicator_ids = fields.Many2many(
        "customer.grading.indicator",
        "customer_grading_appeal_indicator_rel",
        "appeal_id",
        "indicator_id",
        string="Contested Indicators",
        check_company=True,
        domain="[('scheme_id', '=', scheme_id)]",
        help="The indicators whose value or scoring the appellant contests.",
    )
    reason = fields.Text(help="Why the customer should have another grade; required to submit.")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
    )
    date_submitted = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    date_window_end = fields.Date(
        string="Appeal Window Ends",
        compute="_compute_date_window_end",
        help="The last day the run's grades may be appealed: its publication day plus the "
        "company's appeal window.",
    )
    decision = fields.Text(
        tracking=True,
        copy=False,
        help="The grading manager's answer, sent to the appellant; required to decide.",
    )
    decided_level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade Granted",
        tracking=True,
        copy=False,
        ondelete="restrict",
        check_company=True,
        domain="[('scheme_id', '=', scheme_id)]",
        help="The grade the customer gets when the appeal is accepted: the requested one "
        "unless the grading manager chooses another.",
    )
    decided_by_id = fields.Many2one("res.users", string="Decided By", readonly=True, copy=False)
    date_decided = fields.Datetime(string="Decided On", readonly=True, copy=False)
    is_escalated = fields.Boolean(
        string="Escalated",
        readonly=True,
        copy=False,
        help="Not decided in time: the company's grading managers were notified.",
    )
    date_escalated = fields.Datetime(string="Escalated On", readonly=True, copy=False)
    user_can_decide = fields.Boolean(compute="_compute_user_can_decide")

    @api.depends("run_id.applied_date", "company_id.grading_appeal_days")
    def _compute_date_window_end(self):
        for appeal in self:
            appeal.date_window_end = appeal.run_id.applied_date and self._window_end(appeal.run_id)

    @api.depends("state", "user_id")
    @api.depends_context("uid")
    def _compute_user_can_decide(self):
        is_manager = self.env.user.has_group(GROUP_MANAGER)
        for appeal in self:
            appeal.user_can_decide = (
                is_manager and appeal.state == "submitted" and appeal.user_id != self.env.user
            )

    @api.constrains("result_id", "requested_level_id", "decided_level_id", "indicator_ids")
    def _check_scheme(self):
        for appeal in self:
            scheme = appeal.result_id.run_id.scheme_id
            strangers = [
                record.display_name
                for record in (
                    *(appeal.requested_level_id | appeal.decided_level_id),
                    *appeal.indicator_ids,
                )
                if record.scheme_id != scheme
            ]
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(records)s is not a grade or indicator of %(scheme)s, the scheme the "
                        "appealed run graded with.",
                        records=", ".join(strangers),
                        scheme=scheme.display_name,
                    )
                )

    def init(self):
        # the last guard of "one open appeal per grade", against two users at once;
        # create() and write() refuse it earlier with a message
        if not index_exists(self.env.cr, "customer_grading_appeal_one_open_idx"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX customer_grading_appeal_one_open_idx "
                    "ON customer_grading_appeal (result_id) WHERE state IN %s",
                    OPEN_STATES,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        Result = self.env["customer.grading.result"]
        for vals in vals_list:
            self._check_new_appeal(vals)
            if vals.get("result_id"):
                self._check_appealable(Result.browse(vals["result_id"]))
        self._check_one_open_appeal([vals.get("result_id") for vals in vals_list])
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            vals["name"] = sequence.next_by_code(self._name) or "/"
        return super().create(vals_list)

    def write(self, vals):
        self._check_write(vals)
        if vals.get("result_id"):
            self._check_appealable(self.env["customer.grading.result"].browse(vals["result_id"]))
            self._check_one_open_appeal([vals["result_id"]] * len(self))
        return super().write(vals)

    def unlink(self):
        if any(appeal.state != "draft" for appeal in self):
            raise UserError(
                self.env._("Only a draft appeal can be deleted; a submitted appeal is a record.")
            )
        return super().unlink()

    def _check_new_appeal(self, vals):
        """A new appeal is a draft of its appellant, who files it in their own name."""
        if self.env.su:
            return
        preset = (WORKFLOW_FIELDS | DECISION_FIELDS) - {"state", "user_id"}
        if vals.get("state", "draft") != "draft" or any(vals.get(field) for field in preset):
            raise UserError(
                self.env._(
                    "An appeal is submitted and decided with its buttons, and escalated by "
                    "the scheduled action: a new appeal is a draft."
                )
            )
        if vals.get("user_id", self.env.uid) != self.env.uid:
            raise UserError(self.env._("An appeal is filed in your own name."))

    def _check_write(self, vals):
        """The state and its dates move with the buttons; only a grading
        manager writes the decision, on a submitted appeal of someone else;
        the request is fixed once submitted."""
        if self.env.su:
            return
        if WORKFLOW_FIELDS & vals.keys():
            raise UserError(
                self.env._(
                    "An appeal is submitted and decided with its buttons, and escalated by "
                    "the scheduled action; its appellant and dates are set by them."
                )
            )
        if DECISION_FIELDS & vals.keys():
            self._check_manager()
            for appeal in self:
                appeal._check_decidable()
        if REQUEST_FIELDS & vals.keys():
            for appeal in self.filtered(lambda appeal: appeal.state != "draft"):
                raise UserError(
                    self.env._(
                        "%(appeal)s is %(state)s: its request stays as it was submitted.",
                        appeal=appeal.name,
                        state=appeal._state_label(),
                    )
                )

    @api.model
    def _check_appealable(self, result):
        """Refuse an appeal on ``result`` that the user may not read, of a run
        not published, no longer in force, or after the appeal window."""
        if not self.env.su:
            result.check_access("read")
        run = result.run_id
        if run.state not in HISTORY_STATES or not run.applied_date:
            raise UserError(
                self.env._(
                    "%(run)s is %(state)s, not published: only a published grade can be appealed.",
                    run=run.display_name,
                    state=run._state_label(),
                )
            )
        if not result.is_current:
            # which run gives the grade in force now: named, the user reads the company's runs
            current = result.partner_id.with_company(result.company_id).sudo().grading_result_id
            raise UserError(
                self.env._(
                    "The grade %(customer)s received in %(run)s is no longer in force: its "
                    "grade now comes from %(current)s. Appeal that grade instead.",
                    customer=result.partner_id.display_name,
                    run=run.display_name,
                    current=current.run_id.display_name or "-",
                )
            )
        last_day = self._window_end(run)
        if run.company_id._grading_today() > last_day:
            raise UserError(
                self.env._(
                    "The appeal window of %(run)s closed on %(date)s, %(days)s days after its "
                    "publication.",
                    run=run.display_name,
                    date=format_date(self.env, last_day),
                    days=run.company_id.grading_appeal_days,
                )
            )

    @api.model
    def _window_end(self, run):
        """The last day ``run``'s grades may be appealed, in its company's time zone."""
        company = run.company_id
        published = fields.Datetime.context_timestamp(
            self.with_context(tz=company._grading_tz()), run.applied_date
        ).date()
        return published + timedelta(days=company.grading_appeal_days)

    def _check_one_open_appeal(self, result_ids):
        """Refuse that ``self`` (existing appeals, or none for new ones) are
        open on ``result_ids`` (one entry per appeal) while another appeal is
        open on one of them."""
        counts = Counter(result_id for result_id in result_ids if result_id)
        if not counts:
            return
        # the other appeals of the grade, whoever filed them: only the name of one is shown
        others = self.sudo().search(
            [
                ("result_id", "in", list(counts)),
                ("state", "in", OPEN_STATES),
                ("id", "not in", self.ids),
            ]
        )
        for result_id, count in counts.items():
            result = self.env["customer.grading.result"].browse(result_id)
            other = others.filtered(lambda appeal, r=result: appeal.result_id == r)[:1]
            if other or count > 1:
                raise ValidationError(
                    self.env._(
                        "An appeal is already open on the grade of %(customer)s in %(run)s: "
                        "%(appeal)s. A grade has one open appeal at a time.",
                        customer=result.partner_id.display_name,
                        run=result.run_id.display_name,
                        appeal=other.name or "-",
                    )
                )

    def _check_request(self):
        """What a submitted appeal must say: why, and which other grade."""
        for appeal in self:
            if not (appeal.reason or "").strip():
                raise UserError(
                    self.env._(
                        "Give the reason for %(appeal)s first: why should %(customer)s have "
                        "another grade?",
                        appeal=appeal.name,
                        customer=appeal.partner_id.display_name,
                    )
                )
            if not appeal.requested_level_id:
                raise UserError(
                    self.env._("Choose the grade %(appeal)s asks for.", appeal=appeal.name)
                )
            if appeal.requested_level_id == appeal.result_id.level_id:
                raise UserError(
                    self.env._(
                        "%(customer)s already has grade %(grade)s: ask for another grade.",
                        customer=appeal.partner_id.display_name,
                        grade=appeal.requested_level_id.display_name,
                    )
                )

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only a grading manager decides an appeal: accepts or rejects it.")
            )

    def _check_decidable(self):
        """A submitted appeal, which the current user did not file."""
        self.ensure_one()
        if self.state != "submitted":
            raise UserError(
                self.env._(
                    "%(appeal)s is %(state)s: only a submitted appeal is decided.",
                    appeal=self.name,
                    state=self._state_label(),
                )
            )
        if self.user_id == self.env.user and not self.env.su:
            raise UserError(
                self.env._(
                    "You filed %(appeal)s: another grading manager decides it.", appeal=self.name
                )
            )

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_submit(self):
        """Submit the appellant's drafts: the customer's grading manager is asked to decide."""
        for appeal in self:
            if appeal.state != "draft":
                raise UserError(
                    self.env._(
                        "%(appeal)s is %(state)s: only a draft appeal is submitted.",
                        appeal=appeal.name,
                        state=appeal._state_label(),
                    )
                )
            if appeal.user_id != self.env.user and not self.env.su:
                raise UserError(
                    self.env._(
                        "%(appeal)s is the appeal of %(user)s: only they submit it.",
                        appeal=appeal.name,
                        user=appeal.user_id.name,
                    )
                )
            self._check_appealable(appeal.result_id)
        self._check_request()
        now = fields.Datetime.now()
        Notice = self.env["customer.grading.appeal.notice"]
        for appeal in self:
            # scheduled while the draft is still the appellant's to follow and assign
            Notice._schedule_decision(appeal)
            appeal._write_workflow(
                {
                    "state": "submitted",
                    "date_submitted": now,
                    "level_id": appeal.result_id.level_id.id,
                    "decided_level_id": appeal.requested_level_id.id,
                }
            )
        return True

    def action_accept(self):
        """Give the customer the granted grade, as an override of the appealed
        result whose reason names the appeal; the customer's grade follows
        while that result is in force."""
        self._check_decision()
        for appeal in self:
            grade = appeal.decided_level_id or appeal.requested_level_id
            if grade == appeal.result_id.level_id:
                raise UserError(
                    self.env._(
                        "%(customer)s already has grade %(grade)s: reject %(appeal)s, or grant "
                        "another grade.",
                        customer=appeal.partner_id.display_name,
                        grade=grade.display_name,
                        appeal=appeal.name,
                    )
                )
        now = fields.Datetime.now()
        for appeal in self:
            grade = appeal.decided_level_id or appeal.requested_level_id
            appeal._write_workflow(
                {
                    "state": "accepted",
                    "decided_level_id": grade.id,
                    "decided_by_id": self.env.uid,
                    "date_decided": now,
                }
            )
            appeal.result_id._set_override(
                grade,
                self.env._(
                    "Appeal %(appeal)s accepted: %(decision)s",
                    appeal=appeal.name,
                    decision=appeal.decision.strip(),
                ),
                # kept if the period is graded again; the next period grades normally
                until=appeal.run_id.date_to,
            )
        self.env["customer.grading.appeal.notice"]._close_decided(self)
        return True

    def action_reject(self):
        """Keep the grade; the appellant receives the decision."""
        self._check_decision()
        self._write_workflow(
            {
                "state": "rejected",
                "decided_level_id": False,
                "decided_by_id": self.env.uid,
                "date_decided": fields.Datetime.now(),
            }
        )
        self.env["customer.grading.appeal.notice"]._close_decided(self)
        return True

    def _check_decision(self):
        """A grading manager of the appeals' company decides submitted
        appeals of others, with the decision written."""
        self._check_manager()
        self.check_access("write")
        for appeal in self:
            appeal._check_decidable()
            if not (appeal.decision or "").strip():
                raise UserError(
                    self.env._(
                        "Write the decision on %(appeal)s first: the appellant receives it.",
                        appeal=appeal.name,
                    )
                )

    def _write_workflow(self, vals):
        """Write what the calling action allowed, as the user (tracking) but
        past the refusal of direct changes."""
        self.check_access("write")
        self.sudo().write(vals)

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_escalate_appeals(self, limit=500):
        """Scheduled action: escalate the overdue appeals (see the notice model)."""
        return self.env["customer.grading.appeal.notice"]._escalate_overdue(limit=limit)
