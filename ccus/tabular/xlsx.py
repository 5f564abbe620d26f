"""XLSX files in, streamed with expat under the limits, before and while anything expands.

openpyxl's reader trusts a sheet's declared dimension, builds a whole row before it
yields it and loads every shared string at once: a 1 MB workbook could expand to
gigabytes in memory. Here the archive's declared sizes and ratios are checked first
(zipfile never inflates a part past its declared size), then each part is parsed in
chunks with expat, with the rows, columns and characters counted as they arrive.

The data must be on one sheet: a workbook whose values are on several sheets, or on a
hidden one, is refused, and so is a formula without its calculated result, or an error
value, since what the file means is then not certain.
"""

import datetime
import posixpath
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from ccus.tabular.limits import MB, RATIO_FLOOR, Limits
from ccus.tabular.table import Header, Table, TabularError, cell_text, shown

CHUNK = 1 << 16
INTEGER = re.compile(r"-?\d+")
ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _refused(part: str) -> Callable:
    def handler(*_args):
        raise TabularError(_("The workbook's part %(part)s declares a DTD or entities. Refused.") % {"part": part})

    return handler


def _parse(archive: zipfile.ZipFile, part: str, start=None, end=None, text=None) -> Iterator[None]:
    """Feed a part to expat a chunk at a time; yields after each chunk (handlers collect)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refused(part)
    parser.EntityDeclHandler = _refused(part)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    try:
        with archive.open(part) as stream:
            while data := stream.read(CHUNK):
                parser.Parse(data, False)
                yield
            parser.Parse(b"", True)
            yield
    except KeyError as error:
        raise TabularError(_("The workbook has no part %(part)s: it is damaged.") % {"part": part}) from error
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        message = _("The workbook's part %(part)s could not be read (%(error)s): it is damaged.")
        raise TabularError(message % {"part": part, "error": error}) from error


def _drain(parsing: Iterator[None]) -> None:
    for _chunk in parsing:
        pass


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse an archive whose parts would expand past the limits, from its declared sizes alone."""
    parts = archive.infolist()
    if len(parts) > limits.parts:
        raise TabularError(
            _("The workbook has %(count)s parts: this is not a spreadsheet. Refused.") % {"count": len(parts)}
        )
    total = 0
    for part in parts:
        total += part.file_size
        if part.flag_bits & 0x1:
            raise TabularError(_("The workbook is encrypted: save it again without a password."))
        if part.file_size > RATIO_FLOOR and part.file_size > limits.ratio * max(part.compress_size, 1):
            message = _(
                "The workbook's part %(part)s expands %(ratio)s times, to %(size)s MB: "
                "a spreadsheet does not compress that well. Refused."
            )
            raise TabularError(
                message
                % {
                    "part": part.filename,
                    "ratio": f"{part.file_size // max(part.compress_size, 1):,}",
                    "size": f"{part.file_size / MB:,.0f}",
                }
            )
        if total > limits.expanded_bytes:
            message = _("The workbook expands to more than %(limit)s MB. Save it as CSV, or split it. Refused.")
            raise TabularError(message % {"limit": f"{limits.expanded_bytes / MB:,.0f}"})


@dataclass
class Sheet:
    name: str
    part: str
    hidden: bool


@dataclass
class Workbook:
    sheets: list[Sheet] = field(default_factory=list)
    shared_strings: str = ""
    styles: str = ""
    epoch: datetime.datetime = WINDOWS_EPOCH


def _relationships(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """{id: (type, part)} of a part's relationships; part paths resolved from the source's folder."""
    folder, name = posixpath.split(source)
    found = {}

    def start(tag, attrs):
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").removeprefix(REL_TYPE), path)

    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels in archive.NameToInfo:
        _drain(_parse(archive, rels, start=start))
    return found


def read_workbook(archive: zipfile.ZipFile) -> Workbook:
    """The workbook's sheets (in order, with their visibility), its shared strings, styles and epoch."""
    document = next(
        (part for kind, part in _relationships(archive, "").values() if kind == "officeDocument"), "xl/workbook.xml"
    )
    rels = _relationships(archive, document)
    workbook = Workbook()
    sheets = []

    def start(tag, attrs):
        tag = _local(tag)
        if tag == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rel, attrs.get("state", "visible") != "visible"))
        elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
            workbook.epoch = MAC_EPOCH

    _drain(_parse(archive, document, start=start))
    for name, rel, hidden in sheets:
        kind, part = rels.get(rel, ("", ""))
        if kind == "worksheet":
            workbook.sheets.append(Sheet(name, part, hidden))
    for kind, part in rels.values():
        if kind == "sharedStrings":
            workbook.shared_strings = part
        elif kind == "styles":
            workbook.styles = part
    return workbook


