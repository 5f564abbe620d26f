"""Spreadsheet files out: formulas neutralised, characters CP932 cannot hold reported.

What `neutralise` adds, `ccus.tabular.table.unneutralise` takes off again on import, so
an exported file imports unchanged.
"""

import codecs
import csv
import io

UTF8_BOM = codecs.BOM_UTF8
# What a cell that would start a formula gets in front of it (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The starts that get a quote: formulas, and a quote itself, so that removing one quote
# on import gives back exactly what was exported (a name typed as '=A1 stays '=A1).
ESCAPED_STARTS = (*FORMULA_STARTS, "'")
# CP932 has no 𠮷 and some 異体字: they are written as the geta mark and reported.
CP932_REPLACEMENT = "〓"


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, made inert with a leading quote."""
    return f"'{value}" if isinstance(value, str) and value.startswith(ESCAPED_STARTS) else value


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
