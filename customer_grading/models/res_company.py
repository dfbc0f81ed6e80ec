from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"
# System parameter naming the scheme that new companies start with.
DEFAULT_SCHEME_PARAM = "customer_grading.default_scheme_id"


class ResCompany(models.Model):
    _inherit = "res.company"

    grading_scheme_id = fields.Many2one(
        "customer.grading.scheme",
        string="Grading Scheme",
        default=lambda self: self._default_grading_scheme(),
        domain="['|', ('company_id', '=', False), ('company_id', '=', id)]",
        help="Scheme in force to grade this company's customers.",
    )
    grading_period_months = fields.Integer(
        string="Reference Period (months)",
        default=12,
        help="Automatic indicators are measured over this many months, "
        "ending on the last day of the quarter graded.",
    )
    grading_stale_after_days = fields.Integer(
        string="Review Interval (days)",
        default=90,
        help="A manual indicator not updated for longer is flagged as stale "
        "(quarterly review of customer information).",
    )
    grading_grade_insufficient_data = fields.Boolean(
        string="Grade Customers Without Data",
        help="Customers with no document in the period and no manual value get the "
        "lowest grade instead of being marked 'insufficient data'.",
    )
    grading_review_required = fields.Boolean(
        string="Review Grades Before Publication",
        default=True,
        help="A computed run is submitted for review; a grading manager approves it, which "
        "publishes its grades, or sends it back. Off: computed runs are published directly.",
    )
    grading_review_second_person = fields.Boolean(
        string="Second Reviewer",
        help="The grading manager who submitted a run for review cannot approve it.",
    )
    grading_apply_policies = fields.Boolean(
        string="Apply Grade Policies to Customers",
        help="When grades are published, customers get the payment terms, credit limit and "
        "pricelist of their grade in this company (what a grade leaves empty is not "
        "touched); customers marked as policy exceptions keep their own.",
    )
    grading_appeal_days = fields.Integer(
        string="Appeal Window (days)",
        default=15,
        help="Days after a run's publication during which its grades may be appealed.",
    )
    grading_appeal_decision_days = fields.Integer(
        string="Appeal Decision Within (days)",
        default=10,
        help="An appeal not decided this many days after it was submitted is escalated "
        "to the company's grading managers.",
    )
    grading_blacklist_blocks_quotations = fields.Boolean(
        string="Blacklist Blocks Quotations",
        help="Refuse new quotations for blacklisted customers, not only confirmations.",
    )
    grading_credit_count_uninvoiced_orders = fields.Boolean(
        string="Credit Exposure Counts Uninvoiced Orders",
        default=True,
        help="When ticked, a customer's exposure, held to its credit limit when a sale order "
        "is confirmed, counts its confirmed orders not yet invoiced besides its open "
        "receivables; otherwise only its open receivables.",
    )
    grading_elimination_periods = fields.Integer(
        string="Elimination Review After",
        default=2,
        help="Propose reduced cooperation or blacklisting to the sales manager of a "
        "customer graded with the lowest grade this many periods in a row (0: never).",
    )
    grading_visit_max_days_ahead = fields.Integer(
        string="Visits Planned at Most",
        default=90,
        help="Refuse visits dated more than this many days ahead (0: no limit).",
    )
    grading_visit_on_site_only = fields.Boolean(
        string="Only On-site Visits Count",
        default=True,
        help="Count only on-site visits towards a grade's visit frequency; phone and "
        "video calls are recorded but do not count.",
    )
    grading_receivable_review_day = fields.Integer(
        string="Receivables Review Day",
        default=15,
        help="Day of the month (1–28) from which the monthly review of each graded "
        "customer's sales of last month and open receivables is prepared for the sales "
        "managers.",
    )
    grading_care_lead_days = fields.Integer(
        string="Plan Greetings Ahead (days)",
        default=7,
        help="The care calendar plans the greetings and gifts of key persons' birthdays and "
        "holidays this many days ahead, and reminds their salespeople then.",
    )
    # the customer goals (003 §二), followed on the grading dashboard
    grading_target_satisfaction = fields.Float(
        string="Satisfaction Target (%)",
        default=90.0,
        help="Share of satisfied customers the company aims at.",
    )
    grading_survey_interval_months = fields.Integer(
        string="Satisfaction Survey Interval (months)",
        default=6,
        help="How often a satisfaction survey campaign is due: each campaign shows the date of "
        "the next one.",
    )
    # where the daily visit action stands, committed with each of its steps so
    # that an interrupted pass resumes: the day of the pass, the last customer
    # (by id) whose overview row and reminder are done, and whether all are
    grading_visit_sweep_date = fields.Date(readonly=True, copy=False)
    grading_visit_sweep_cursor = fields.Integer(readonly=True, copy=False)
    grading_visit_sweep_is_done = fields.Boolean(readonly=True, copy=False)
    grading_target_churn_reduction = fields.Float(
        string="Churn Reduction Target (%)",
        default=15.0,
        help="How much lower the churn rate should be than at the previous run, relative to "
        "it: 15 means a churn rate 15 % lower.",
    )
    grading_target_spend_growth = fields.Float(
        string="Spend Growth Target (%)",
        default=20.0,
        help="How much more a customer with revenue should spend in a period than in the "
        "previous one, on average.",
    )

    @api.model
    def _default_grading_scheme(self):
        """The shared scheme a new company grades with: the one the settings
        name, else the standard scheme."""
        Scheme = self.env["customer.grading.scheme"].sudo()  # a shared scheme, by id
        scheme_id = self.env["ir.config_parameter"].sudo().get_param(DEFAULT_SCHEME_PARAM)
        scheme = Scheme.browse(int(scheme_id)).exists() if scheme_id else Scheme
        if not scheme.active or scheme.company_id:
            scheme = self.env.ref("customer_grading.scheme_standard", raise_if_not_found=False)
        return scheme and scheme.id

    def _grading_tz(self):
        """The time zone grading periods and scheduled actions follow: the
        company's (its contact's), else the current user's, else UTC."""
        self.ensure_one()
        return self.partner_id.tz or self.env.user.tz or "UTC"

    def _grading_today(self):
        """Today's date in the company's time zone (scheduled actions run as
        OdooBot, whose own time zone says nothing of the company)."""
        return fields.Date.context_today(self.with_context(tz=self._grading_tz()))

    @api.constrains("grading_period_months", "grading_stale_after_days")
    def _check_grading_periods(self):
        for company in self:
            if company.grading_period_months < 1 or company.grading_stale_after_days < 1:
                raise ValidationError(
                    self.env._(
                        "The reference period of %(company)s must last at least one month "
                        "and its review interval at least one day.",
                        company=company.name,
                    )
                )

    @api.constrains("grading_appeal_days", "grading_appeal_decision_days")
    def _check_grading_appeal_days(self):
        for company in self:
            if company.grading_appeal_days < 0 or company.grading_appeal_decision_days < 1:
                raise ValidationError(
                    self.env._(
                        "The appeal window of %(company)s cannot be negative, and its appeals "
                        "must be decided within one day or more.",
                        company=company.name,
                    )
                )

    @api.constrains("grading_visit_max_days_ahead")
    def _check_grading_visit_max_days_ahead(self):
        for company in self:
            if company.grading_visit_max_days_ahead < 0:
                raise ValidationError(
                    self.env._(
                        "Visits of %(company)s can be planned 0 days ahead (no limit) or more, "
                        "not %(days)s.",
                        company=company.name,
                        days=company.grading_visit_max_days_ahead,
                    )
                )

    @api.constrains("grading_survey_interval_months")
    def _check_grading_survey_interval_months(self):
        for company in self:
            if company.grading_survey_interval_months < 1:
                raise ValidationError(
                    self.env._(
                        "Satisfaction surveys of %(company)s are due every month or less often.",
                        company=company.name,
                    )
                )

    @api.constrains("grading_receivable_review_day")
    def _check_grading_receivable_review_day(self):
        for company in self:
            if not 1 <= company.grading_receivable_review_day <= 28:
                raise ValidationError(
                    self.env._(
                        "The receivables review day of %(company)s must be between 1 and 28, "
                        "so that every month has one (not %(day)s).",
                        company=company.name,
                        day=company.grading_receivable_review_day,
                    )
                )

    @api.constrains("grading_care_lead_days")
    def _check_grading_care_lead_days(self):
        for company in self:
            if company.grading_care_lead_days < 0:
                raise ValidationError(
                    self.env._(
                        "Greetings of %(company)s are planned 0 days ahead or more, not %(days)s.",
                        company=company.name,
                        days=company.grading_care_lead_days,
                    )
                )

    @api.constrains(
        "grading_target_satisfaction",
        "grading_target_churn_reduction",
        "grading_target_spend_growth",
    )
    def _check_grading_targets(self):
        for company in self:
            targets = (
                company.grading_target_satisfaction,
                company.grading_target_churn_reduction,
            )
            if not all(0 <= target <= 100 for target in targets) or (
                company.grading_target_spend_growth < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The customer goals of %(company)s are percentages: satisfaction and "
                        "churn reduction between 0 and 100, spend growth 0 or more.",
                        company=company.name,
                    )
                )

    def _grading_manager_for(self, partner, exclude=None):
        """The grading manager of this company who decides on ``partner``:
        its sales manager here (see ``res.partner._grading_sales_manager``),
        else the company's first grading manager; never one of ``exclude``."""
        self.ensure_one()
        exclude = exclude or self.env["res.users"]
        manager = partner._grading_sales_manager(self) - exclude
        return manager or (self._grading_managers() - exclude)[:1]

    def _grading_managers(self):
        """The company's grading managers, internal users, oldest first: who
        gets what no sales team leader can take."""
        self.ensure_one()
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref(GROUP_MANAGER).id),
                    ("company_ids", "in", self.id),
                    ("share", "=", False),
                    ("id", "!=", SUPERUSER_ID),
                ],
                order="id",
            )
        )