def date_styles(archive: zipfile.ZipFile, part: str) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date."""
    if not part:
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = []

    def start(tag, attrs):
        tag = _local(tag)
        inside.append(tag)
        if tag == "numFmt":
            custom[int(attrs.get("numFmtId", 0))] = attrs.get("formatCode", "")
        elif tag == "xf" and len(inside) > 1 and inside[-2] == "cellXfs":
            formats.append(int(attrs.get("numFmtId", 0) or 0))

    def end(_tag):
        inside.pop()

    _drain(_parse(archive, part, start=start, end=end))
    return frozenset(
        index
        for index, number in enumerate(formats)
        if is_date_format(custom.get(number) or BUILTIN_FORMATS.get(number) or "General")
    )


def _unescape(text: str) -> str:
    """OOXML writes some characters as _xHHHH_ (a carriage return as _x000D_)."""
    return ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class SharedStrings:
    """Every shared string, as UTF-8 in one buffer: its memory is the part's text, no more."""

    def __init__(self, archive: zipfile.ZipFile, part: str, limits: Limits):
        self.data = bytearray()
        self.ends = array("Q")
        if not part:
            return
        if archive.getinfo(part).file_size > limits.shared_strings_bytes:
            message = _(
                "The workbook's shared strings expand to %(size)s MB, over the limit of %(limit)s MB. "
                "Save it as CSV. Refused."
            )
            raise TabularError(
                message
                % {
                    "size": f"{archive.getinfo(part).file_size / MB:,.0f}",
                    "limit": f"{limits.shared_strings_bytes / MB:,.0f}",
                }
            )
        text: list[str] = []
        state = {"capture": False, "phonetic": False, "length": 0}

        def start(tag, _attrs):
            tag = _local(tag)
            if tag == "si":
                text.clear()
                state["length"] = 0
            elif tag == "rPh":
                state["phonetic"] = True  # furigana: not part of the value
            elif tag == "t":
                state["capture"] = not state["phonetic"]

        def characters(data):
            if state["capture"]:
                state["length"] += len(data)
                if state["length"] > limits.cell_chars:
                    message = _("A text of the workbook has more than %(limit)s characters. Refused.")
                    raise TabularError(message % {"limit": f"{limits.cell_chars:,}"})
                text.append(data)

        def end(tag):
            tag = _local(tag)
            if tag == "t":
                state["capture"] = False
            elif tag == "rPh":
                state["phonetic"] = False
            elif tag == "si":
                self.data += _unescape("".join(text)).encode()
                self.ends.append(len(self.data))

        _drain(_parse(archive, part, start=start, end=end, text=characters))

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.ends):
            raise IndexError(index)
        begin = self.ends[index - 1] if index else 0
        return self.data[begin : self.ends[index]].decode()


def _column(reference: str) -> int:
    """1 for A, 27 for AA: the column of a cell reference such as 'AB12'."""
    number = 0
    for char in reference:
        if not "A" <= char <= "Z":
            break
        number = number * 26 + ord(char) - 64
        if number > 1 << 20:
            break
    return number


