"""The one reader of every uploaded or imported table: CSV or XLSX, detected from the file."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ccus.tabular import limits
from ccus.tabular.table import Table
from ccus.tabular.text import csv_table
from ccus.tabular.xlsx import xlsx_table


@contextmanager
def open_table(stream: BinaryIO, *, listing: bool = False) -> Iterator[Table]:
    """Open a seekable binary stream (a file on disk or an upload) as a Table.

    `listing`: a list whose header is optional (its first row may be data); records are
    then keyed by column index and the row shape is not checked against the first row.

    Raises TabularError, with a message for the desk, for a file that cannot be read, is
    over the limits (ccus/tabular/limits.py) or whose structure is not certain.
    """
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    reader = xlsx_table if magic == b"PK\x03\x04" else csv_table
    with reader(stream, limits.current(), listing) as table:
        yield table
