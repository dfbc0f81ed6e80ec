from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formatLang

from ..tools import periods

DEFAULT_BATCH_SIZE = 1000
# Computing and publishing in one transaction (action_compute, _publish) has
# no time limit per step: larger batches read the documents fewer times.
SYNC_BATCH_FACTOR = 20

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
REVIEW_ACTIVITY = "customer_grading.mail_activity_type_run_review"

# A full run of a period is being prepared in these states, then published
# ("applied"); only the published one is in force.
PENDING_STATES = ("draft", "queued", "computing", "computed", "review", "publishing")
ACTIVE_STATES = (*PENDING_STATES, "applied")
# The grade history: never recomputed, cancelled or deleted.
HISTORY_STATES = ("applied", "replaced")


class CustomerGradingRun(models.Model):
    """One grading of a company's customers for a period.

    Life cycle: draft → (queued → computing) → computed → (publishing →)
    applied, or cancelled. An applied run is the grade history of its
    customers and is never recomputed: grading its period again makes a new
    run, which marks it replaced when applied. Review and publication steps fit between
    ``computed`` and ``applied``; appeals act on the results of an applied run.
    """

    _name = "customer.grading.run"
    _description = "Customer Grading Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, precompute=True)
    period_label = fields.Char(
        string="Quarter Graded",
        compute="_compute_period_label",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
        help="The quarter the run grades, e.g. 2026 Q3: by default the quarter in which its "
        "reference window ends.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    scheme_id = fields.Many2one(
        "customer.grading.scheme",
        required=True,
        check_company=True,
        compute="_compute_scheme_id",
        store=True,
        precompute=True,
        readonly=False,
        tracking=True,
    )
    date_to = fields.Date(
        string="Reference Window To",
        required=True,
        default=lambda self: self._default_date_to(),
        tracking=True,
        help="Last day of the reference window, normally the last day of the quarter "
        "graded; by default that of the last quarter that ended.",
    )
    date_from = fields.Date(
        string="Reference Window From",
        help="First day of the reference window: the customers are graded on their figures "
        "from this day to the window's last day, the company's reference period (Settings › "
        "Customer Grading › Reference Period, 12 months by default).",
        compute="_compute_date_from",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("computing", "Computing"),
            ("computed", "Computed"),
            ("review", "In Review"),
            ("publishing", "Publishing"),
            ("applied", "Published"),
            ("replaced", "Replaced"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Only These Customers",
        help="Leave empty to grade every customer of the company.",
    )
    is_partial = fields.Boolean(compute="_compute_is_partial", store=True, precompute=True)
    auto_apply = fields.Boolean(
        help="Apply the grades as soon as the computation ends (scheduled runs).",
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", default=lambda self: self.env.user, readonly=True
    )
    computed_date = fields.Datetime(readonly=True, copy=False)
    review_required = fields.Boolean(related="company_id.grading_review_required")
    submitted_by_id = fields.Many2one(
        "res.users", string="Submitted By", readonly=True, copy=False, tracking=True
    )
    submitted_date = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    approved_by_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False, tracking=True
    )
    approved_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    review_note = fields.Text(
        string="Reason for Sending Back",
        copy=False,
        tracking=True,
        help="Why the reviewer sends the run back; required to send it back.",
    )
    publish_requested_by_id = fields.Many2one(
        "res.users",
        string="Publication Requested By",
        readonly=True,
        copy=False,
        help="The grading manager who published or approved the run; empty when the "
        "scheduled action published it by itself.",
    )
    publish_requested_date = fields.Datetime(
        string="Publication Requested On", readonly=True, copy=False
    )
    publication_progress = fields.Char(
        compute="_compute_publication_progress",
        help="How many of the run's customers the scheduled action has given their grade.",
    )
    applied_date = fields.Datetime(string="Published On", readonly=True, copy=False)
    replaced_by_id = fields.Many2one(
        "customer.grading.run",
        string="Replaced By",
        readonly=True,
        copy=False,
        tracking=True,
        help="The run that graded this period again; its grades are in force.",
    )
    replaced_user_id = fields.Many2one(
        "res.users", string="Replaced by User", readonly=True, copy=False
    )
    replaced_date = fields.Datetime(string="Replaced On", readonly=True, copy=False)
    total_margin = fields.Float(
        readonly=True,
        copy=False,
        help="The company's gross margin in the period, base of the profit contribution.",
    )
    # not prefetched: reading any field of the run would load them (100,000
    # customers: a megabyte each); the scheduled steps read them in SQL
    partner_queue = fields.Json(
        readonly=True,
        copy=False,
        prefetch=False,
        help="The customers the run grades, in the order of the batches.",
    )
    progress = fields.Integer(
        compute="_compute_progress", help="Number of customers of the queue already graded."
    )
    applied_result_id = fields.Integer(
        readonly=True, copy=False, help="Results up to this one have been applied."
    )
    rank_populations = fields.Json(
        readonly=True,
        copy=False,
        prefetch=False,
        help="Sorted raw values of the rank indicators over the graded customers.",
    )
    result_ids = fields.One2many("customer.grading.result", "run_id", string="Results")
    note = fields.Html()

    @api.model
    def _default_date_to(self):
        """The end of the last quarter that ended, in the company's time zone:
        a quarter is graded once its figures are complete."""
        company_id = self.env.context.get("default_company_id")
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        return periods.last_ended_quarter(company._grading_today())[1]

    @api.depends("period_label", "is_partial", "partner_ids")
    def _compute_name(self):
        for run in self:
            if run.is_partial and len(run.partner_ids) == 1:
                run.name = f"{run.period_label} – {run.partner_ids.display_name}"
            elif run.is_partial:
                run.name = self.env._(
                    "%(period)s – %(count)s customers",
                    period=run.period_label,
                    count=len(run.partner_ids),
                )
            else:
                run.name = run.period_label

    @api.depends("date_to")
    def _compute_period_label(self):
        for run in self:
            run.period_label = periods.quarter_label(run.date_to or fields.Date.today())

    @api.depends("company_id")
    def _compute_scheme_id(self):
        for run in self:
            run.scheme_id = run.company_id.grading_scheme_id

    @api.depends("date_to", "company_id")
    def _compute_date_from(self):
        for run in self:
            if run.date_to:
                months = run.company_id.grading_period_months or 12
                run.date_from = periods.reference_period(run.date_to, months)[0]

    @api.depends("partner_ids")
    def _compute_is_partial(self):
        for run in self:
            run.is_partial = bool(run.partner_ids)

    def _compute_progress(self):
        # the batches' own rows: a worker grading a batch never writes the run
        counts = self.env["customer.grading.run.batch"]._graded_counts(self._origin)
        for run in self:
            run.progress = counts.get(run._origin.id, 0)

    @api.depends("state", "applied_result_id")
    def _compute_publication_progress(self):
        for run in self:
            if run.state != "publishing" or not run.id:
                run.publication_progress = False
                continue
            total = run._result_count()
            done = total - run._result_count(after=run.applied_result_id)
            run.publication_progress = self.env._(
                "Publishing: %(done)s / %(total)s customers",
                done=formatLang(self.env, done, digits=0),
                total=formatLang(self.env, total, digits=0),
            )

    @api.constrains("period_label", "company_id", "state", "is_partial")
    def _check_period_unique(self):
        """A period has at most one full run in force and one being prepared
        (the one that will replace it); replaced and cancelled runs are kept."""
        for run in self.filtered(lambda r: not r.is_partial and r.state in ACTIVE_STATES):
            slot = ["applied"] if run.state == "applied" else list(PENDING_STATES)
            twin = self.search_count(
                [
                    ("id", "!=", run.id),
                    ("company_id", "=", run.company_id.id),
                    ("period_label", "=", run.period_label),
                    ("is_partial", "=", False),
                    ("state", "in", slot),
                ]
            )
            if twin:
                raise UserError(
                    self.env._(
                        "%(company)s already has a grading run for %(period)s; "
                        "recompute that one or cancel it first.",
                        company=run.company_id.name,
                        period=run.period_label,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_from > run.date_to:
                raise UserError(self.env._("The period of a run cannot end before it starts."))

    def unlink(self):
        self._check_not_history()
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_start(self):
        """The Compute button: a run over a few chosen customers is computed
        at once; grading all customers is left to the scheduled action, batch
        by batch, instead of running inside the web request."""
        now = self.filtered(
            lambda run: run.is_partial and len(run.partner_ids) <= run._batch_size()
        )
        now.action_compute()
        (self - now).action_queue()
        return True

    def action_compute(self):
        """Compute the runs now, in this transaction (scripts, tests, re-grading)."""
        for run in self:
            run._start()
            limit = run._batch_size() * SYNC_BATCH_FACTOR
            while run.state == "computing":
                run._compute_step(limit)
        return True

    def action_queue(self):
        """Compute in the background: the scheduled action goes batch by batch."""
        for run in self:
            self.env["customer.grading.computation"]._check_can_start(run)
        self._queue()
        return True

    def _queue(self):
        self.scheme_id.sudo()._check_ready()
        self.state = "queued"
        self.env["customer.grading.scheduler"]._trigger_workers()

    def action_apply(self):
        """Publish the computed grades, where the company publishes without review."""
        self._check_state("computed")
        for run in self:
            if run.review_required:
                raise UserError(
                    self.env._(
                        "%(company)s reviews grades before publication: submit %(run)s for "
                        "review; a grading manager approves it, which publishes it.",
                        company=run.company_id.name,
                        run=run.display_name,
                    )
                )
        return self._request_publication()

    def action_submit_review(self):
        """Submit computed runs to the grading managers' review."""
        self._check_state("computed")
        self.env["customer.grading.publication"]._submit_for_review(self)
        return True

    def action_approve(self):
        """Approve runs in review, which publishes them."""
        self._check_state("review")
        for run in self:
            if run.company_id.grading_review_second_person and run.submitted_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "%(run)s was submitted by you: with a second reviewer, another grading "
                        "manager approves it.",
                        run=run.display_name,
                    )
                )
        self.write({"approved_by_id": self.env.uid, "approved_date": fields.Datetime.now()})
        self.activity_feedback([REVIEW_ACTIVITY], feedback=self.env._("Approved and published."))
        return self._request_publication()

    def action_send_back(self):
        """Send runs in review back to computed, with the reason in Reason for Sending Back."""
        self._check_state("review")
        for run in self:
            if not run.review_note:
                raise UserError(
                    self.env._(
                        "Give the reason for sending %(run)s back first.", run=run.display_name
                    )
                )
        self.write({"state": "computed"})
        self.activity_unlink([REVIEW_ACTIVITY])
        return True

    def _check_state(self, state):
        """The user is a grading manager who may change these runs, all in ``state``."""
        self.check_access("write")
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only a grading manager reviews and publishes runs."))
        for run in self:
            if run.state != state:
                raise UserError(
                    self.env._(
                        "%(run)s is %(state)s; this is done on a run that is %(expected)s.",
                        run=run.display_name,
                        state=run._state_label(),
                        expected=dict(self._fields["state"]._description_selection(self.env))[
                            state
                        ],
                    )
                )

    def _request_publication(self):
        """Publish the runs the user asked to publish: a run of one batch of
        customers at most at once (the work of one step of the scheduled
        action); the others by the scheduled action, batch by batch, in the
        background. Returns the button's answer: a notification when the
        scheduled action publishes."""
        now = self.filtered(lambda run: run._publishes_at_once())
        self.write(
            {
                "publish_requested_by_id": self.env.uid,
                "publish_requested_date": fields.Datetime.now(),
            }
        )
        now._publish()
        later = self - now
        if not later:
            return True
        self.env["customer.grading.publication"]._queue_publication(later)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(runs)s: the grades are being published in the background, batch by "
                    "batch; the run shows the progress.",
                    runs=", ".join(later.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _publishes_at_once(self):
        """The run has one batch of customers at most: over a few chosen
        customers (no query: a re-grading on demand), or counted."""
        self.ensure_one()
        size = self._batch_size()
        if self.is_partial and len(self.partner_ids) <= size:
            return True
        return self._result_count(limit=size + 1) <= size

    def _publish(self):
        """Give the grades of the runs to the customers, all batches in this
        transaction (a small run, scripts, tests); the scheduled action does
        the same batch by batch (see :meth:`_apply_step`)."""
        for run in self:
            while run.state in ("computed", "review", "publishing"):
                run._apply_step(run._batch_size() * SYNC_BATCH_FACTOR)

    def action_cancel(self):
        self._check_not_history()
        self.state = "cancel"
        self.activity_unlink([REVIEW_ACTIVITY])
        return True

    def action_reset_to_draft(self):
        self._check_not_history()
        for run in self:
            if run.state not in ("computed", "cancel"):
                raise UserError(self.env._("Only a computed or cancelled run goes back to draft."))
        self.env["customer.grading.computation"]._delete_results(self)
        self.state = "draft"
        return True

    def action_regrade_period(self):
        """Grade an applied run's period again: a new run, which replaces
        this one once applied. This run and its results stay as they are."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "applied" or self.is_partial:
            raise UserError(
                self.env._("Only the applied run of a period over all customers is graded again.")
            )
        run = self.copy(
            {
                "period_label": self.period_label,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "scheme_id": self.company_id.grading_scheme_id.id or self.scheme_id.id,
                "user_id": self.env.uid,
                "auto_apply": False,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def _check_not_history(self):
        """Applied runs, and runs being published, are the grade history of
        their customers: never cancelled, recomputed or deleted."""
        for run in self:
            if run.state in (*HISTORY_STATES, "publishing") or run.applied_result_id:
                raise UserError(
                    self.env._(
                        "The grades of %(run)s are the grade history of its customers; "
                        "it is kept as it is. To grade the period again, use "
                        "Re-grade Period on it: the new run replaces it once applied.",
                        run=run.display_name,
                    )
                )