class SheetRows:
    """Expat handlers that turn a worksheet into (row number, [cell text]) as it streams."""

    def __init__(self, sheet: Sheet, strings: SharedStrings, dates: frozenset[int], epoch, limits: Limits):
        self.sheet, self.strings, self.dates, self.epoch, self.limits = sheet, strings, dates, epoch, limits
        self.rows: list[tuple[int, list[str]]] = []
        self.number = 0
        self.cells: dict[int, str] = {}
        self.column = 0
        self.kind, self.style = "n", 0
        self.text: list[str] = []
        self.length = 0
        self.capture = self.phonetic = self.has_value = self.has_formula = False
        self.formula: list[str] = []

    def reference(self) -> str:
        return f"{self.sheet.name}!{get_column_letter(min(self.column, 16384))}{self.number}"

    def start(self, tag, attrs):
        tag = _local(tag)
        if tag == "row":
            number = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.number + 1
            if number <= self.number:
                raise TabularError(
                    _("The sheet %(sheet)s has its rows out of order: it is damaged.") % {"sheet": self.sheet.name}
                )
            if number > self.limits.rows + 1:
                message = _("The sheet %(sheet)s has a row %(row)s; a file may have at most %(limit)s rows. Refused.")
                raise TabularError(
                    message % {"sheet": self.sheet.name, "row": f"{number:,}", "limit": f"{self.limits.rows:,}"}
                )
            self.number, self.cells, self.column = number, {}, 0
        elif tag == "c":
            reference = attrs.get("r", "")
            column = _column(reference) if reference else self.column + 1
            if column > self.limits.columns:
                message = _(
                    "Row %(row)s of the sheet %(sheet)s has a cell in column %(column)s; "
                    "a file may have at most %(limit)s columns. Refused."
                )
                raise TabularError(
                    message
                    % {
                        "row": self.number,
                        "sheet": self.sheet.name,
                        "column": f"{column:,}",
                        "limit": self.limits.columns,
                    },
                    row=self.number,
                )
            self.column = max(column, 1)
            self.kind, self.style = attrs.get("t", "n"), int(attrs.get("s", "0") or 0)
            self.text, self.length, self.formula = [], 0, []
            self.has_value = self.has_formula = False
        elif tag in ("v", "t"):
            self.capture = not self.phonetic
            self.has_value = self.has_value or tag == "v"
        elif tag == "f":
            self.has_formula = True
        elif tag == "rPh":
            self.phonetic = True

    def characters(self, data):
        if self.capture:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                message = _("Cell %(cell)s has more than %(limit)s characters. Refused.")
                raise TabularError(message % {"cell": self.reference(), "limit": f"{self.limits.cell_chars:,}"})
            self.text.append(data)
        elif self.has_formula and not self.has_value and sum(map(len, self.formula)) < 60:
            self.formula.append(data)

    def end(self, tag):
        tag = _local(tag)
        if tag in ("v", "t"):
            self.capture = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "c":
            value = self.value()
            if value:
                self.cells[self.column] = value
        elif tag == "row" and self.cells:
            values = [""] * max(self.cells)
            for column, value in self.cells.items():
                values[column - 1] = value
            self.rows.append((self.number, values))

    def value(self) -> str:
        raw = "".join(self.text)
        if self.has_formula and not self.has_value:
            message = _(
                "Cell %(cell)s holds the formula =%(formula)s without its result: open the file in Excel "
                "and save it again, or paste the values instead of the formulas."
            )
            raise TabularError(message % {"cell": self.reference(), "formula": shown("".join(self.formula))})
        try:
            if self.kind == "s":
                return self.strings[int(raw)] if raw else ""
            if self.kind in ("str", "inlineStr"):
                return _unescape(raw)
            if self.kind == "b":
                return "1" if raw.strip() in ("1", "true") else "0"
            if self.kind == "e":
                message = _("Cell %(cell)s holds the error %(error)s instead of a value. Refused.")
                raise TabularError(message % {"cell": self.reference(), "error": shown(raw)})
            if self.kind == "d":
                return cell_text(datetime.datetime.fromisoformat(raw)) if raw else ""
            if not raw:
                return ""
            number = int(raw) if INTEGER.fullmatch(raw) else float(raw)
            if self.style in self.dates:
                return cell_text(from_excel(number, self.epoch))
            return cell_text(float(number) if isinstance(number, float) else number)
        except (ValueError, IndexError, OverflowError) as error:
            message = _("Cell %(cell)s holds %(value)s, which is not a value of its type. The workbook is damaged.")
            raise TabularError(message % {"cell": self.reference(), "value": shown(raw)}) from error

    def stream(self, archive: zipfile.ZipFile) -> Iterator[tuple[int, list[str]]]:
        for _chunk in _parse(archive, self.sheet.part, start=self.start, end=self.end, text=self.characters):
            yield from self.rows
            self.rows.clear()


def _data_sheet(archive, workbook: Workbook, strings, dates, limits) -> Sheet | None:
    """The one sheet that holds values; refused if there are several, or if it is hidden."""
    with_data = []
    for sheet in workbook.sheets:
        rows = SheetRows(sheet, strings, dates, workbook.epoch, limits).stream(archive)
        if next(rows, None) is not None:
            with_data.append(sheet)
        rows.close()
    if len(with_data) > 1:
        message = _(
            "The workbook has data on %(count)s sheets (%(names)s): keep the data on one sheet and delete the others."
        )
        raise TabularError(message % {"count": len(with_data), "names": "、".join(s.name for s in with_data)})
    if with_data and with_data[0].hidden:
        message = _("The workbook's data is on the hidden sheet %(name)s: show it, check it, and save the file again.")
        raise TabularError(message % {"name": with_data[0].name})
    return with_data[0] if with_data else None


@contextmanager
def xlsx_table(stream: BinaryIO, limits: Limits, listing: bool = False) -> Iterator[Table]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise TabularError(_("The file could not be read as XLSX: %(error)s") % {"error": error}) from error
    with archive:
        check_archive(archive, limits)
        workbook = read_workbook(archive)
        strings = SharedStrings(archive, workbook.shared_strings, limits)
        dates = date_styles(archive, workbook.styles)
        sheet = _data_sheet(archive, workbook, strings, dates, limits)
        rows = SheetRows(sheet, strings, dates, workbook.epoch, limits).stream(archive) if sheet else iter(())
        first = next(rows, None)
        header_cells = first[1] if first and first[0] == 1 else []
        if first and first[0] != 1:
            rows = _chain(first, rows)
        header = Header(header_cells, short_rows_allowed=True, listing=listing)
        yield Table(header.names, ((number, header.record(number, values)) for number, values in rows), "XLSX")


def _chain(first, rest):
    yield first
    yield from rest
