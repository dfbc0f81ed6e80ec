from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from ..tools import scoring
from .customer_grading_scheme import DEFER_CHECK

# Saving an indicator with its bands writes the bands one by one: the order
# of the table is checked once, on the indicator.
DEFER_BAND_CHECK = "customer_grading_defer_band_check"

MEASURES = [
    ("annual_amount", "Purchase amount"),
    ("purchase_frequency", "Number of confirmed orders"),
    ("profit_contribution", "Share of the company's gross margin"),
    ("growth_trend", "Growth of the purchase amount"),
    ("payment_record", "Invoices paid on time"),
    ("repeat_purchase", "Repeat orders"),
    ("recency", "Days since the last purchase"),
    ("complaints", "Complaints received"),
    ("referrals", "Referrals"),
]

SCORING_RULES = [
    ("direct", "Value is the score (0–100)"),
    ("bands", "Bands table"),
    ("linear", "Linear between a minimum and a maximum"),
    ("rank", "Rank among the graded customers"),
    ("levels", "Manual levels"),
]


class CustomerGradingIndicator(models.Model):
    _name = "customer.grading.indicator"
    _description = "Customer Grading Indicator"
    _inherit = ["mail.thread"]
    _order = "scheme_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True,
        help="Technical key, unique in the scheme; reports and scripts use it.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    # copied with its dimension, whose scheme it then takes (see create)
    scheme_id = fields.Many2one(
        "customer.grading.scheme", required=True, index=True, ondelete="cascade", copy=False
    )
    company_id = fields.Many2one(related="scheme_id.company_id", store=True)
    dimension_id = fields.Many2one(
        "customer.grading.dimension",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('scheme_id', '=', scheme_id)]",
    )
    weight = fields.Float(
        digits=(16, 2),
        tracking=True,
        help="Share of the total score in percent; the active weights of a "
        "scheme total 100. A weight of 0 switches the indicator off.",
    )
    source = fields.Selection(
        [("auto", "Automatic"), ("manual", "Manual")],
        required=True,
        default="manual",
        tracking=True,
        help="Automatic indicators are measured from sales and accounting "
        "documents; manual ones are entered on each customer.",
    )
    measure = fields.Selection(
        MEASURES,
        help="What an automatic indicator measures over the reference period.",
    )
    scoring_rule = fields.Selection(
        SCORING_RULES,
        required=True,
        default="direct",
        tracking=True,
        help="How the raw value becomes a score from 0 to 100.",
    )
    band_ids = fields.One2many(
        "customer.grading.indicator.band", "indicator_id", string="Bands", copy=True
    )
    option_ids = fields.One2many(
        "customer.grading.indicator.option", "indicator_id", string="Levels", copy=True
    )
    linear_min = fields.Float(
        string="Value Scoring 0", help="Raw value that scores 0 (linear rule)."
    )
    linear_max = fields.Float(
        string="Value Scoring 100",
        default=100.0,
        help="Raw value that scores 100 (linear rule).",
    )
    is_lower_better = fields.Boolean(
        string="Lower Is Better",
        tracking=True,
        help="Rank rule: the customer with the lowest value ranks best (e.g. the "
        "days since the last purchase).",
    )
    rank_groups = fields.Integer(
        tracking=True,
        help="Rank rule: round the rank down into this many equal groups of "
        "customers, scored evenly from 0 to 100 (5, quintiles: 0, 25, 50, 75, "
        "100, the RFM scores 1 to 5). 0 keeps the percentile.",
    )
    value_min = fields.Float(
        string="Lowest Value", help="Lowest value a user may enter (manual indicators)."
    )
    value_max = fields.Float(
        string="Highest Value",
        default=100.0,
        help="Highest value a user may enter (manual indicators).",
    )
    missing_score = fields.Float(
        string="Score Without Data",
        digits=(16, 2),
        help="Score given when the customer has no value for this indicator "
        "(no manual entry, or a measure that cannot be computed, such as the "
        "growth of a customer without history).",
    )
    unit = fields.Char(translate=True, help="Unit of the raw value, shown beside it.")
    description = fields.Text(translate=True)

    _sql_constraints = [
        (
            "code_scheme_uniq",
            "UNIQUE(scheme_id, code)",
            "An indicator code must be unique in its scheme.",
        ),
        (
            "weight_range",
            "CHECK(weight >= 0 AND weight <= 100)",
            "An indicator weight lies between 0 and 100.",
        ),
        (
            "rank_groups_range",
            "CHECK(rank_groups = 0 OR rank_groups BETWEEN 2 AND 100)",
            "A rank is rounded into 2 to 100 groups, or not at all (0).",
        ),
        (
            "missing_score_range",
            "CHECK(missing_score >= 0 AND missing_score <= 100)",
            "The score without data lies between 0 and 100.",
        ),
    ]

    @api.depends("name", "code")
    def _compute_display_name(self):
        for indicator in self:
            indicator.display_name = indicator.name or indicator.code or ""

    @api.constrains("weight", "active", "scheme_id")
    def _check_scheme_weights(self):
        if not self.env.context.get(DEFER_CHECK):
            self.scheme_id._check_weights()

    @api.constrains("dimension_id", "scheme_id")
    def _check_dimension_scheme(self):
        for indicator in self:
            if indicator.dimension_id.scheme_id != indicator.scheme_id:
                raise ValidationError(
                    self.env._(
                        "The indicator %(indicator)s and its dimension "
                        "%(dimension)s belong to different schemes.",
                        indicator=indicator.display_name,
                        dimension=indicator.dimension_id.display_name,
                    )
                )

    @api.constrains("band_ids", "scoring_rule")
    def _check_bands(self):
        for indicator in self:
            bands = indicator.band_ids.sorted(lambda band: (band.sequence, band.id))
            if not scoring.bands_are_ordered(bands.mapped("threshold")):
                raise ValidationError(
                    self.env._(
                        "The bands of %(indicator)s are not ordered: list them "
                        "by strictly increasing value (%(values)s).",
                        indicator=indicator.display_name,
                        values=", ".join(f"{value:g}" for value in bands.mapped("threshold")),
                    )
                )
            if indicator.scoring_rule == "bands" and not bands:
                raise ValidationError(
                    self.env._(
                        "The indicator %(indicator)s scores by bands but has none.",
                        indicator=indicator.display_name,
                    )
                )

    @api.constrains(
        "source", "measure", "scoring_rule", "linear_min", "linear_max", "value_min", "value_max"
    )
    def _check_scoring(self):
        for indicator in self:
            indicator._check_scoring_one()

    def _check_scoring_one(self):
        _ = self.env._
        if self.source == "auto" and not self.measure:
            raise ValidationError(
                _(
                    "The automatic indicator %(indicator)s needs a measure.",
                    indicator=self.display_name,
                )
            )
        if self.source == "auto" and self.scoring_rule == "levels":
            raise ValidationError(
                _(
                    "Manual levels only apply to manual indicators (%(indicator)s).",
                    indicator=self.display_name,
                )
            )
        if self.scoring_rule == "linear" and self.linear_min == self.linear_max:
            raise ValidationError(
                _(
                    "The linear rule of %(indicator)s needs two different values "
                    "for the scores 0 and 100.",
                    indicator=self.display_name,
                )
            )
        if self.source == "manual" and self.value_min > self.value_max:
            raise ValidationError(
                _(
                    "The lowest value of %(indicator)s is above its highest value.",
                    indicator=self.display_name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # created inside a dimension (scheme copy): take the dimension's scheme
            if not vals.get("scheme_id") and vals.get("dimension_id"):
                dimension = self.env["customer.grading.dimension"].browse(vals["dimension_id"])
                vals["scheme_id"] = dimension.scheme_id.id
        return (
            super(CustomerGradingIndicator, self.with_context(**{DEFER_BAND_CHECK: True}))
            .create(vals_list)
            .with_env(self.env)
        )

    def write(self, vals):
        return super(CustomerGradingIndicator, self.with_context(**{DEFER_BAND_CHECK: True})).write(
            vals
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.env["customer.grading.result"]._check_unused(
            self,
            [
                ("customer.grading.result.line", "indicator_id"),
                ("customer.grading.value", "indicator_id"),
            ],
        )

    def unlink(self):
        schemes = self.scheme_id
        result = super().unlink()
        if not self.env.context.get(DEFER_CHECK):
            schemes.exists()._check_weights()
        return result

    def _scoring_params(self):
        """This indicator's rule, as plain values for :func:`scoring.score_value`."""
        self.ensure_one()
        bands = self.band_ids.sorted(lambda band: (band.sequence, band.id))
        return {
            "rule": self.scoring_rule,
            "missing": self.missing_score,
            "low": self.linear_min,
            "high": self.linear_max,
            "bands": [(band.threshold, band.score) for band in bands],
        }

    def _rank_options(self):
        """How the rank rule ranks this indicator, as plain values for
        :func:`scoring.score_rank_sorted`."""
        self.ensure_one()
        return {"lower_is_better": self.is_lower_better, "groups": self.rank_groups}

    def _scoring_standard(self):
        """This indicator's rule in words, in the language of the environment:
        its bands, manual levels or thresholds, and the score without data."""
        self.ensure_one()
        _ = self.env._
        if self.scoring_rule == "bands":
            bands = self.band_ids.sorted(lambda band: (band.sequence, band.id))
            rule = "; ".join(
                f"{self._format_value(band.threshold)} → {self._format_number(band.score)}"
                for band in bands
            )
        elif self.scoring_rule == "levels":
            rule = "; ".join(
                f"{option.name}: {self._format_number(option.score)}"
                for option in self.option_ids.sorted(lambda option: (option.sequence, option.id))
                if option.active
            )
        elif self.scoring_rule == "linear":
            rule = _(
                "%(low)s scores 0, %(high)s scores 100, linear in between",
                low=self._format_value(self.linear_min),
                high=self._format_value(self.linear_max),
            )
        elif self.scoring_rule == "rank" and self.rank_groups:
            rule = _(
                "%(rule)s, in %(groups)s groups",
                rule=_("Rank among the graded customers, lowest value best")
                if self.is_lower_better
                else _("Rank among the graded customers, highest value best"),
                groups=self.rank_groups,
            )
        elif self.scoring_rule == "rank":
            rule = (
                _("Percentile rank among the graded customers, lowest value best")
                if self.is_lower_better
                else _("Percentile rank among the graded customers, highest value best")
            )
        else:
            rule = _("The value is the score (0 to 100)")
        return _(
            "%(rule)s. Without data: %(score)s.",
            rule=rule,
            score=self._format_number(self.missing_score),
        )

    def _format_number(self, value):
        """``value`` in the language's format, without decimals when whole."""
        return formatLang(self.env, value, digits=0 if value == int(value) else 2)

    def _format_value(self, value):
        """A raw value of this indicator with its unit."""
        number = self._format_number(value)
        return f"{number} {self.unit}" if self.unit else number

    def _score(self, raw_value):
        """Score of a raw value by this indicator's rule (not for the rank rule)."""
        return scoring.score_value(value=raw_value, **self._scoring_params())
