"""Spreadsheet files in and out: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX.

Reading detects the format and the encoding itself and streams rows, so a file of
any size is read in flat memory. Writing neutralises spreadsheet formulas and reports
characters that CP932 cannot hold instead of dropping them silently.
"""

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import openpyxl
from django.utils.translation import gettext as _

CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
# What a cell that would start a formula gets in front of it (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# CP932 has no 𠮷 and some 異体字: they are written as the geta mark and reported.
CP932_REPLACEMENT = "〓"


class TabularError(Exception):
    """The file as a whole cannot be read (not a row error)."""


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


def detect_encoding(stream: BinaryIO) -> str:
    """'utf-8-sig', 'utf-8' or 'cp932', by reading the stream once in chunks."""
    stream.seek(0)
    if stream.read(3) == UTF8_BOM:
        stream.seek(0)
        return "utf-8-sig"
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp932"
    stream.seek(0)
    return encoding


def cell_text(value) -> str:
    """An XLSX cell as the text a person typed: whole numbers without '.0', dates ISO."""
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


@contextmanager
def open_table(stream: BinaryIO) -> Iterator[Table]:
    """Open a seekable binary stream (a file on disk or an upload) as a Table."""
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    if magic == b"PK\x03\x04":
        with _xlsx_table(stream) as table:
            yield table
    else:
        with _csv_table(stream) as table:
            yield table


@contextmanager
def _csv_table(stream: BinaryIO) -> Iterator[Table]:
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        try:
            headers = [h.strip() for h in next(reader, [])]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise TabularError(_("The file could not be read as CSV: %(error)s") % {"error": exc}) from exc
        yield Table(headers, _csv_records(reader, headers), f"CSV ({encoding})")
    finally:
        text.detach()


def _csv_records(reader, headers: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    number = 1
    try:
        for values in reader:
            number += 1
            yield number, dict(zip(headers, map(str.strip, values), strict=False))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TabularError(_("Row %(row)s could not be read: %(error)s") % {"row": number + 1, "error": exc}) from exc


@contextmanager
def _xlsx_table(stream: BinaryIO) -> Iterator[Table]:
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise TabularError(_("The file could not be read as XLSX: %(error)s") % {"error": exc}) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = [cell_text(v) for v in next(rows, ())]
        while headers and not headers[-1]:
            headers.pop()
        records = (
            (number, dict(zip(headers, map(cell_text, values), strict=False)))
            for number, values in enumerate(rows, start=2)
        )
        yield Table(headers, records, "XLSX")
    finally:
        workbook.close()


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, made inert with a leading quote."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_cp932(value: str) -> tuple[str, list[str]]:
    """The value with characters CP932 cannot hold replaced, and those characters."""
    try:
        value.encode("cp932")
    except UnicodeEncodeError:
        missing = []
        kept = []
        for char in value:
            try:
                char.encode("cp932")
                kept.append(char)
            except UnicodeEncodeError:
                missing.append(char)
                kept.append(CP932_REPLACEMENT)
        return "".join(kept), missing
    return value, []


class CsvLines:
    """Encodes rows as CSV lines one at a time, for streaming responses and files."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def line(self, cells: list[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue().encode(self.encoding)
