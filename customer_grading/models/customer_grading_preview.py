from collections import Counter

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import comparison, periods
from .customer_grading_run import SYNC_BATCH_FACTOR

BACKTEST_QUARTERS = 4
# What a preview is computed from: changing one of them discards its figures.
PARAMETERS = ("company_id", "scheme_id", "date_to")


class CustomerGradingPreview(models.Model):
    """What a scheme would grade, without grading: the grades of all the
    company's customers over a period, compared with the grades they would
    replace. Only the counts per (previous grade, previewed grade) are kept;
    no grade, run or result is written."""

    _name = "customer.grading.preview"
    _description = "Customer Grading What-if Preview"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    scheme_id = fields.Many2one(
        "customer.grading.scheme",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.grading_scheme_id,
        help="The scheme to preview, in force or not: typically a copy of the "
        "scheme in force, with the changes to try.",
    )
    date_to = fields.Date(
        string="Period End",
        required=True,
        default=lambda self: self._default_date_to(),
        help="Last day of the reference period; by default the end of the last "
        "quarter that ended. An earlier quarter back-tests the scheme.",
    )
    date_from = fields.Date(
        string="Period Start",
        compute="_compute_date_from",
        store=True,
        help="The company's reference period ending on the period end, as a run's.",
    )
    period_label = fields.Char(string="Period", compute="_compute_period_label", store=True)
    state = fields.Selection(
        [("draft", "Draft"), ("computed", "Computed")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
    )
    computed_date = fields.Datetime(readonly=True, copy=False)
    comparison = fields.Selection(
        [("in_force", "Grades in force"), ("run", "Grades of the period's published run")],
        string="Compared With",
        readonly=True,
        copy=False,
        help="The grades the previewed grades are compared with: each customer's "
        "grade in force in the company when the preview was computed, or, for a "
        "past quarter, the grade the published run of that quarter gave.",
    )
    comparison_run_id = fields.Many2one(
        "customer.grading.run",
        string="Compared With Run",
        readonly=True,
        copy=False,
        check_company=True,
    )
    line_ids = fields.One2many(
        "customer.grading.preview.line", "preview_id", string="Migrations", readonly=True
    )
    customer_count = fields.Integer(string="Customers Compared", compute="_compute_summary")
    changed_count = fields.Integer(
        string="Grade Changes",
        compute="_compute_summary",
        help="Customers whose grade would change, including those that would get "
        "a first grade or lose theirs.",
    )
    upgrade_count = fields.Integer(string="Upgrades", compute="_compute_summary")
    downgrade_count = fields.Integer(string="Downgrades", compute="_compute_summary")
    previous_distribution = fields.Char(
        string="Before", compute="_compute_summary", help="Customers per grade compared with."
    )
    distribution = fields.Char(
        string="Previewed", compute="_compute_summary", help="Customers per previewed grade."
    )

    @api.model
    def _default_date_to(self):
        """The end of the last quarter that ended, in the company's time zone."""
        company_id = self.env.context.get("default_company_id")
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        return periods.last_ended_quarter(company._grading_today())[1]

    @api.depends("scheme_id.name", "period_label")
    def _compute_name(self):
        for preview in self:
            preview.name = f"{preview.scheme_id.name or ''} – {preview.period_label or ''}"

    @api.depends("date_to", "company_id")
    def _compute_date_from(self):
        for preview in self:
            months = preview.company_id.grading_period_months or 12
            preview.date_from = (
                preview.date_to and periods.reference_period(preview.date_to, months)[0]
            )

    @api.depends("date_to")
    def _compute_period_label(self):
        for preview in self:
            preview.period_label = preview.date_to and periods.quarter_label(preview.date_to)

    @api.depends("line_ids.count", "line_ids.movement")
    def _compute_summary(self):
        no_grade = self.env._("No grade")
        for preview in self:
            lines = preview.line_ids
            figures = comparison.summary((line.movement, line.count) for line in lines)
            preview.customer_count = figures["compared"]
            preview.changed_count = figures["changed"]
            preview.upgrade_count = figures["up"]
            preview.downgrade_count = figures["down"]
            preview.previous_distribution = comparison.distribution(
                [(line.previous_level_id._comparison_key(), line.count) for line in lines],
                no_grade,
            )
            preview.distribution = comparison.distribution(
                [(line.level_id._comparison_key(), line.count) for line in lines], no_grade
            )

    def write(self, vals):
        if any(name in vals for name in PARAMETERS):
            # figures of other parameters are no figures of these
            self.line_ids.unlink()
            vals = {
                **vals,
                "state": "draft",
                "computed_date": False,
                "comparison": False,
                "comparison_run_id": False,
            }
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute(self):
        """Grade the company's customers with the scheme over the period, as a
        full run would, and keep the counts per (previous, previewed) grade."""
        self.check_access("write")
        for preview in self:
            preview._compute_preview()
        return True

    def action_backtest(self):
        """Preview the scheme over each of the last four quarters that ended,
        each compared with the grades its applied run gave; the previews of
        those quarters with the scheme are computed again, not doubled."""
        self.ensure_one()
        self.check_access("create")
        quarters = periods.ended_quarters(self.company_id._grading_today(), BACKTEST_QUARTERS)
        ends = [date_to for _date_from, date_to in quarters]
        existing = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("scheme_id", "=", self.scheme_id.id),
                ("date_to", "in", ends),
            ],
            order="id desc",
        )
        previews = self.browse()
        for date_to in ends:
            preview = existing.filtered(lambda p, day=date_to: p.date_to == day)[:1]
            previews |= preview or self.create(
                {
                    "company_id": self.company_id.id,
                    "scheme_id": self.scheme_id.id,
                    "date_to": date_to,
                }
            )
        previews.action_compute()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Back-test of %(scheme)s", scheme=self.scheme_id.display_name),
            "res_model": self._name,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", previews.ids)],
            "target": "current",
        }

    def action_view_matrix(self):
        """The migration matrix: previous grades in rows, previewed in columns."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_preview_line_action"
        )
        action["domain"] = [("preview_id", "=", self.id)]
        action["display_name"] = self.display_name
        return action

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def _compute_preview(self):
        """Grade batch by batch with the engine, as a full run computes, and
        count the customers per (previous, previewed) grade: the only rows
        written are the preview's own few lines."""
        self.ensure_one()
        self.scheme_id._check_ready()
        self.env.flush_all()  # the engine reads with SQL
        Engine = self.env["customer.grading.engine"]
        company, scheme, date_from, date_to = (
            self.company_id,
            self.scheme_id,
            self.date_from,
            self.date_to,
        )
        partner_ids = Engine._customers_to_grade(company, date_from, date_to)
        total_margin = self.env["customer.grading.measure"]._company_margin(
            company, date_from, date_to
        )
        value_sources = self._value_sources()
        populations = partner_ids and Engine._rank_populations(
            company, scheme, date_from, date_to, total_margin, partner_ids, value_sources
        )
        run = self._comparison_run()
        before = self._run_grades(run) if run else None
        cells = Counter()
        size = self.env["customer.grading.run"]._batch_size() * SYNC_BATCH_FACTOR
        for start in range(0, len(partner_ids), size):
            grades = Engine._grade_customers(
                company,
                scheme,
                date_from,
                date_to,
                total_margin,
                partner_ids[start : start + size],
                populations or {},
                among_themselves=True,
                value_sources=value_sources,
            )
            for partner_id, in_force, _insufficient, _blacklisted, _total, level, *_rest in grades:
                previous = in_force if before is None else before.get(partner_id)
                cells[previous, level] += 1
        self._store_lines(cells)
        self.write(
            {
                "state": "computed",
                "computed_date": fields.Datetime.now(),
                "comparison": "run" if run else "in_force",
                "comparison_run_id": run.id,
            }
        )

    def _value_sources(self):
        """The customers' manual values are those of the scheme in force: a
        manual indicator of another scheme (a copy of it, typically) reads the
        values of the indicator of the same code in the scheme in force, its
        levels matched by name and scored as in the previewed scheme. See the
        engine's ``_indicator_specs``."""
        in_force = self.company_id.grading_scheme_id
        if not in_force or in_force == self.scheme_id:
            return None
        theirs = {
            indicator.code: indicator
            for indicator in in_force.indicator_ids.with_context(active_test=False)
            if indicator.source == "manual"
        }
        sources = {}
        for indicator in self.scheme_id.indicator_ids:
            source = indicator.source == "manual" and theirs.get(indicator.code)
            if not source:
                continue
            options = {
                option.name: option
                for option in indicator.with_context(active_test=False).option_ids
            }
            sources[indicator.id] = (
                source.id,
                {
                    option.id: (options[option.name].id, options[option.name].score)
                    for option in source.with_context(active_test=False).option_ids
                    if option.name in options
                },
            )
        return sources

    def _comparison_run(self):
        """For a quarter before the last one that ended (back-testing), the
        company's applied run of that quarter over all customers, if any;
        otherwise nothing: the preview compares with the grades in force."""
        last_end = periods.last_ended_quarter(self.company_id._grading_today())[1]
        if self.date_to >= last_end:
            return self.env["customer.grading.run"]
        return self.env["customer.grading.run"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("period_label", "=", self.period_label),
                ("is_partial", "=", False),
                ("state", "=", "applied"),
            ],
            order="id desc",
            limit=1,
        )

    def _run_grades(self, run):
        """``{partner: grade}`` that ``run`` gave, in one query."""
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, level_id FROM customer_grading_result WHERE run_id = %s",
                run.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def _store_lines(self, cells):
        """Replace the preview's lines by one line per (previous, previewed)
        grade of ``cells`` (a Counter)."""
        Level = self.env["customer.grading.level"].with_context(active_test=False)
        levels = Level.browse({level for pair in cells for level in pair if level})
        keys = {level.id: level._comparison_key() for level in levels}
        self.line_ids.unlink()
        self.env["customer.grading.preview.line"].create(
            [
                {
                    "preview_id": self.id,
                    "previous_level_id": previous,
                    "level_id": level,
                    "count": count,
                    "movement": comparison.movement(keys.get(previous), keys.get(level)),
                }
                for (previous, level), count in sorted(cells.items(), key=_cell_order)
            ]
        )


def _cell_order(cell):
    (previous, level), _count = cell
    return previous or 0, level or 0
