"""CSV files in: the encoding detected, lines split and decoded one at a time, limits enforced.

A line is never longer than `Limits.line_bytes` in memory, so a gigabyte without a line
break is refused after the first megabyte. A byte the file's encoding cannot hold is
reported at its row and line, and a file that mixes line breaks between rows is refused.
"""

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

from ccus.tabular.limits import Limits
from ccus.tabular.table import Header, Table, TabularError, shown
from ccus.tabular.writing import UTF8_BOM

CHUNK = 1 << 20
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
ENDINGS = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
ENCODING_NAMES = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Excel (.xls)
# Records are bounded by Lines (Limits.line_bytes) and cells by Limits.cell_chars, checked
# with the cell in hand to quote it; the csv module's own cell limit would only get first.
csv.field_size_limit(sys.maxsize)


def detect_encoding(stream: BinaryIO, limits: Limits) -> str:
    """'utf-8-sig', 'utf-8' or 'cp932', by reading the stream once in chunks.

    A file with a few bytes that are not UTF-8 among many UTF-8 characters is UTF-8 with
    stray bytes (reported at their row when read), not CP932. A line over the limit is
    refused here already, before the whole file has been read.
    """
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    if head[:2] in UTF16_BOMS:
        raise TabularError(_("The file is UTF-16 text: save it as CSV in UTF-8 or Shift_JIS (CP932)."))
    if head == OLE_MAGIC:
        raise TabularError(_("The file is an old Excel workbook (.xls): save it as .xlsx or as CSV."))
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    invalid = non_ascii = breaks = run = 0
    while True:
        chunk = stream.read(CHUNK)
        last_break = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        run = run + len(chunk) if last_break < 0 else len(chunk) - last_break - 1
        if run > limits.line_bytes:
            _too_long(max(chunk.count(b"\n"), chunk.count(b"\r")) + breaks + 1, limits.line_bytes)
        breaks += max(chunk.count(b"\n"), chunk.count(b"\r"))
        text = decoder.decode(chunk, final=not chunk)
        invalid += text.count("\ufffd")
        non_ascii += len(text) - len(text.encode("ascii", "ignore"))
        if not chunk:
            break
    stream.seek(0)
    return "utf-8" if not invalid or non_ascii - invalid > invalid else "cp932"


class Lines:
    """The stream's physical lines, each decoded alone and at most `line_bytes` long.

    The reader sets `row` before asking for a record, so errors name the row; `ending`
    is the line break of the last line handed out.
    """

    def __init__(self, stream: BinaryIO, encoding: str, limits: Limits):
        self.stream = stream
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.limit = limits.line_bytes
        self.row = 1
        self.line = 0
        self.ending = ""
        self.record_bytes = 0
        stream.seek(len(UTF8_BOM) if encoding == "utf-8-sig" else 0)

    def __iter__(self) -> Iterator[str]:
        buffer = b""
        while True:
            chunk = self.stream.read(CHUNK)
            buffer += chunk
            start = 0
            for match in LINE_BREAK.finditer(buffer):
                if match.end() == len(buffer) and chunk and match.group() == b"\r":
                    break  # a CR at the chunk's end may be the first half of a CRLF
                yield self._decode(buffer[start : match.end()], match.group())
                start = match.end()
            buffer = buffer[start:]
            if len(buffer) > self.limit:
                _too_long(self.row, self.limit)
            if not chunk:
                if buffer:
                    yield self._decode(buffer, b"")
                return

    def _decode(self, line: bytes, ending: bytes) -> str:
        self.line += 1
        self.record_bytes += len(line)
        if self.record_bytes > self.limit:
            _too_long(self.row, self.limit)
        self.ending = ending.decode("ascii")
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError as error:
            message = _(
                "Row %(row)s (line %(line)s of the file) has a byte that is not %(encoding)s text (0x%(byte)02X): "
                "the rest of the file is %(encoding)s. Correct that character, or save the file again as CSV."
            )
            raise TabularError(
                message
                % {
                    "row": self.row,
                    "line": self.line,
                    "encoding": ENCODING_NAMES[self.encoding],
                    "byte": line[error.start],
                },
                row=self.row,
            ) from error


def _too_long(row: int, limit: int):
    message = _("Row %(row)s is longer than %(limit)s MB without a line break: this is not a list of rows. Refused.")
    raise TabularError(message % {"row": row, "limit": f"{limit / 1024 / 1024:g}"}, row=row)


@contextmanager
def csv_table(stream: BinaryIO, limits: Limits, listing: bool = False) -> Iterator[Table]:
    encoding = detect_encoding(stream, limits)
    lines = Lines(stream, encoding, limits)
    reader = csv.reader(iter(lines), strict=True)
    header = Header(_next(reader, lines, 1, limits) or [], short_rows_allowed=False, listing=listing)
    yield Table(header.names, _records(reader, lines, header, limits), f"CSV ({encoding})")


def _records(reader, lines: Lines, header: Header, limits: Limits) -> Iterator[tuple[int, dict[str, str]]]:
    expected = lines.ending
    number = 1
    while True:
        number += 1
        values = _next(reader, lines, number, limits)
        if values is None:
            return
        if number > limits.rows + 1:
            raise TabularError(_("The file has more than %(limit)s rows. Refused.") % {"limit": f"{limits.rows:,}"})
        if lines.ending and expected and lines.ending != expected:
            message = _(
                "Row %(row)s ends with a different line break (%(found)s) from the rows above (%(expected)s): "
                "the file mixes line endings. Save it again as CSV."
            )
            raise TabularError(
                message % {"row": number, "found": ENDINGS[lines.ending], "expected": ENDINGS[expected]}, row=number
            )
        expected = expected or lines.ending
        yield number, header.record(number, values)


def _next(reader, lines: Lines, number: int, limits: Limits) -> list[str] | None:
    """The next record's cells, each checked against the limits, or None at the end."""
    lines.row, lines.record_bytes = number, 0
    try:
        values = next(reader, None)
    except csv.Error as error:
        message = (
            _("Row %(row)s has a cell longer than %(limit)s characters. Refused.")
            if "field limit" in str(error)
            else _("Row %(row)s could not be read as CSV: a quote is not closed, or text follows a closing quote.")
        )
        raise TabularError(message % {"row": number, "limit": f"{limits.cell_chars:,}"}, row=number) from error
    if values is None:
        return None
    if len(values) > limits.columns:
        message = _("Row %(row)s has %(cells)s cells; a file may have at most %(limit)s columns. Refused.")
        raise TabularError(message % {"row": number, "cells": f"{len(values):,}", "limit": limits.columns}, row=number)
    for index, value in enumerate(values):
        if len(value) > limits.cell_chars:
            message = _("Row %(row)s, column %(column)s has more than %(limit)s characters (%(start)s). Refused.")
            raise TabularError(
                message
                % {
                    "row": number,
                    "column": get_column_letter(index + 1),
                    "limit": f"{limits.cell_chars:,}",
                    "start": shown(value),
                },
                row=number,
            )
    return values
