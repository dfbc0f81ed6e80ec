from odoo import api, fields, models

from .res_company import DEFAULT_SCHEME_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    grading_scheme_id = fields.Many2one(related="company_id.grading_scheme_id", readonly=False)
    grading_scheme_is_shared = fields.Boolean(compute="_compute_grading_scheme_is_shared")
    grading_default_scheme_id = fields.Many2one(
        "customer.grading.scheme",
        string="Scheme for New Companies",
        config_parameter=DEFAULT_SCHEME_PARAM,
        domain="[('company_id', '=', False)]",
        help="Shared scheme that a company created later starts with; the standard scheme "
        "when empty.",
    )
    grading_period_months = fields.Integer(
        related="company_id.grading_period_months", readonly=False
    )
    grading_stale_after_days = fields.Integer(
        related="company_id.grading_stale_after_days", readonly=False
    )
    grading_grade_insufficient_data = fields.Boolean(
        related="company_id.grading_grade_insufficient_data", readonly=False
    )
    grading_review_required = fields.Boolean(
        related="company_id.grading_review_required", readonly=False
    )
    grading_review_second_person = fields.Boolean(
        related="company_id.grading_review_second_person", readonly=False
    )
    grading_apply_policies = fields.Boolean(
        related="company_id.grading_apply_policies", readonly=False
    )
    grading_appeal_days = fields.Integer(related="company_id.grading_appeal_days", readonly=False)
    grading_appeal_decision_days = fields.Integer(
        related="company_id.grading_appeal_decision_days", readonly=False
    )
    grading_blacklist_blocks_quotations = fields.Boolean(
        related="company_id.grading_blacklist_blocks_quotations", readonly=False
    )
    grading_credit_count_uninvoiced_orders = fields.Boolean(
        related="company_id.grading_credit_count_uninvoiced_orders", readonly=False
    )
    grading_elimination_periods = fields.Integer(
        related="company_id.grading_elimination_periods", readonly=False
    )
    grading_visit_max_days_ahead = fields.Integer(
        related="company_id.grading_visit_max_days_ahead", readonly=False
    )
    grading_visit_on_site_only = fields.Boolean(
        related="company_id.grading_visit_on_site_only", readonly=False
    )
    grading_receivable_review_day = fields.Integer(
        related="company_id.grading_receivable_review_day", readonly=False
    )
    grading_care_lead_days = fields.Integer(
        related="company_id.grading_care_lead_days", readonly=False
    )
    grading_target_satisfaction = fields.Float(
        related="company_id.grading_target_satisfaction", readonly=False
    )
    grading_survey_interval_months = fields.Integer(
        related="company_id.grading_survey_interval_months", readonly=False
    )
    grading_target_churn_reduction = fields.Float(
        related="company_id.grading_target_churn_reduction", readonly=False
    )
    grading_target_spend_growth = fields.Float(
        related="company_id.grading_target_spend_growth", readonly=False
    )
    grading_company_tz = fields.Selection(
        related="company_id.partner_id.tz",
        readonly=False,
        string="Company Time Zone",
        help="The time zone in which the company's grading periods start and end, and in "
        "which its scheduled actions count the days.",
    )
    grading_batch_size = fields.Integer(
        string="Grading Batch Size",
        config_parameter="customer_grading.batch_size",
        default=1000,
        help="Customers graded per batch by the scheduled action; also the customers of a "
        "step of the daily visit reminders and of the receivables reviews' preparation.",
    )

    @api.depends("grading_scheme_id")
    def _compute_grading_scheme_is_shared(self):
        for settings in self:
            settings.grading_scheme_is_shared = bool(
                settings.grading_scheme_id and not settings.grading_scheme_id.company_id
            )

    def action_copy_grading_scheme(self):
        """Give the company its own copy of the shared scheme in force, so
        that its weights and thresholds change for this company only."""
        self.ensure_one()
        self.grading_scheme_id._copy_for_company(self.company_id)
        return self.action_open_grading_scheme()

    def action_open_grading_scheme(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "customer.grading.scheme",
            "res_id": self.company_id.grading_scheme_id.id,
            "view_mode": "form",
            "target": "current",
        }
