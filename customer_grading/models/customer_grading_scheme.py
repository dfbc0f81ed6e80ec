from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare

from ..tools import scoring

# While a scheme is saved as a whole, its indicators and levels are written
# one by one; checking the weight total after each of them would refuse a
# valid rebalancing, so they leave the check to the scheme.
DEFER_CHECK = "customer_grading_defer_scheme_check"


class CustomerGradingScheme(models.Model):
    _name = "customer.grading.scheme"
    _description = "Customer Grading Scheme"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share the scheme between companies.",
    )
    description = fields.Text(translate=True)
    dimension_ids = fields.One2many(
        "customer.grading.dimension", "scheme_id", string="Dimensions", copy=True
    )
    # indicators are copied with their dimension
    indicator_ids = fields.One2many("customer.grading.indicator", "scheme_id", string="Indicators")
    level_ids = fields.One2many("customer.grading.level", "scheme_id", string="Grades", copy=True)
    total_weight = fields.Float(compute="_compute_total_weight", digits=(16, 2))

    @api.depends("indicator_ids.weight", "indicator_ids.active")
    def _compute_total_weight(self):
        for scheme in self:
            scheme.total_weight = sum(scheme.indicator_ids.mapped("weight"))

    @api.constrains("indicator_ids", "level_ids", "dimension_ids")
    def _check_scheme(self):
        self._check_weights()
        self._check_levels()

    def _check_weights(self):
        """Active weights must total exactly 100."""
        for scheme in self:
            total = sum(scheme.indicator_ids.mapped("weight"))
            if float_compare(total, 100.0, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The weights of the active indicators of the scheme "
                        "%(scheme)s total %(total)s; they must total exactly 100.",
                        scheme=scheme.display_name,
                        total=round(total, 2),
                    )
                )

    def _check_levels(self):
        """Grades listed best first must have strictly decreasing minimums."""
        for scheme in self:
            levels = scheme.level_ids.sorted(lambda level: (level.sequence, level.id))
            if not levels:
                raise ValidationError(
                    self.env._(
                        "The scheme %(scheme)s needs at least one grade.",
                        scheme=scheme.display_name,
                    )
                )
            if not scoring.thresholds_are_ordered(levels.mapped("min_score")):
                raise ValidationError(
                    self.env._(
                        "The grade thresholds of the scheme %(scheme)s are not "
                        "strictly ordered: listed from best to lowest grade "
                        "(%(levels)s), each minimum score must be below the "
                        "previous one and no two grades may share a minimum.",
                        scheme=scheme.display_name,
                        levels=", ".join(f"{level.code} ≥ {level.min_score:g}" for level in levels),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        return (
            super(CustomerGradingScheme, self.with_context(**{DEFER_CHECK: True}))
            .create(vals_list)
            .with_env(self.env)
        )

    def write(self, vals):
        return super(CustomerGradingScheme, self.with_context(**{DEFER_CHECK: True})).write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", scheme.name))
            if "name" not in (default or {})
            else vals
            for scheme, vals in zip(self, vals_list, strict=True)
        ]

    def _check_ready(self):
        """Before a run computes: the scheme must be complete and consistent."""
        for scheme in self:
            if not scheme.indicator_ids.filtered("weight"):
                raise ValidationError(
                    self.env._(
                        "The scheme %(scheme)s has no active indicator with a "
                        "weight: there is nothing to compute.",
                        scheme=scheme.display_name,
                    )
                )
        self._check_weights()
        self._check_levels()
        self.indicator_ids._check_scoring()

    def _lowest_level(self):
        """The scheme's lowest grade: the one with the lowest minimum score."""
        self.ensure_one()
        levels = self.sudo().level_ids  # the configuration, whoever grades
        return levels and min(levels, key=lambda level: level.min_score)

    def _copy_for_company(self, company):
        """A copy of this scheme that belongs to ``company`` and is in force
        there from now on. The company's manual values follow their
        indicators and levels into the copy (matched by code and name)."""
        self.ensure_one()
        scheme = self.copy(
            {
                "company_id": company.id,
                "name": self.env._(
                    "%(scheme)s (%(company)s)", scheme=self.name, company=company.name
                ),
            }
        )
        copies = {indicator.code: indicator for indicator in scheme.indicator_ids}
        indicators, options = {}, {}
        for indicator in self.indicator_ids.filtered(lambda i: i.code in copies):
            twin = copies[indicator.code]
            indicators[indicator.id] = twin.id
            twin_options = {option.name: option.id for option in twin.option_ids}
            for option in indicator.option_ids:
                if option.name in twin_options:
                    options[option.id] = twin_options[option.name]
        for column, mapping in (("indicator_id", indicators), ("option_id", options)):
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE customer_grading_value v
                       SET %(column)s = m.new_id
                      FROM unnest(%(old)s::int[], %(new)s::int[]) AS m(old_id, new_id)
                     WHERE v.company_id = %(company)s AND v.%(column)s = m.old_id
                    """,
                    column=SQL.identifier(column),
                    old=list(mapping),
                    new=list(mapping.values()),
                    company=company.id,
                )
            )
        self.env["customer.grading.value"].invalidate_model(["indicator_id", "option_id"])
        company.grading_scheme_id = scheme
        return scheme

    def action_preview(self):
        """A new what-if preview of this scheme in the current company (or the
        scheme's own company)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("What-if Preview"),
            "res_model": "customer.grading.preview",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_scheme_id": self.id,
                "default_company_id": (self.company_id or self.env.company).id,
            },
        }

    def action_open_indicators(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Indicators"),
            "res_model": "customer.grading.indicator",
            "view_mode": "list,form",
            "domain": [("scheme_id", "=", self.id)],
            "context": {"default_scheme_id": self.id},
        }
