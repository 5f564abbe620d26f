"""Spreadsheet files in and out: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX.

Reading (`open_table`) detects the format and the encoding itself and streams rows
under the limits of `ccus.tabular.limits`, so any file is read, or refused, in bounded
memory. Writing neutralises spreadsheet formulas, and reading undoes exactly that.
"""

from ccus.tabular.reading import open_table
from ccus.tabular.table import Table, TabularError, cell_text, header_key, shown, unneutralise
from ccus.tabular.writing import (
    CP932_REPLACEMENT,
    ESCAPED_STARTS,
    FORMULA_STARTS,
    UTF8_BOM,
    CsvLines,
    neutralise,
    to_cp932,
)

__all__ = [
    "CP932_REPLACEMENT",
    "ESCAPED_STARTS",
    "FORMULA_STARTS",
    "UTF8_BOM",
    "CsvLines",
    "Table",
    "TabularError",
    "cell_text",
    "header_key",
    "neutralise",
    "open_table",
    "shown",
    "to_cp932",
    "unneutralise",
]
