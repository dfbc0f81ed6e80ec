"""What the Excel exports share: sheet names, number formats, grade colours,
and the download of an export kept as an attachment."""

import re

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"
PERCENT_FORMAT = '0.0" %"'
INTEGER_FORMAT = "#,##0"
HEADING = {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
TITLE = {"bold": True, "font_size": 14}
TOTAL = {"bold": True, "top": 1}

# The grade badge colours (customer.grading.level.color) as cell fill and font.
GRADE_COLOURS = {
    "success": ("#C6EFCE", "#006100"),
    "info": ("#DDEBF7", "#1F4E78"),
    "warning": ("#FFEB9C", "#9C5700"),
    "danger": ("#FFC7CE", "#9C0006"),
    "muted": ("#EDEDED", "#595959"),
}


def sheet_name(name):
    """``name`` as Excel accepts it for a sheet: without []:*?/\\, 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31]


def currency_format(currency):
    """The Excel number format of amounts in ``currency``: its decimals and its
    symbol on its side."""
    digits = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
    symbol = (currency.symbol or currency.name or "").replace('"', "")
    if currency.position == "before":
        return f'"{symbol}"\\ {digits}' if len(symbol) > 1 else f'"{symbol}"{digits}'
    return f'{digits}\\ "{symbol}"'


def grade_formats(book, extra=None):
    """``{colour: format}`` of grade cells, one per badge colour."""
    return {
        colour: book.add_format({"bg_color": fill, "font_color": font, **(extra or {})})
        for colour, (fill, font) in GRADE_COLOURS.items()
    }


def download_action(attachment):
    """The action that downloads ``attachment`` through the web client."""
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{attachment.id}?download=true",
        "target": "self",
    }
