import zipfile
from datetime import date
from io import BytesIO
from unittest.mock import patch

import openpyxl
import xlsxwriter
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, tagged
from odoo.tools.translate import code_translations

from ..report import xlsx_common
from .common import GradingCase
from .test_visit import VisitCase

# Queries of an export whatever the number of results (up to a batch):
# the manager check, the run, its indicators, grades and results, one query
# per batch, the scheme, and the attachment.
EXPORT_QUERIES = 28
HEADER_ROW = 4  # openpyxl counts from 1: title, subtitle, blank line, headers


def _workbook(attachment):
    return openpyxl.load_workbook(BytesIO(attachment.raw))


def _rows_by_customer(sheet):
    """``{customer name: {header: cell}}`` of the Results sheet."""
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    return {
        row[1].value: dict(zip(headers, row, strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    }


class TestRowWorksheet(BaseCase):
    """The results' rows written a whole row at a time come out exactly as
    xlsxwriter writes them cell by cell (the check that an xlsxwriter upgrade
    did not change what the fast path copies)."""

    ROWS = (
        ["C-001", "Big & <Bold> Buyer", None, 90000.5, 1e-07, 12345678901234567, "A"],
        ["=1+1", " leading and trailing ", "tab\tand\nnew line", 0, -3.25, None, "B"],
        [None, "control \x01\x1f _x0041_ \ufffe", "", 2 / 3, 1e300, 7, None],
        ["x" * 40000, "中文 客户", '"quoted"', 1.5, 0.0, -0.0, "C"],
    )

    def _book(self, fast):
        output = BytesIO()
        book = xlsxwriter.Workbook(output, {"constant_memory": True})
        sheet = book.add_worksheet(worksheet_class=xlsx_common.RowWorksheet if fast else None)
        return output, book, sheet

    def _sheet_xml(self, fast):
        output, book, sheet = self._book(fast)
        formats = [None, book.add_format({"bold": True}), None,
                   book.add_format({"num_format": "0.00"}), None,
                   book.add_format({"num_format": "#,##0"}),
                   book.add_format({"bg_color": "#C6EFCE"})]  # fmt: skip
        sheet.write_string(0, 0, "Title", book.add_format({"bold": True, "font_size": 14}))
        sheet.set_row(3, 45)
        for row, values in enumerate(self.ROWS, start=3):
            cells = [None, None] + [
                None if value is None else (value, fmt)
                for value, fmt in zip(values, formats, strict=True)
            ]
            if fast:
                sheet.write_cells(row, cells)
                continue
            for column, cell in enumerate(cells):
                if cell and isinstance(cell[0], str):
                    sheet.write_string(row, column, *cell)
                elif cell:
                    sheet.write_number(row, column, *cell)
        sheet.write_string(len(self.ROWS) + 5, 1, "after")
        sheet.autofilter(2, 0, len(self.ROWS) + 2, 8)
        book.close()
        with zipfile.ZipFile(output) as archive:
            return {
                name: archive.read(name) for name in ("xl/worksheets/sheet1.xml", "xl/styles.xml")
            }

    def test_rows_as_xlsxwriter_writes_them(self):
        expected = self._sheet_xml(fast=False)
        self.assertIn(
            b'<c r="C4" t="inlineStr"><is><t>C-001</t></is></c>',
            expected["xl/worksheets/sheet1.xml"],
        )
        self.assertEqual(self._sheet_xml(fast=True), expected)

    def test_rows_written_in_order_only(self):
        output, book, sheet = self._book(fast=True)
        sheet.write_cells(5, [("<r>a</r>", None)])  # text, never raw XML
        sheet.write_string(6, 0, "b")
        with self.assertRaises(ValueError):
            sheet.write_cells(6, [None, ("c", None)])  # a row already started
        self.assertEqual(sheet.write_cells(4, [("d", None)]), -2)  # a row already written
        self.assertEqual(sheet.write_cells(7, [None, None]), 0)  # nothing to write
        with self.assertRaises(TypeError):
            sheet.write_cells(8, [(float("nan"), None)])
        book.close()
        cells = [[cell.value for cell in row] for row in openpyxl.load_workbook(output).active]
        self.assertEqual(cells, [[None]] * 5 + [["<r>a</r>"], ["b"]])


@tagged("post_install", "-at_install")
class TestRunExport(GradingCase):
    """The grading run as an Excel workbook: results, summary and scheme."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.industry = cls.env["res.partner.industry"].create({"name": "Machinery"})
        cls.big = cls._customer(
            "Big Buyer", user=cls.salesman_1, ref="C-001", industry_id=cls.industry.id
        )
        cls.small = cls._customer("Small Buyer", user=cls.salesman_2, ref="=1+1")
        cls.idle = cls._customer("Idle Prospect")
        for month in range(1, 10):
            invoice = cls._invoice(cls.big, 10000, date(2026, month, 1))
            cls._pay(invoice, invoice.invoice_date)
            cls._order(cls.big, date(2026, month, 3), price=5000, cost=2000)
        cls._invoice(cls.small, 1000, date(2026, 2, 1))
        cls._order(cls.small, date(2026, 2, 1), price=1000, cost=900)
        for code, option in (("industry_prospects", "Excellent"), ("credit_rating", "AAA")):
            cls._value(cls.big, code, option=option)
        for code in ("new_business", "financial_condition", "recommendation", "brand_recognition"):
            cls._value(cls.big, code, 100)
        cls._value(cls.small, "industry_prospects", option="Poor")
        cls._value(cls.small, "new_business", 20)

    def _graded_twice(self):
        """A published run in June, then the run of September, computed, where
        the manager overrides the small buyer's grade."""
        first = self._run(date_to=date(2026, 6, 30))
        first.action_apply()
        run = self._run()
        small = self._result(run, self.small)
        small.with_user(self.manager)._set_override(self.levels["B"], "Strategic account")
        return first, run

    def test_export_results(self):
        _first, run = self._graded_twice()
        action = run.with_user(self.manager).action_export_xlsx()
        attachment = run.export_attachment_id
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(
            (attachment.res_model, attachment.res_id, attachment.res_field),
            (run._name, run.id, "export_attachment_id"),
        )
        self.assertEqual(attachment.name, f"{run.name}.xlsx")
        book = _workbook(attachment)
        self.assertEqual(book.sheetnames, ["Results", "Summary", "Scheme"])
        sheet = book["Results"]
        self.assertEqual(sheet.freeze_panes, "C5")
        headers = [cell.value for cell in sheet[HEADER_ROW]]
        self.assertEqual(headers[:4], ["Customer Reference", "Customer", "Salesperson", "Industry"])
        self.assertEqual(sheet.auto_filter.ref.split(":")[0], "A4")
        rows = _rows_by_customer(sheet)
        self.assertEqual(set(rows), {"Big Buyer", "Small Buyer", "Idle Prospect"})
        self.assertEqual(sheet.auto_filter.ref.split(":")[1][-1], str(HEADER_ROW + 3))
        # sorted by score, best first
        self.assertEqual(sheet.cell(HEADER_ROW + 1, 2).value, "Big Buyer")

        Result = self.env["customer.grading.result"]
        trends = dict(Result._fields["trend"]._description_selection(self.env))
        for result in run.result_ids:
            row = rows[result.partner_id.name]
            self.assertEqual(row["Salesperson"].value, result.user_id.name or None)
            for line in result.line_ids:
                name = line.indicator_id.name
                value = next(
                    cell for header, cell in row.items() if header.startswith(f"{name}: value")
                )
                if line.option_id:
                    self.assertEqual(value.value, line.option_id.name)
                elif line.has_value:
                    self.assertAlmostEqual(value.value, line.raw_value)
                else:
                    self.assertIsNone(value.value)
                self.assertAlmostEqual(row[f"{name}: score"].value, line.score)
                self.assertAlmostEqual(row[f"{name}: points"].value, line.points)
            for dimension in result.dimension_ids:
                self.assertAlmostEqual(
                    row[f"{dimension.dimension_id.name}: subtotal"].value, dimension.points
                )
            self.assertAlmostEqual(row["Total Score"].value, result.score)
            self.assertEqual(row["Grade"].value, result.level_id.name or None)
            self.assertEqual(row["Previous Grade"].value, result.previous_level_id.name or None)
            self.assertEqual(row["Change"].value, trends.get(result.trend))

    def test_export_marks_and_formats(self):
        _first, run = self._graded_twice()
        run.with_user(self.manager).action_export_xlsx()
        rows = _rows_by_customer(_workbook(run.export_attachment_id)["Results"])
        big = rows["Big Buyer"]
        self.assertEqual(
            (big["Customer Reference"].value, big["Industry"].value), ("C-001", "Machinery")
        )
        big_result = self._result(run, self.big)
        self.assertEqual(big_result.level_id.code, "A")
        # the grade in its colour, amounts in the company currency
        fill, _font = xlsx_common.GRADE_COLOURS[big_result.level_id.color]
        self.assertEqual(big["Grade"].fill.fgColor.rgb[-6:], fill[1:])
        amount = big[
            f"{self.indicators['annual_amount'].name}: value ({self.company.currency_id.name})"
        ]
        self.assertEqual(amount.value, 90000)
        self.assertIn(self.company.currency_id.symbol, amount.number_format)
        self.assertEqual(big["Total Score"].number_format, "0.00")

        small = rows["Small Buyer"]
        self.assertEqual(small["Customer Reference"].value, "=1+1")  # text, not a formula
        self.assertEqual(small["Customer Reference"].data_type, "s")
        self.assertEqual(small["Grade"].value, self.levels["B"].name)
        self.assertEqual(
            small["Overridden From"].value, self._result(run, self.small).computed_level_id.name
        )
        self.assertEqual(small["Override Reason"].value, "Strategic account")
        idle = rows["Idle Prospect"]
        self.assertEqual(idle["Insufficient Data"].value, "Yes")
        self.assertIsNone(idle["Policy Applied"].value)

    def test_export_policy_applied(self):
        self.company.grading_apply_policies = True
        self.levels["A"].with_company(self.company).credit_limit = 50000
        published, _run = self._graded_twice()
        note = self._result(published, self.big).policy_note
        self.assertIn("50,000", note)
        published.with_user(self.manager).action_export_xlsx()
        rows = _rows_by_customer(_workbook(published.export_attachment_id)["Results"])
        self.assertEqual(rows["Big Buyer"]["Policy Applied"].value, note)

    def test_export_summary_adds_up(self):
        _first, run = self._graded_twice()
        run.with_user(self.manager).action_export_xlsx()
        sheet = _workbook(run.export_attachment_id)["Summary"]
        values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=HEADER_ROW)]
        results = run.result_ids
        # customers per grade
        per_grade = {}
        index = 1
        while values[index][0] != "Total":
            per_grade[values[index][0]] = values[index][1]
            index += 1
        for level in run.scheme_id.level_ids:
            self.assertEqual(
                per_grade[level.name], len(results.filtered(lambda r, lv=level: r.level_id == lv))
            )
        self.assertEqual(
            per_grade.get("Not graded", 0), len(results.filtered(lambda r: not r.level_id))
        )
        self.assertEqual(values[index][1], len(results))
        self.assertEqual(sum(per_grade.values()), len(results))
        # the migration matrix: each cell the results moving from a grade to another
        start = next(i for i, row in enumerate(values) if row[0] == "Previous Grade")
        columns = values[start][1:]
        matrix_total = 0
        row_index = start + 1
        while values[row_index][0] != "Total":
            previous_name, *counts = values[row_index]
            counts = counts[: len(columns)]
            self.assertEqual(counts[-1], sum(counts[:-1]))  # the row's total
            for name, count in zip(columns[:-1], counts[:-1], strict=True):
                expected = results.filtered(
                    lambda r, p=previous_name, n=name: (
                        (r.previous_level_id.name or "No previous grade") == p
                        and (r.level_id.name or "Not graded") == n
                    )
                )
                self.assertEqual(count, len(expected), (previous_name, name))
            matrix_total += counts[-1]
            row_index += 1
        totals = values[row_index][1 : len(columns) + 1]
        self.assertEqual(totals[-1], len(results))
        self.assertEqual(sum(totals[:-1]), len(results))
        self.assertEqual(matrix_total, len(results))

    def test_export_scheme(self):
        run = self._run()
        run.with_user(self.manager).action_export_xlsx()
        sheet = _workbook(run.export_attachment_id)["Scheme"]
        values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=HEADER_ROW)]
        weights = {row[2]: row[6] for row in values[1:13]}
        self.assertEqual(weights, {i.code: i.weight for i in run.scheme_id.indicator_ids})
        self.assertEqual(values[13][0], "Total")
        self.assertEqual(values[13][6], 100)
        grades = {row[1]: row[2] for row in values[16:] if row[1]}
        self.assertEqual(grades, {level.code: level.min_score for level in run.scheme_id.level_ids})
        # the scoring standard in the words of the evaluation form: one wording
        standards = {row[2]: row[8] for row in values[1:13]}
        self.assertEqual(
            standards,
            {i.code: i._scoring_standard() for i in run.scheme_id.indicator_ids},
        )
        self.assertEqual(
            standards["annual_amount"],
            "Percentile rank among the graded customers, highest value best. Without data: 0.",
        )

    def test_export_replaces_the_previous_one_and_stays_with_managers(self):
        run = self._run()
        run.with_user(self.manager).action_export_xlsx()
        attachment = run.export_attachment_id
        run.with_user(self.manager).action_export_xlsx()
        self.assertFalse(attachment.exists())
        as_sales = run.with_user(self.salesman_1)
        with self.assertRefused(AccessError, "Only a grading manager exports"):
            as_sales.action_export_xlsx()
        with self.assertRaises(AccessError):
            run.export_attachment_id.with_user(self.salesman_1).read(["raw"])
        self.assertFalse(
            self.env["ir.attachment"]
            .with_user(self.salesman_1)
            .search([("res_model", "=", run._name), ("res_id", "=", run.id)])
        )

    def test_export_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_grading"], ["zh_CN"])
        self.manager.lang = "zh_CN"
        level_a = self.levels["A"]
        level_a.with_context(lang="zh_CN").name = "高价值战略客户"
        self.industry.with_context(lang="zh_CN").name = "机械"
        run = self._run()
        key = ("customer_grading", "zh_CN")
        translations = {
            **code_translations.get_python_translations(*key),
            "Results": "评级结果",
            "Customer Reference": "客户编号",
            "Total Score": "总分",
            "Industry": "行业",
        }
        with patch.dict(code_translations.python_translations, {key: translations}):
            run.with_user(self.manager).with_context(lang="zh_CN").action_export_xlsx()
        book = _workbook(run.export_attachment_id)
        self.assertEqual(book.sheetnames[0], "评级结果")
        sheet = book["评级结果"]
        headers = [cell.value for cell in sheet[HEADER_ROW]]
        self.assertEqual(headers[:4], ["客户编号", "客户", "销售员", "行业"])
        self.assertIn("总分", headers)
        rows = _rows_by_customer(sheet)
        big = dict(zip(headers, [cell.value for cell in rows["Big Buyer"].values()], strict=True))
        self.assertEqual(big["行业"], "机械")
        self.assertIn("高价值战略客户", big.values())


