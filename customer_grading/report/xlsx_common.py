"""What the Excel exports share: sheet names, number formats, grade colours,
a worksheet that writes a streamed row at once, and the download of an export
kept as an attachment."""

import re
from math import isfinite

from xlsxwriter.utility import preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import Worksheet, re_control_chars_1, re_control_chars_2

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


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# what makes a text more than plain text in XML: the characters to escape, and
# what the escapes of xlsxwriter and Excel apply to (see _inline_string)
_NOT_PLAIN = re.compile(r"[\x00-\x08\x0b-\x1f&<>\uFFFE\uFFFF]|_x|^\s|\s$")
_COLUMN_NAMES = [xl_col_to_name(column) for column in range(702)]  # A to ZZ


def _control_character(match):
    return f"_x{ord(match.group(1)):04X}_"


def _inline_string(text):
    """The end of a ``<c>`` element holding ``text``, escaped as xlsxwriter's
    ``constant_memory`` mode writes a string: its ``_xHHHH_`` escapes of
    control characters, and ``xml:space`` where it starts or ends with spaces.
    A text that looks like a rich string (``<r>…</r>``) stays text."""
    if not _NOT_PLAIN.search(text):
        return f' t="inlineStr"><is><t>{text}</t></is></c>'
    text = re_control_chars_1.sub(r"_x005F\1", text)
    text = re_control_chars_2.sub(_control_character, text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if preserve_whitespace(text) else ""
    return f' t="inlineStr"><is><t{space}>{text.translate(_XML_ESCAPES)}</t></is></c>'


class RowWorksheet(Worksheet):
    """A ``constant_memory`` worksheet that also writes a whole row at once.

    Streaming 100,000 results of ~46 cells through ``write_number`` and
    ``write_string`` spends most of its time in xlsxwriter's per-cell path:
    the argument checks, a cell tuple, then a ``<c>`` element built from an
    attribute list with a regular expression per attribute and one file
    write per cell. :meth:`write_cells` writes the same XML for a row in one
    write, several times faster. It reuses xlsxwriter's own row start and
    bounds (``_write_single_row``, ``_check_dimensions``, ``_write_row``) and
    its string escapes; ``TestRowWorksheet`` checks that the file is byte for
    byte the one ``write_number``/``write_string`` make, so that an
    xlsxwriter upgrade that changes them fails a test, not the exports.
    Rows written so are in the order of the sheet, after any row written
    otherwise (as ``constant_memory`` requires anyway).
    """

    def write_cells(self, row, cells):
        """Write row ``row``: ``cells[column]`` is ``None`` (nothing) or
        ``(value, format)``, a string or a finite number with its format or
        ``None``. Returns 0, or -1/-2 as ``write_*`` does for a row out of the
        sheet or already written."""
        if not self.constant_memory:
            raise ValueError("write_cells() streams: constant_memory mode only")
        columns = [column for column, cell in enumerate(cells) if cell is not None]
        if not columns:
            return 0
        if row > self.previous_row:
            self._write_single_row(row)  # the previous row, as write_*() does
        elif self.table.get(row):
            raise ValueError(f"write_cells() writes a whole row: row {row} is already started")
        error = self._check_dimensions(row, columns[0]) or self._check_dimensions(row, columns[-1])
        if error:
            return error
        styles = self.__dict__.setdefault("_cell_styles", {})
        number = row + 1
        parts = []
        append = parts.append
        for column in columns:
            value, cell_format = cells[column]
            style = styles.get(cell_format)
            if style is None:  # numbered on first use, as xlsxwriter does
                style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
                styles[cell_format] = style
            name = _COLUMN_NAMES[column] if column < 702 else xl_col_to_name(column)
            if isinstance(value, str):
                append(f'<c r="{name}{number}"{style}{_inline_string(value[: self.xls_strmax])}')
            elif isfinite(value):
                append(f'<c r="{name}{number}"{style}><v>{value:.16G}</v></c>')
            else:
                raise TypeError("NAN/INF not supported in write_cells()")
        self._write_row(row, None, self.set_rows.get(row))
        self.fh.write("".join(parts))
        self._xml_end_tag("row")
        self.previous_row = row + 1  # this row is written: the next one is pending
        return 0


def download_action(attachment):
    """The action that downloads ``attachment`` through the web client."""
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{attachment.id}?download=true",
        "target": "self",
    }
