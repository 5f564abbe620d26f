"""What every reader yields, and the rules that give a file's rows one certain meaning.

The CSV and the XLSX reader both hand their rows to `Header.record`, so a header with a
column twice, a value outside the header's columns or a row that is short of cells is
refused the same way in every import, with the row named.
"""

import datetime
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

from ccus.tabular.writing import ESCAPED_STARTS


class TabularError(Exception):
    """The file as a whole cannot be read (not a row error); the message names the problem.

    `row` is the row the reader had reached, when it had reached one.
    """

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass
class Table:
    """A header row and the records below it, numbered as a spreadsheet shows them.

    Iterating yields `(row_number, {header: text})`; the header is row 1. Blank
    records are kept (the importer skips them) so that numbers stay true.
    """

    headers: list[str]
    records: Iterator[tuple[int, dict[str, str]]]
    format: str

    def __iter__(self):
        return self.records


def header_key(name: str) -> str:
    """A header as the importers compare it: NFKC, no surrounding spaces, lower case."""
    return unicodedata.normalize("NFKC", name or "").strip().lower()


def shown(value: str, limit: int = 40) -> str:
    """A cell as an error message quotes it: control characters made visible, long values cut."""
    text = "".join(char if char.isprintable() else "\ufffd" for char in value[:limit])
    return text + "…" if len(value) > limit else text


def unneutralise(value: str) -> str:
    """Undo exactly what writing.neutralise did: one quote before a character it escapes."""
    if len(value) > 1 and value[0] == "'" and value[1] in ESCAPED_STARTS:
        return value[1:]
    return value


def cell_text(value) -> str:
    """A typed cell value as the text a person typed: whole numbers without '.0', dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class Header:
    """The header row, and the check of every record against it."""

    def __init__(self, cells: list[str], *, short_rows_allowed: bool, listing: bool = False):
        names = [cell.strip() for cell in cells]
        while names and not names[-1]:
            names.pop()  # Excel pads every row to the widest one: trailing empty headers are padding
        self.names = names
        self.width = len(names)
        # A CSV row short of cells has lost a separator; an XLSX row simply has empty cells.
        self.short_rows_allowed = short_rows_allowed
        # A list (bounces, returned mail) may have no header: its first row may be data, and
        # its records are keyed by column index (0 for column A).
        self.listing = listing
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            if not name or listing:
                continue
            key = header_key(name)
            if key in seen:
                message = _("Row 1: the column %(name)s appears twice (columns %(first)s and %(second)s); remove one.")
                raise TabularError(
                    message
                    % {"name": name, "first": get_column_letter(seen[key] + 1), "second": get_column_letter(index + 1)}
                )
            seen[key] = index

    def record(self, number: int, values: list[str]) -> dict:
        """The row as {header: text}, or TabularError if its meaning is not certain."""
        values = [value.strip() for value in values]
        if self.listing:
            return {index: unneutralise(value) for index, value in enumerate(values)}
        if not any(values):
            return dict.fromkeys((name for name in self.names if name), "")
        if not self.width:
            raise TabularError(
                _("Row 1, the header row, is empty but row %(row)s has data: put the header in the first row.")
                % {"row": number},
                row=number,
            )
        if len(values) < self.width and not self.short_rows_allowed:
            message = _(
                "Row %(row)s has %(cells)s cells but the header has %(width)s: "
                "a separator or a quote is missing or extra in that row."
            )
            raise TabularError(message % {"row": number, "cells": len(values), "width": self.width}, row=number)
        for index, value in enumerate(values):
            if value and (index >= self.width or not self.names[index]):
                message = (
                    _("Row %(row)s has a value in column %(column)s, right of the last column with a header.")
                    if index >= self.width
                    else _("Row %(row)s has a value in column %(column)s, which has no header.")
                )
                raise TabularError(message % {"row": number, "column": get_column_letter(index + 1)}, row=number)
        cells = dict.fromkeys((name for name in self.names if name), "")
        for name, value in zip(self.names, values, strict=False):
            if name:
                cells[name] = unneutralise(value)
        return cells