@tagged("post_install", "-at_install", "is_query_count")
class TestRunExportQueries(GradingCase):
    """The export reads the results in batches: its queries do not grow with
    the number of customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_manual_scheme({"quality": 60, "service": 40})
        scheme = cls.company.grading_scheme_id
        cls.few, cls.many = cls.env["res.partner"], cls.env["res.partner"]
        for n in range(55):
            customer = cls._customer(f"Customer {n}", user=cls.salesman_1)
            for indicator in scheme.indicator_ids:
                cls._value(customer, indicator, (n * 7 + len(indicator.code)) % 100)
            if n < 5:
                cls.few |= customer
            else:
                cls.many |= customer

    def test_queries_do_not_grow_with_customers(self):
        runs = [self._run(partners=self.few), self._run(partners=self.many)]
        self.assertEqual([len(run.result_ids) for run in runs], [5, 50])
        # warm-up (registry caches, also of replacing an export); then each run
        # has a previous export to replace
        for run in runs * 2:
            run.with_user(self.manager).action_export_xlsx()
            self.env.flush_all()
        for run in runs:
            self.env.invalidate_all()
            with self.assertQueryCount(EXPORT_QUERIES):
                run.with_user(self.manager).action_export_xlsx()


@tagged("post_install", "-at_install")
class TestVisitComplianceExport(VisitCase):
    """The visit compliance overview in Excel, as filtered, with its totals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Compliance = cls.env["customer.grading.visit.compliance"]
        cls.up_to_date = cls._customer("Up To Date", user=cls.salesman_2)
        cls.nobody = cls._customer("Nobody's")
        cls._grade(cls.up_to_date, "A")
        cls._grade(cls.nobody, "A", signed=True)  # four visits a month

    def _overview(self):
        with freeze_time("2026-11-20 10:00:00"):
            self._done(when="2026-11-03 09:00:00")  # 1 of 2
            for day in (2, 9, 16):  # 3 of 2: 150 %
                self._done(
                    user=self.salesman_2, partner=self.up_to_date, when=f"2026-11-{day:02} 09:00:00"
                )
            self.Compliance._cron_visit_reminders()

    def _export(self, rows, **context):
        action = rows.with_context(**context).action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        return attachment, openpyxl.load_workbook(BytesIO(attachment.raw))

    def _table(self, sheet):
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=HEADER_ROW)]

    def test_export_as_filtered_with_ratio_of_sums(self):
        self._overview()
        Compliance = self.Compliance.with_user(self.manager)
        attachment, book = self._export(Compliance, active_domain=[])
        self.assertEqual(book.sheetnames, ["Visit Compliance", "By Salesperson"])
        table = self._table(book["Visit Compliance"])
        self.assertEqual(table[0][:3], ["Customer", "Salesperson", "Grade"])
        rows = {row[0]: row for row in table[1:-1]}
        self.assertEqual(set(rows), {"Visited Machinery", "Up To Date", "Nobody's"})
        self.assertEqual(rows["Up To Date"][6:10], [2, 3, 0, 150])
        self.assertEqual(rows["Nobody's"][6:10], [4, 0, 4, 0])
        total = table[-1]
        self.assertEqual(total[0], "Total")
        # 4 visits done of 8 required: 50 %, not the average of the rates (66.7 %)
        self.assertEqual(total[6:9], [8, 4, 5])
        self.assertEqual(total[9], 50)
        per_user = {row[0]: row for row in self._table(book["By Salesperson"])[1:]}
        self.assertEqual(per_user["Sales One"][1:], [1, 2, 1, 1, 50])
        self.assertEqual(per_user["No Salesperson"][1:], [1, 4, 0, 4, 0])
        self.assertEqual(per_user["Total"][1:], [3, 8, 4, 5, 50])
        # as filtered: the rows behind only
        _attachment, book = self._export(Compliance, active_domain=[("is_behind", "=", True)])
        table = self._table(book["Visit Compliance"])
        self.assertEqual({row[0] for row in table[1:-1]}, {"Visited Machinery", "Nobody's"})
        self.assertEqual(table[-1][6:9], [6, 1, 5])
        self.assertEqual(table[-1][9], 16.7)  # rounded as the rows are
        # the previous export of the user is replaced
        self.assertFalse(attachment.exists())

    def test_export_selected_rows_and_own_rows(self):
        self._overview()
        row = self.Compliance.search([("partner_id", "=", self.up_to_date.id)])
        _attachment, book = self._export(row.with_user(self.manager))
        self.assertEqual(
            [r[0] for r in self._table(book["Visit Compliance"])[1:]], ["Up To Date", "Total"]
        )
        # a salesperson exports their own customers, and only they get the file
        attachment, book = self._export(
            self.Compliance.with_user(self.salesman_1), active_domain=[]
        )
        names = [r[0] for r in self._table(book["Visit Compliance"])[1:-1]]
        self.assertEqual(names, ["Visited Machinery"])
        with self.assertRaises(AccessError):
            attachment.with_user(self.salesman_2).read(["raw"])
