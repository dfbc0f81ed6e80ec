"""The visit compliance overview as an Excel workbook: the rows as filtered,
with their totals, and a sheet per salesperson. A rate's total is the ratio
of the sums: the visits done over the visits required."""

import io
from collections import defaultdict

import xlsxwriter

from . import xlsx_common as xc

BATCH_SIZE = 1000
FIELDS = (
    "partner_id",
    "user_id",
    "level_id",
    "is_signed",
    "period_start",
    "period_end",
    "visits_required",
    "visits_done",
    "visits_missing",
    "compliance_rate",
    "due_date",
    "last_visit_date",
)
COUNTS = ("visits_required", "visits_done", "visits_missing")


def compliance_rate(required, done):
    """Percent of the required visits done; over several rows, the sum of the
    visits done over the sum of the visits required, as in Odoo's views."""
    return round(100.0 * done / required, 1) if required else 0.0


class VisitComplianceWorkbook:
    """The workbook of the compliance rows ``rows``, read with the user's rights
    and in their language."""

    def __init__(self, rows):
        self.rows = rows
        self.env = rows.env
        self._ = rows.env._
        self.with_company = len(rows.company_id) > 1

    def _label(self, name):
        return self.rows._fields[name]._description_string(self.env)

    def content(self):
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"constant_memory": True})
        add = book.add_format
        self.formats = {
            "title": add(xc.TITLE),
            "heading": add(xc.HEADING),
            "integer": add({"num_format": xc.INTEGER_FORMAT}),
            "percent": add({"num_format": xc.PERCENT_FORMAT}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "total": add(xc.TOTAL),
            "total_integer": add({**xc.TOTAL, "num_format": xc.INTEGER_FORMAT}),
            "total_percent": add({**xc.TOTAL, "num_format": xc.PERCENT_FORMAT}),
        }
        self.grade_formats = xc.grade_formats(book)
        title = self._("Visit Compliance")
        per_user = self._write_rows(book.add_worksheet(xc.sheet_name(title)), title)
        self._write_per_user(book.add_worksheet(xc.sheet_name(self._("By Salesperson"))), per_user)
        book.close()
        return output.getvalue()

    def _headers(self):
        headers = [self._label(name) for name in FIELDS]
        if self.with_company:
            headers.append(self._label("company_id"))
        return headers

    def _batches(self):
        ids = self.rows.ids
        for start in range(0, len(ids), BATCH_SIZE):
            # a recordset per batch: its own prefetching, not the whole list
            yield self.rows.browse(ids[start : start + BATCH_SIZE])

    def _write_rows(self, sheet, title):
        """Write the rows and their totals; return the sums per salesperson."""
        f = self.formats
        sheet.write_string(0, 0, title, f["title"])
        sheet.write_string(1, 0, self._("%(count)s customers, as filtered", count=len(self.rows)))
        header_row = 3
        headers = self._headers()
        for column, header in enumerate(headers):
            sheet.write_string(header_row, column, header, f["heading"])
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 2, 20)
        sheet.set_column(3, len(headers) - 1, 12)
        sheet.freeze_panes(header_row + 1, 1)
        yes, no = self._("Yes"), self._("No")
        per_user = defaultdict(lambda: [0, 0, 0, 0])  # customers, required, done, missing
        totals = [0, 0, 0]
        row = header_row
        for batch in self._batches():
            for record in batch:
                row += 1
                counts = self._write_record(sheet, row, record, (yes, no))
                sums = per_user[record.user_id.name or ""]
                sums[0] += 1
                for index, count in enumerate(counts):
                    sums[index + 1] += count
                    totals[index] += count
        sheet.autofilter(header_row, 0, row, len(headers) - 1)
        row += 1
        sheet.write_string(row, 0, self._("Total"), f["total"])
        for column, total in enumerate(totals, start=6):
            sheet.write_number(row, column, total, f["total_integer"])
        sheet.write_number(row, 9, compliance_rate(totals[0], totals[1]), f["total_percent"])
        return per_user

    def _write_record(self, sheet, row, record, yes_no):
        """Write ``record`` on ``row``; return its visit counts."""
        f = self.formats
        sheet.write_string(row, 0, record.partner_id.display_name or "")
        if record.user_id:
            sheet.write_string(row, 1, record.user_id.name)
        level = record.level_id
        if level:
            sheet.write_string(
                row, 2, level.name or level.code, self.grade_formats.get(level.color)
            )
        sheet.write_string(row, 3, yes_no[0] if record.is_signed else yes_no[1])
        for column, name in ((4, "period_start"), (5, "period_end")):
            if record[name]:
                sheet.write_datetime(row, column, record[name], f["date"])
        counts = [record[name] for name in COUNTS]
        for column, count in enumerate(counts, start=6):
            sheet.write_number(row, column, count, f["integer"])
        sheet.write_number(row, 9, record.compliance_rate, f["percent"])
        for column, name in ((10, "due_date"), (11, "last_visit_date")):
            if record[name]:
                sheet.write_datetime(row, column, record[name], f["date"])
        if self.with_company:
            sheet.write_string(row, 12, record.company_id.name)
        return counts

    def _write_per_user(self, sheet, per_user):
        f = self.formats
        sheet.write_string(0, 0, self._("Visit compliance by salesperson"), f["title"])
        header_row = 3
        headers = [
            self._label("user_id"),
            self._("Customers"),
            *(self._label(name) for name in COUNTS),
            self._label("compliance_rate"),
        ]
        for column, header in enumerate(headers):
            sheet.write_string(header_row, column, header, f["heading"])
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, len(headers) - 1, 14)
        sheet.freeze_panes(header_row + 1, 1)
        row = header_row
        totals = [0, 0, 0, 0]
        no_salesperson = self._("No Salesperson")
        for user in sorted(per_user, key=lambda name: (not name, name)):
            sums = per_user[user]
            row += 1
            sheet.write_string(row, 0, user or no_salesperson)
            for column, value in enumerate(sums, start=1):
                sheet.write_number(row, column, value, f["integer"])
            sheet.write_number(row, 5, compliance_rate(sums[1], sums[2]), f["percent"])
            totals = [total + value for total, value in zip(totals, sums, strict=True)]
        row += 1
        sheet.write_string(row, 0, self._("Total"), f["total"])
        for column, value in enumerate(totals, start=1):
            sheet.write_number(row, column, value, f["total_integer"])
        sheet.write_number(row, 5, compliance_rate(totals[1], totals[2]), f["total_percent"])
