"""A grading run as an Excel workbook: its results, a summary and the scheme.

The workbook streams: xlsxwriter's ``constant_memory`` mode writes each row
to a temporary file as soon as the next one starts, and the results are read
in batches of ``BATCH_SIZE`` with one query each (customer, salesperson,
industry, appeal and the breakdown lines together), in the order they are
written. Memory stays flat whatever the number of customers; the queries
grow with the number of batches only.
"""

import io
from collections import Counter

import xlsxwriter

from odoo.tools import SQL

from . import xlsx_common as xc

BATCH_SIZE = 5000

# The breakdown of a batch of results and what the rows show of the
# customer, in one statement; the appeal is the last one submitted. The
# arrays of a result's lines are in the same (any) order, as one aggregate
# step reads each line for all of them: a line goes to its indicator's
# columns, so no ORDER BY (six sorts per result) is needed.
RESULTS_QUERY = """
SELECT r.id, COALESCE(p.ref, ''), COALESCE(p.name, ''), COALESCE(sp.name, ''),
       COALESCE(ind.name ->> %(lang)s, ind.name ->> 'en_US', ''),
       r.score, r.level_id, r.previous_level_id, r.trend, r.override_level_id,
       r.computed_level_id, COALESCE(r.override_reason, ''), r.demotion_held,
       r.is_blacklisted, r.is_insufficient, ap.state,
       b.indicator_ids, b.raw_values, b.has_values, b.options, b.scores, b.points,
       COALESCE(r.policy_note, '')
  FROM customer_grading_result r
  JOIN res_partner p ON p.id = r.partner_id
  LEFT JOIN res_users u ON u.id = r.user_id
  LEFT JOIN res_partner sp ON sp.id = u.partner_id
  LEFT JOIN res_partner_industry ind ON ind.id = p.industry_id
  LEFT JOIN LATERAL (
       SELECT a.state FROM customer_grading_appeal a
        WHERE a.result_id = r.id AND a.state != 'draft'
     ORDER BY a.id DESC LIMIT 1) ap ON TRUE
  LEFT JOIN LATERAL (
       SELECT ARRAY_AGG(l.indicator_id) AS indicator_ids,
              ARRAY_AGG(l.raw_value) AS raw_values,
              ARRAY_AGG(l.has_value) AS has_values,
              ARRAY_AGG(COALESCE(o.name ->> %(lang)s, o.name ->> 'en_US')) AS options,
              ARRAY_AGG(l.score) AS scores,
              ARRAY_AGG(l.points) AS points
         FROM customer_grading_result_line l
    LEFT JOIN customer_grading_indicator_option o ON o.id = l.option_id
        WHERE l.result_id = r.id) b ON TRUE
 WHERE r.id = ANY(%(ids)s)
"""


