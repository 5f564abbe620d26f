"""All-or-nothing imports of tabular files, shared by every kind of row.

A `RowKind` says which columns a file has, how to check a chunk of rows (resolving
references with one query per chunk) and how to write the changes. `run_import`
drives it: every row is checked, every error is collected with its row, column and a
Japanese message, and nothing is written unless every row is good. New kinds (the
renewals' applications, say) only subclass `RowKind`.
"""

import abc
import gc
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason
from ccus.tabular import Table, header_key, shown  # noqa: F401 (shown: the importers' quoting)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# How many planned changes an import keeps for the admin's preview.
PREVIEW_LIMIT = 200
# How many row errors an import keeps to show; the rest are counted (a file of a million
# bad rows must not hold a million messages).
ERRORS_KEPT = 1_000
# Objects allocated between runs of the garbage collector's young generation during an import (700 by default).
YOUNG_OBJECTS = 50_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the column's header; empty when the error is about the whole row
    message: str
    value: str = ""  # the cell as the file has it, when the error is about one cell

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class CellError(Exception):
    """A cell's value cannot be used; the message is shown to the desk."""


class Row:
    """One record of the file while it is being checked."""

    __slots__ = ("cells", "errors", "number", "present")

    def __init__(self, number: int, cells: dict[str, str], present: frozenset[str]):
        self.number = number
        self.cells = cells
        self.present = present  # keys of the columns the file has
        self.errors: list[tuple[str, str]] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append((key, str(message)))

    def fail_validation(self, error: ValidationError, field_to_key: dict[str, str] | None = None) -> None:
        """Record a model ValidationError, each message under its column."""
        for name, messages in error.message_dict.items():
            key = (field_to_key or {}).get(name, name)
            for message in messages:
                self.fail("" if name == "__all__" else key, message)

    def parse(self, key: str, parser, *args) -> Any:
        """parser(cell, *args), recording a CellError under the column; None on error."""
        try:
            return parser(self.cells.get(key, ""), *args)
        except CellError as exc:
            self.fail(key, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(key, message)
        return None


@dataclass
class Change:
    """What importing one row does: its action and, for the preview, the values."""

    row: int
    action: str
    target: Any
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)


class RowKind(abc.ABC):
    """One kind of file. Subclasses set `columns` and implement check and write."""

    name = ""
    columns: tuple[Column, ...] = ()
    chunk_size = 2_000
    # Who runs the import and what it is called in the history of the rows it writes.
    user = None
    operation = ""
    # Whether the preview still has room for this chunk's changes: a kind may skip
    # describing rows (Change.before/after) that only the preview reads.
    previewing = True

    def header(self, key: str) -> str:
        return next((c.header for c in self.columns if c.key == key), key)

    @abc.abstractmethod
    def check(self, rows: list[Row]) -> list[Change]:
        """Check a chunk of rows (recording errors on them) and plan their changes."""

    @abc.abstractmethod
    def write(self, changes: list[Change]) -> None:
        """Write the created and updated rows of a chunk."""

    def finish(self) -> None:  # noqa: B027 (most kinds write everything in `write`)
        """After the last chunk of a good file: write what the chunks staged."""


@dataclass
class Outcome:
    dry_run: bool
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    preview: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    # Errors past ERRORS_KEPT, counted only, and every row with an error.
    more_errors: int = 0
    error_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        numbers = {"rows": self.rows, **{k: self.counts[k] for k in (CREATED, UPDATED, UNCHANGED)}}
        text = _("%(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % numbers
        if not self.ok:
            return _("%(count)s errors in %(rows)s rows; nothing was written") % {
                "count": len(self.errors) + self.more_errors,
                "rows": max(self.error_rows, len({e.row for e in self.errors})),
            }
        if self.dry_run:
            text += _(" (dry run: nothing was written)")
        return text


def match_headers(kind: RowKind, headers: Iterable[str]) -> tuple[dict[str, str], list[RowError]]:
    """Map the file's headers to column keys; errors for required columns it lacks or has twice.

    Twice means under two of its names (商号 and an alias): which one would count is not
    certain, so the file is refused.
    """
    names = {}
    for column in kind.columns:
        for name in (column.header, *column.aliases):
            names[header_key(name)] = column.key
    mapping = {h: names[header_key(h)] for h in headers if header_key(h) in names}
    found = Counter(mapping.values())
    errors = [
        RowError(1, c.header, _("The column is missing from the header row."))
        for c in kind.columns
        if c.required and c.key not in found
    ]
    errors += [
        RowError(
            1,
            kind.header(key),
            _("The column appears twice, as %(names)s; remove one.")
            % {"names": ", ".join(h for h, k in mapping.items() if k == key)},
        )
        for key, count in found.items()
        if count > 1
    ]
    return mapping, errors


def run_import(kind: RowKind, table: Table, *, dry_run: bool, user=None, source: str = "") -> Outcome:
    """Check every row of `table`; write the changes only if there is no error.

    Steps: match the header row; then per chunk of `kind.chunk_size` rows, check
    (the kind resolves references with a query or two per chunk) and, while no error
    has been seen and this is no dry run, write; after the last chunk of a good file,
    `kind.finish()`. Everything happens in one transaction, rolled back at the end if
    any row was bad.
    """
    started = time.monotonic()
    kind.user, kind.operation = user, reason(gettext_noop("import of %(file)s"), file=source or "-")
    outcome = Outcome(dry_run=dry_run)
    mapping, header_errors = match_headers(kind, table.headers)
    if header_errors:
        outcome.errors = header_errors
        return outcome
    present = frozenset(mapping.values())
    with transaction.atomic(), _few_collections():
        chunk: list[Row] = []
        for number, record in table:
            cells = {mapping[h]: v for h, v in record.items() if h in mapping}
            if not any(cells.values()):
                continue
            chunk.append(Row(number, cells, present))
            if len(chunk) >= kind.chunk_size:
                _process(kind, chunk, outcome)
                chunk = []
        if chunk:
            _process(kind, chunk, outcome)
        if not outcome.rows and not outcome.errors:
            outcome.errors.append(RowError(2, "", _("The file has a header row but no data rows.")))
        if outcome.written:
            kind.finish()
        if not outcome.written:
            transaction.set_rollback(True)
    outcome.seconds = time.monotonic() - started
    return outcome


@contextmanager
def _few_collections() -> Iterator[None]:
    """The cyclic garbage collector, kept from walking the heap again and again during an import.

    Rows are dicts and lists by the hundred thousand: at the default threshold the collector
    runs every 700 of them and, every so often, over every object of the process (Django's
    included). Objects older than the import are set aside (gc.freeze) and the young
    generation may grow larger; reference counting still frees each row as it goes.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _process(kind: RowKind, chunk: list[Row], outcome: Outcome) -> None:
    kind.previewing = len(outcome.preview) < PREVIEW_LIMIT
    changes = kind.check(chunk)
    outcome.rows += len(chunk)
    for row in chunk:
        if not row.errors:
            continue
        outcome.error_rows += 1
        room = max(ERRORS_KEPT - len(outcome.errors), 0)
        outcome.errors.extend(
            RowError(row.number, kind.header(key) if key else "", m, row.cells.get(key, "") if key else "")
            for key, m in row.errors[:room]
        )
        outcome.more_errors += max(len(row.errors) - room, 0)
    outcome.counts.update(change.action for change in changes)
    room = PREVIEW_LIMIT - len(outcome.preview)
    if room > 0:
        outcome.preview.extend([c for c in changes if c.action != UNCHANGED][:room])
    if outcome.written:
        kind.write([c for c in changes if c.action != UNCHANGED])
