from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date

# What a person assesses: a value they change is theirs, no longer the survey's.
ASSESSED_FIELDS = {"value", "option_id", "date"}


class CustomerGradingValue(models.Model):
    _name = "customer.grading.value"
    _description = "Customer Grading Manual Value"
    _inherit = ["mail.thread"]
    _order = "partner_id, indicator_sequence, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    indicator_id = fields.Many2one(
        "customer.grading.indicator",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        check_company=True,
        domain="[('source', '=', 'manual'), ('scheme_id', '=', scheme_id)]",
    )
    scheme_id = fields.Many2one(related="company_id.grading_scheme_id")
    indicator_sequence = fields.Integer(related="indicator_id.sequence", store=True)
    dimension_id = fields.Many2one(related="indicator_id.dimension_id")
    scoring_rule = fields.Selection(related="indicator_id.scoring_rule")
    option_id = fields.Many2one(
        "customer.grading.indicator.option",
        string="Level",
        tracking=True,
        domain="[('indicator_id', '=', indicator_id)]",
    )
    value = fields.Float(digits=(16, 2), tracking=True)
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Date the value was assessed.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Entered By",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
    )
    note = fields.Text(help="Source of the assessment: visit, survey, rating agency…")
    source = fields.Selection(
        [("manual", "Entered"), ("survey", "Survey")],
        required=True,
        default="manual",
        readonly=True,
        copy=False,
        tracking=True,
        help="Survey: the average answer of the customer's contacts to a satisfaction survey. "
        "A value entered later by hand is kept until the next survey.",
    )
    survey_campaign_id = fields.Many2one(
        "customer.grading.survey.campaign",
        string="Survey Campaign",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    is_stale = fields.Boolean(
        string="Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Not reviewed within the scheme's review interval.",
    )
    stale_reason = fields.Char(
        string="Review",
        compute="_compute_is_stale",
        help="Why the value is stale: the day it was last assessed and the company's review "
        "interval.",
    )

    _sql_constraints = [
        (
            "partner_indicator_company_uniq",
            "UNIQUE(partner_id, indicator_id, company_id)",
            "A customer has one value per manual indicator; update it instead.",
        ),
    ]

    @api.depends("date", "company_id.grading_stale_after_days")
    @api.depends_context("today", "lang")
    def _compute_is_stale(self):
        today = fields.Date.context_today(self)
        for value in self:
            limit = value.company_id.grading_stale_after_days
            value.is_stale = bool(
                value.date and limit and value.date < today - timedelta(days=limit)
            )
            value.stale_reason = value.is_stale and self.env._(
                "Last updated %(date)s; review every %(days)s days",
                date=format_date(self.env, value.date),
                days=limit,
            )

    def _search_is_stale(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on stale values."))
        today = fields.Date.context_today(self)
        # each company's interval; the intervals, not the companies, reach the user
        companies = self.env["res.company"].sudo().search([])
        stale = expression.OR(
            [
                [
                    ("company_id", "=", company.id),
                    ("date", "<", today - timedelta(days=company.grading_stale_after_days)),
                ]
                for company in companies
            ]
            or [expression.FALSE_DOMAIN]
        )
        positive = (operator == "=") == value
        return stale if positive else ["!", *stale]

    @api.constrains("value", "option_id", "indicator_id")
    def _check_value(self):
        for record in self:
            indicator = record.indicator_id
            if indicator.source != "manual":
                raise ValidationError(
                    self.env._(
                        "%(indicator)s is computed automatically; it takes no manual value.",
                        indicator=indicator.display_name,
                    )
                )
            if indicator.scoring_rule == "levels":
                if record.option_id.indicator_id != indicator:
                    raise ValidationError(
                        self.env._(
                            "Choose one of the levels of %(indicator)s.",
                            indicator=indicator.display_name,
                        )
                    )
            elif not indicator.value_min <= record.value <= indicator.value_max:
                raise ValidationError(
                    self.env._(
                        "%(value)s is outside the allowed range of %(indicator)s "
                        "(%(low)s to %(high)s).",
                        value=record.value,
                        indicator=indicator.display_name,
                        low=indicator.value_min,
                        high=indicator.value_max,
                    )
                )

    @api.onchange("option_id")
    def _onchange_option_id(self):
        if self.option_id:
            self.value = self.option_id.score

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_survey_fields(vals)
            self._normalize_vals(vals)
        context = self.env.context
        if context.get("tracking_disable") or context.get("mail_create_nolog"):
            return super().create(vals_list)
        # not mail's "… created" note, written in its author's language: the
        # first values as tracking values, whose labels each reader reads in
        # their own language
        values = super(CustomerGradingValue, self.with_context(mail_create_nolog=True)).create(
            vals_list
        )
        values = values.with_env(self.env)
        values._log_initial_values()
        return values

    def write(self, vals):
        self._check_survey_fields(vals)
        vals = self._normalize_vals(dict(vals))
        if not self.env.su and ASSESSED_FIELDS & vals.keys():
            # entered by hand: the salesperson's value, kept until the next survey
            vals.update(source="manual", survey_campaign_id=False)
            from_survey = self.filtered(lambda value: value.source == "survey")
            if from_survey and "date" not in vals:
                # assessed today, not on the day of the survey's answers
                super(CustomerGradingValue, from_survey).write(
                    {**vals, "date": fields.Date.context_today(self)}
                )
                self -= from_survey
        return super().write(vals)

    def _check_survey_fields(self, vals):
        if not self.env.su and (
            vals.get("source", "manual") != "manual" or vals.get("survey_campaign_id")
        ):
            raise UserError(
                self.env._("Only the satisfaction surveys write values as the survey's.")
            )

    def _log_initial_values(self):
        """One note per new value with its first values as tracking values."""
        fnames = sorted(self._track_get_fields())
        infos = self.fields_get(fnames, attributes=("string", "type", "selection"))
        Tracking = self.env["mail.tracking.value"]
        for value in self:
            trackings = [
                Tracking._create_tracking_values(False, value[fname], fname, infos[fname], value)
                for fname in fnames
                if value[fname]
            ]
            value._message_log(tracking_value_ids=[Command.create(t) for t in trackings])

    def _normalize_vals(self, vals):
        """A value belongs to the commercial entity; a level gives its score."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id
        if vals.get("option_id"):
            option = self.env["customer.grading.indicator.option"].browse(vals["option_id"])
            vals["value"] = option.score
        return vals

    @api.depends("indicator_id", "partner_id")
    def _compute_display_name(self):
        for value in self:
            value.display_name = f"{value.partner_id.name or ''} – {value.indicator_id.name or ''}"
