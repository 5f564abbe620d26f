"""Worksheets a person opens in Excel: typed cells, a frozen and filtered header, columns as wide as their values.

Written top to bottom with xlsxwriter (constant_memory mode works: only the rows stream to
disk, the widths and the filter are written when the sheet is closed). A cell's Python type
decides how it is stored and shown: `Yen` as ¥1,234, `Share` as 12.3 %, other numbers with
thousands separators, dates and datetimes as dates; text is neutralised against formulas.
"""

import datetime
import unicodedata

from django.utils import timezone

from ccus.tabular.writing import neutralise

MIN_WIDTH, MAX_WIDTH, FILTER_BUTTON = 8, 60, 3
NUMBER_FORMATS = {
    "date": "yyyy/mm/dd",
    "datetime": "yyyy/mm/dd hh:mm",
    "number": "#,##0",
    "decimal": "#,##0.0",
    "yen": '"¥"#,##0',
    "share": "0.0%",
}


class Yen(int):
    """An amount of money in yen: a number in the workbook, shown as ¥1,234."""


class Share(float):
    """A fraction (0.123): a number in the workbook, shown as 12.3 %."""


def display_width(value) -> int:
    """Columns a value takes in a spreadsheet: full-width characters count twice."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, Share):
        text = f"{value:.1%}"
    elif isinstance(value, int | float):
        text = f"¥{value:,}" if isinstance(value, Yen) else f"{value:,}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "FW" else 1 for char in text)


def formats(workbook) -> dict:
    """The workbook's cell formats, made once per workbook."""
    if not hasattr(workbook, "ccus_formats"):
        workbook.ccus_formats = {
            "bold": workbook.add_format({"bold": True}),
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            **{name: workbook.add_format({"num_format": code}) for name, code in NUMBER_FORMATS.items()},
        }
    return workbook.ccus_formats


class Sheet:
    """A worksheet written top to bottom: lines above a table, whose header is frozen and filtered.

    Column widths follow the longest value of each column (titles aside), with room for the
    filter's button beside each header.
    """

    def __init__(self, workbook, name: str, *, neutralised: bool = False):
        """`neutralised`: the text cells arrive made safe from formulas already (see ccus.tabular.neutralise)."""
        self.sheet, self.formats, self.neutralised = workbook.add_worksheet(name), formats(workbook), neutralised
        self.line, self.widths, self.header_line, self.columns = 0, [], None, 0

    def write_line(self, cells: list, *, style: str = "", labelled: bool = False) -> None:
        """One line; `labelled`: the first cell in `style`, the rest plain. A title does not widen columns."""
        if style != "title":
            self.widths += [0] * (len(cells) - len(self.widths))
            for column, value in enumerate(cells):
                self.widths[column] = max(self.widths[column], display_width(value))
        for column, value in enumerate(cells):
            self._write(column, value, style if column == 0 or not labelled else "")
        self.line += 1

    def title(self, text: str) -> None:
        self.write_line([text], style="title")

    def header(self, cells: list) -> None:
        self.header_line, self.columns = self.line, len(cells)
        self.sheet.freeze_panes(self.line + 1, 0)
        self.write_line(cells, style="bold")
        for column, cell in enumerate(cells):
            self.widths[column] = max(self.widths[column], display_width(cell) + FILTER_BUTTON)

    def row(self, cells: list) -> None:
        self.write_line(cells)

    def close(self) -> None:
        for column, width in enumerate(self.widths):
            self.sheet.set_column(column, column, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
        if self.header_line is not None:
            self.sheet.autofilter(self.header_line, 0, max(self.line - 1, self.header_line), self.columns - 1)

    def _write(self, column: int, value, style: str) -> None:
        if value is None or value == "":
            return
        if isinstance(value, datetime.datetime):
            naive = timezone.make_naive(value) if timezone.is_aware(value) else value
            self.sheet.write_datetime(self.line, column, naive, self.formats["datetime"])
        elif isinstance(value, datetime.date):
            self.sheet.write_datetime(self.line, column, value, self.formats["date"])
        elif isinstance(value, int | float):
            self.sheet.write_number(self.line, column, value, self.formats[_number_format(value)])
        else:
            text = str(value) if self.neutralised else str(neutralise(value))
            self.sheet.write_string(self.line, column, text, self.formats.get(style))


def _number_format(value: int | float) -> str:
    if isinstance(value, Yen):
        return "yen"
    if isinstance(value, Share):
        return "share"
    return "number" if isinstance(value, int) else "decimal"