class RunWorkbook:
    """The workbook of one run, in the language of the run's environment.
    The caller checks that the user may read every result of the run."""

    def __init__(self, run):
        run.ensure_one()
        self.run = run
        self.env = run.env
        self._ = run.env._
        self.currency = run.company_id.currency_id
        self.indicators, self.weights = self._indicators()
        self.dimensions = list(dict.fromkeys(self.indicators.mapped("dimension_id")))
        self.groups = self._result_groups()
        self.levels = self._levels()
        self.book = None
        self.formats = {}

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    def _indicators(self):
        """The indicators the run graded with, in the scheme's order, and the
        weight it gave each one."""
        self.env.cr.execute(
            SQL(
                """
                SELECT l.indicator_id, MAX(l.weight)
                  FROM customer_grading_result_line l
                  JOIN customer_grading_result r ON r.id = l.result_id
                 WHERE r.run_id = %s
              GROUP BY l.indicator_id
                """,
                self.run.id,
            )
        )
        weights = dict(self.env.cr.fetchall())
        Indicator = self.env["customer.grading.indicator"].with_context(active_test=False)
        indicators = Indicator.browse(weights)
        if not weights:  # nothing graded yet: the scheme as it is
            indicators = self.run.scheme_id.indicator_ids
            weights = {indicator.id: indicator.weight for indicator in indicators}
        indicators = indicators.sorted(
            lambda i: (i.dimension_id.sequence, i.dimension_id.id, i.sequence, i.id)
        )
        return indicators, weights

    def _result_groups(self):
        """``[(previous grade, grade, computed grade, count)]`` of the run."""
        return self.env["customer.grading.result"]._read_group(
            [("run_id", "=", self.run.id)],
            ["previous_level_id", "level_id", "computed_level_id"],
            ["__count"],
        )

    def _levels(self):
        """The scheme's grades, best first, then the other grades the results
        refer to (a previous grade of another scheme)."""
        Level = self.env["customer.grading.level"].with_context(active_test=False)
        levels = Level.search([("scheme_id", "=", self.run.scheme_id.id)])
        others = Level.browse()
        for group in self.groups:
            others |= group[0] | group[1] | group[2]
        return levels | (others - levels).sorted(lambda level: (level.sequence, level.id))

    def _result_ids(self):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM customer_grading_result WHERE run_id = %s ORDER BY score DESC, id",
                self.run.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _result_rows(self):
        """The run's results, batch by batch, in the order of the sheet."""
        result_ids = self._result_ids()
        lang = self.env.lang or "en_US"
        for start in range(0, len(result_ids), BATCH_SIZE):
            batch = result_ids[start : start + BATCH_SIZE]
            self.env.cr.execute(SQL(RESULTS_QUERY, lang=lang, ids=batch))
            rows = {row[0]: row for row in self.env.cr.fetchall()}
            for result_id in batch:
                yield rows[result_id]

    # ------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------

    def content(self):
        """Bytes of the .xlsx file."""
        output = io.BytesIO()
        self.book = xlsxwriter.Workbook(output, {"constant_memory": True})
        self._add_formats()
        self._write_results(
            self.book.add_worksheet(
                xc.sheet_name(self._("Results")), worksheet_class=xc.RowWorksheet
            )
        )
        self._write_summary(self.book.add_worksheet(xc.sheet_name(self._("Summary"))))
        self._write_scheme(self.book.add_worksheet(xc.sheet_name(self._("Scheme"))))
        self.book.close()
        return output.getvalue()

    def _add_formats(self):
        add = self.book.add_format
        self.formats = {
            "title": add(xc.TITLE),
            "heading": add(xc.HEADING),
            "number": add({"num_format": xc.NUMBER_FORMAT}),
            "amount": add({"num_format": xc.currency_format(self.currency)}),
            "score": add({"num_format": xc.SCORE_FORMAT}),
            "total_score": add({"num_format": xc.SCORE_FORMAT, "bold": True}),
            "integer": add({"num_format": xc.INTEGER_FORMAT}),
            "percent": add({"num_format": xc.PERCENT_FORMAT}),
            "total": add(xc.TOTAL),
            "total_integer": add({**xc.TOTAL, "num_format": xc.INTEGER_FORMAT}),
            "total_percent": add({**xc.TOTAL, "num_format": xc.PERCENT_FORMAT}),
            "up": add({"font_color": "#006100"}),
            "down": add({"font_color": "#9C0006"}),
            "wrap": add({"text_wrap": True, "valign": "top"}),
        }
        self.grade_formats = xc.grade_formats(self.book)

    def _grade(self, sheet, row, column, level):
        if level:
            sheet.write_string(
                row, column, level.name or level.code, self.grade_formats.get(level.color)
            )

    def _title(self, sheet, title):
        run = self.run
        sheet.write_string(0, 0, title, self.formats["title"])
        sheet.write_string(
            1,
            0,
            self._(
                "%(company)s – %(period)s (%(date_from)s to %(date_to)s), scheme %(scheme)s, "
                "amounts in %(currency)s",
                company=run.company_id.name,
                period=run.period_label,
                date_from=run.date_from.isoformat(),
                date_to=run.date_to.isoformat(),
                scheme=run.scheme_id.name or "",
                currency=self.currency.name,
            ),
        )

    def _value_format(self, indicator):
        return self.formats["amount" if indicator.measure == "annual_amount" else "number"]

    def _results_headers(self):
        _ = self._
        headers = [_("Customer Reference"), _("Customer"), _("Salesperson"), _("Industry")]
        for indicator in self.indicators:
            unit = self.currency.name if indicator.measure == "annual_amount" else indicator.unit
            value = (
                _("%(indicator)s: value (%(unit)s)", indicator=indicator.name, unit=unit)
                if unit
                else _("%(indicator)s: value", indicator=indicator.name)
            )
            headers += [
                value,
                _("%(indicator)s: score", indicator=indicator.name),
                _("%(indicator)s: points", indicator=indicator.name),
            ]
        headers += [
            _("%(dimension)s: subtotal", dimension=dimension.name) for dimension in self.dimensions
        ]
        headers += [
            _("Total Score"),
            _("Grade"),
            _("Previous Grade"),
            _("Change"),
            _("Overridden From"),
            _("Override Reason"),
            _("Appeal"),
            _("Demotion Held Back"),
            _("Blacklisted"),
            _("Insufficient Data"),
            _("Policy Applied"),
        ]
        return headers

    def _write_results(self, sheet):
        self._title(sheet, self.run.name or self.run.period_label)
        header_row = 3
        headers = self._results_headers()
        for column, header in enumerate(headers):
            sheet.write_string(header_row, column, header, self.formats["heading"])
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 3, 18)
        sheet.set_column(4, len(headers) - 1, 12)
        sheet.set_row(header_row, 45)
        sheet.freeze_panes(header_row + 1, 2)
        row = header_row
        writer = self._row_writer(sheet)
        for result in self._result_rows():
            row += 1
            writer(row, result)
        sheet.autofilter(header_row, 0, row, len(headers) - 1)

    def _row_writer(self, sheet):
        """A function writing one result on its row, with what it needs at hand:
        the row's ``(value, format)`` by column, written at once."""
        grades = {
            level.id: (level.name or level.code, self.grade_formats.get(level.color))
            for level in self.levels
        }
        first_mark = 4 + 3 * len(self.indicators) + len(self.dimensions)
        width = first_mark + 11
        total_format = self.formats["total_score"]
        breakdown = self._breakdown_writer()
        marks = self._marks_writer(first_mark, grades)

        def write(row, result):
            (_id, ref, name, salesperson, industry, score, level, previous, trend, override,
             computed, reason, held, blacklisted, insufficient, appeal) = result[:16]  # fmt: skip
            cells = [None] * width
            for column, value in enumerate((ref, name, salesperson, industry)):
                if value:
                    cells[column] = (value, None)
            breakdown(cells, result[16:22])
            cells[first_mark] = (float(score or 0.0), total_format)
            cells[first_mark + 1] = grades.get(level)
            cells[first_mark + 2] = grades.get(previous)
            marks(
                cells, trend, override, computed, reason, appeal, (held, blacklisted, insufficient)
            )
            if result[22]:
                cells[first_mark + 10] = (result[22], None)
            sheet.write_cells(row, cells)

        return write

    def _breakdown_writer(self):
        """A function putting a result's lines in its row's cells: the
        indicators' value, score and points, then the dimensions' subtotals."""
        value_formats = [self._value_format(indicator) for indicator in self.indicators]
        positions = {indicator.id: index for index, indicator in enumerate(self.indicators)}
        dimension_of = [self.dimensions.index(i.dimension_id) for i in self.indicators]
        first_dimension = 4 + 3 * len(self.indicators)
        score_format = self.formats["score"]

        def breakdown(cells, lines):
            subtotals = [0.0] * len(self.dimensions)
            for indicator_id, raw, has_value, option, line_score, line_points in zip(
                *(values or () for values in lines), strict=True
            ):
                index = positions.get(indicator_id)
                if index is None:
                    continue
                column = 4 + 3 * index
                if option:
                    cells[column] = (option, None)
                elif has_value and raw is not None:
                    cells[column] = (raw, value_formats[index])
                cells[column + 1] = (line_score or 0.0, score_format)
                cells[column + 2] = (line_points or 0.0, score_format)
                subtotals[dimension_of[index]] += line_points or 0.0
            for column, subtotal in enumerate(subtotals, start=first_dimension):
                cells[column] = (round(subtotal, 2), score_format)

        return breakdown

    def _marks_writer(self, first_mark, grades):
        """A function putting a result's marks in its row's cells from
        ``first_mark`` on: change, override, appeal, and the flags."""
        Result = self.env["customer.grading.result"]
        trends = {
            trend: (label, self.formats.get(trend))
            for trend, label in Result._fields["trend"]._description_selection(self.env)
        }
        Appeal = self.env["customer.grading.appeal"]
        appeals = dict(Appeal._fields["state"]._description_selection(self.env))
        yes = (self._("Yes"), None)

        def marks(cells, trend, override, computed, reason, appeal, flags):
            if trend:
                cells[first_mark + 3] = trends.get(trend, (trend, None))
            if override:
                cells[first_mark + 4] = grades.get(computed)
                if reason:
                    cells[first_mark + 5] = (reason, None)
            if appeal:
                cells[first_mark + 6] = (appeals.get(appeal, appeal), None)
            for column, flag in enumerate(flags, start=first_mark + 7):
                if flag:
                    cells[column] = yes

        return marks

    def _write_summary(self, sheet):
        _ = self._
        self._title(sheet, _("Summary"))
        per_level, matrix = Counter(), Counter()
        previous_levels = self.env["customer.grading.level"]
        for previous, level, _computed, count in self.groups:
            per_level[level] += count
            matrix[previous, level] += count
            previous_levels |= previous
        total = sum(per_level.values())
        not_graded = self.env["customer.grading.level"]
        columns = [
            level
            for level in self.levels
            if level.scheme_id == self.run.scheme_id or per_level.get(level)
        ]
        if per_level.get(not_graded):
            columns.append(not_graded)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(columns) + 1, 14)
        row = self._write_grade_counts(sheet, columns, per_level, total)
        self._write_migration(sheet, row + 2, columns, matrix, previous_levels, per_level, total)

    def _write_grade_counts(self, sheet, columns, per_level, total):
        """Customers per grade from row 3; returns the row of the total."""
        _, f = self._, self.formats
        row = 3
        for column, header in enumerate((_("Grade"), _("Customers"), _("Share"))):
            sheet.write_string(row, column, header, f["heading"])
        for level in columns:
            row += 1
            if level:
                self._grade(sheet, row, 0, level)
            else:
                sheet.write_string(row, 0, _("Not graded"))
            sheet.write_number(row, 1, per_level[level], f["integer"])
            sheet.write_number(row, 2, 100.0 * per_level[level] / total if total else 0.0,
                               f["percent"])  # fmt: skip
        row += 1
        sheet.write_string(row, 0, _("Total"), f["total"])
        sheet.write_number(row, 1, total, f["total_integer"])
        sheet.write_number(row, 2, 100.0 if total else 0.0, f["total_percent"])
        return row

    def _write_migration(self, sheet, row, columns, matrix, previous_levels, per_level, total):
        """The migration matrix from ``row``: previous grades by row, the grades
        of the run by column."""
        _, f = self._, self.formats
        not_graded = self.env["customer.grading.level"]
        sheet.write_string(row, 0, _("Previous grade × new grade"), f["title"])
        row += 1
        sheet.write_string(row, 0, _("Previous Grade"), f["heading"])
        for column, level in enumerate(columns, start=1):
            label = (level.name or level.code) if level else _("Not graded")
            sheet.write_string(row, column, label, f["heading"])
        sheet.write_string(row, len(columns) + 1, _("Total"), f["heading"])
        matrix_rows = [level for level in self.levels if level in previous_levels]
        if any(not previous for previous, _level in matrix):
            matrix_rows.append(not_graded)
        for previous in matrix_rows:
            row += 1
            if previous:
                self._grade(sheet, row, 0, previous)
            else:
                sheet.write_string(row, 0, _("No previous grade"))
            for column, level in enumerate(columns, start=1):
                sheet.write_number(row, column, matrix[previous, level], f["integer"])
            line_total = sum(matrix[previous, level] for level in columns)
            sheet.write_number(row, len(columns) + 1, line_total, f["total_integer"])
        row += 1
        sheet.write_string(row, 0, _("Total"), f["total"])
        for column, level in enumerate(columns, start=1):
            sheet.write_number(row, column, per_level[level], f["total_integer"])
        sheet.write_number(row, len(columns) + 1, total, f["total_integer"])

    def _write_scheme(self, sheet):
        _, f = self._, self.formats
        self._title(sheet, self.run.scheme_id.name or _("Scheme"))
        Indicator = self.env["customer.grading.indicator"]
        rules = dict(Indicator._fields["scoring_rule"]._description_selection(self.env))
        sources = dict(Indicator._fields["source"]._description_selection(self.env))
        measures = dict(Indicator._fields["measure"]._description_selection(self.env))
        headers = (
            _("Dimension"),
            _("Indicator"),
            _("Code"),
            _("Source"),
            _("Measure"),
            _("Unit"),
            _("Weight"),
            _("Scoring Rule"),
            _("Scoring Standard"),
            _("Score Without Data"),
        )
        row = 3
        for column, header in enumerate(headers):
            sheet.write_string(row, column, header, f["heading"])
        sheet.set_column(0, 1, 24)
        sheet.set_column(2, 7, 14)
        sheet.set_column(8, 8, 60)
        sheet.set_column(9, 9, 14)
        for indicator in self.indicators:
            row += 1
            values = (
                indicator.dimension_id.name,
                indicator.name,
                indicator.code,
                sources.get(indicator.source, ""),
                measures.get(indicator.measure, ""),
                indicator.unit,
            )
            for column, value in enumerate(values):
                if value:
                    sheet.write_string(row, column, value)
            sheet.write_number(row, 6, self.weights.get(indicator.id, 0.0), f["score"])
            sheet.write_string(row, 7, rules.get(indicator.scoring_rule, ""))
            sheet.write_string(row, 8, indicator._scoring_standard(), f["wrap"])
            sheet.write_number(row, 9, indicator.missing_score, f["score"])
        row += 1
        sheet.write_string(row, 0, _("Total"), f["total"])
        sheet.write_number(row, 6, sum(self.weights.values()), f["total_integer"])

        # the grades and their thresholds
        row += 2
        for column, header in enumerate((_("Grade"), _("Code"), _("Minimum Score"))):
            sheet.write_string(row, column, header, f["heading"])
        for level in self.levels.filtered(lambda level: level.scheme_id == self.run.scheme_id):
            row += 1
            self._grade(sheet, row, 0, level)
            sheet.write_string(row, 1, level.code)
            sheet.write_number(row, 2, level.min_score, f["score"])
