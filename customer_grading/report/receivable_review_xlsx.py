"""The monthly receivables review as an Excel workbook, built in memory."""

import io
import re

import xlsxwriter

AMOUNT_FORMAT = "#,##0.00"


def workbook(title, subtitle, headers, rows, total_label, amount_columns):
    """Bytes of an .xlsx with one sheet: ``title`` and ``subtitle`` lines, the
    ``headers`` row, one row per item of ``rows`` (plain values), then a
    totals row summing the ``amount_columns`` (indexes), labelled ``total_label``."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
    heading = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    amount = book.add_format({"num_format": AMOUNT_FORMAT})
    total_amount = book.add_format({"num_format": AMOUNT_FORMAT, "bold": True, "top": 1})
    total_text = book.add_format({"bold": True, "top": 1})

    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_string(1, 0, subtitle)
    header_row = 3
    for column, header in enumerate(headers):
        sheet.write_string(header_row, column, header, heading)
        sheet.set_column(column, column, 18 if column in amount_columns else 24)
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if column in amount_columns:
                sheet.write_number(header_row + offset, column, value or 0.0, amount)
            else:
                # text as text: a note starting with "=" is not a formula
                sheet.write_string(header_row + offset, column, value or "")
    total_row = header_row + len(rows) + 1
    sheet.write_string(total_row, 0, total_label, total_text)
    for column in range(1, len(headers)):
        if column in amount_columns:
            total = sum(row[column] or 0.0 for row in rows)
            sheet.write_number(total_row, column, total, total_amount)
        else:
            sheet.write_blank(total_row, column, None, total_text)
    sheet.freeze_panes(header_row + 1, 1)
    if rows:
        sheet.autofilter(header_row, 0, header_row + len(rows), len(headers) - 1)
    book.close()
    return output.getvalue()
