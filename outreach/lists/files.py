"""A subcontractor list's files: an XLSX workbook and two CSVs (UTF-8 with BOM, and CP932 for Excel).

Rows are read from the list's stored rows in order with `.iterator()` and written by
xlsxwriter in constant_memory mode and the csv module, so memory stays flat however
long the list is. Trades are looked up per chunk of rows, one query per chunk.

Each prime's rows come in the order a prime chases them: direct subcontractors first,
then each tier by urgency (those without an application before those with one, the
earliest expiry first, so the lapsed lead). The workbook has a 概要 sheet, then one sheet
per prime that opens with that prime's counts (expiring within 30/60/90 days, lapsed)
above a table with a frozen header and a filter; dates are dates and days are numbers.
The CP932 file writes characters CP932 cannot hold as 〓 and lists each on the list.
"""

import csv
import datetime
import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ccus.tabular import neutralise
from ccus.tabular.sheets import Sheet
from ccus.tabular.writing import CsvLines, to_cp932
from outreach.models import Channel, ContactOutcome, SubcontractorList, SubcontractorListRow
from registrations.models import Business
from renewals.models import RenewalStatus

CHUNK = 2_000
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
URGENCY_DAYS = (30, 60, 90)
# A subcontractor with an application in is less urgent than one without, whatever its expiry.
APPLIED = [RenewalStatus.PENDING, RenewalStatus.RENEWED, RenewalStatus.EXPIRED_PENDING]
MAX_PROBLEMS = 1_000
PROGRESS_ROWS = 20_000
Progress = Callable[[int, int], None]


def headers() -> list[str]:
    return [
        _("Prime business ID"),
        _("Prime trade name"),
        _("Distance (1 = direct)"),
        _("Business ID (事業者ID)"),
        _("Trade name (商号)"),
        _("Prefecture"),
        _("Trades"),
        _("Expires on"),
        _("Days left"),
        _("Renewal status"),
        _("Last contact"),
        _("Last contact by"),
        _("Outcome"),
    ]


@dataclass
class Written:
    """The names (relative to MEDIA_ROOT) of a list's files, and the CP932 file's replaced characters."""

    xlsx: str
    csv: str
    csv_cp932: str
    cp932_problems: list[str] = field(default_factory=list)


def ordered_rows(subcontractor_list: SubcontractorList):
    """The list's rows by prime, tier, then urgency: no application before one, earliest expiry first."""
    applied = Case(When(renewal_status__in=APPLIED, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
        .annotate(applied=applied)
        .order_by("prime__ccus_id", "distance", "applied", "expires_on", "business__ccus_id")
    )


def _rows(subcontractor_list: SubcontractorList) -> Iterator[tuple[int, list]]:
    """(prime id, typed cells) for every row, in ordered_rows' order; dates are dates, days are numbers."""
    rows = ordered_rows(subcontractor_list).values_list(
        "prime_id", "prime__ccus_id", "prime__name", "distance", "business_id", "business__ccus_id",
        "business__name", "business__prefecture__name", "expires_on", "renewal_status", "last_contact_at",
        "last_contact_channel", "last_contact_status",
    )  # fmt: skip
    statuses, channels = dict(RenewalStatus.choices), dict(Channel.choices)
    outcomes = dict(ContactOutcome.choices)
    iterator = rows.iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        trades: dict[int, list[str]] = {}
        through = Business.trades.through.objects.filter(business_id__in={row[4] for row in chunk})
        for business_id, name in through.order_by("trade_id").values_list("business_id", "trade__name"):
            trades.setdefault(business_id, []).append(name)
        for (prime_id, prime_ccus, prime_name, distance, business_id, ccus_id, name, prefecture, expires_on,
             status, contact_at, contact_channel, contact_status) in chunk:  # fmt: skip
            contact = timezone.localtime(contact_at).date() if contact_at else None
            yield prime_id, [
                prime_ccus, prime_name, distance, ccus_id, name, prefecture, "・".join(trades.get(business_id, [])),
                expires_on, (expires_on - subcontractor_list.as_of).days, str(statuses.get(status, status)),
                contact, str(channels.get(contact_channel, contact_channel)),
                str(outcomes.get(contact_status, contact_status)),
            ]  # fmt: skip


def csv_cells(cells: list) -> list:
    """A row as the CSV files write it: dates as YYYY-MM-DD, no date as empty, formulas neutralised."""
    return [
        cell.isoformat() if isinstance(cell, datetime.date) else "" if cell is None else neutralise(cell)
        for cell in cells
    ]


def urgency_labels() -> list[str]:
    return [*(_("expire within %(days)s days") % {"days": days} for days in URGENCY_DAYS), _("lapsed")]


def urgency_counts(subcontractor_list: SubcontractorList) -> dict[int, list[int]]:
    """Per prime: listed subcontractors expiring within 30, 60 and 90 days of the list's date, and lapsed."""
    as_of = subcontractor_list.as_of
    not_lapsed = ~Q(renewal_status=RenewalStatus.LAPSED)
    within = {
        f"d{days}": Count(
            "pk",
            filter=not_lapsed & Q(expires_on__gte=as_of, expires_on__lte=as_of + datetime.timedelta(days=days)),
        )
        for days in URGENCY_DAYS
    }
    rows = (
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
        .values("prime_id")
        .annotate(**within, lapsed=Count("pk", filter=Q(renewal_status=RenewalStatus.LAPSED)))
        .order_by()
    )
    return {row["prime_id"]: [*(row[f"d{days}"] for days in URGENCY_DAYS), row["lapsed"]] for row in rows}


def summary(subcontractor_list: SubcontractorList) -> list[dict]:
    """Per prime: its 事業者ID, name, count of listed subcontractors per status, and its urgency counts."""
    counts = (
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
        .values("prime_id", "prime__ccus_id", "prime__name", "renewal_status")
        .annotate(n=Count("pk"))
        .order_by("prime__ccus_id")
    )
    urgency = urgency_counts(subcontractor_list)
    primes: dict[int, dict] = {}
    for row in counts:
        entry = primes.setdefault(
            row["prime_id"],
            {
                "ccus_id": row["prime__ccus_id"],
                "name": row["prime__name"],
                "total": 0,
                "by": {},
                "urgency": urgency.get(row["prime_id"], [0] * (len(URGENCY_DAYS) + 1)),
            },
        )
        entry["by"][row["renewal_status"]] = row["n"]
        entry["total"] += row["n"]
    return list(primes.values())


def sheet_name(ccus_id: str, name: str) -> str:
    """The prime's name (shortened) and its 事業者ID, which keeps the names of two primes apart."""
    return SHEET_NAME_FORBIDDEN.sub("_", f"{name[: 31 - len(ccus_id) - 1]} {ccus_id}")


def _paths(subcontractor_list: SubcontractorList) -> tuple[str, str, str]:
    target = subcontractor_list.prime.ccus_id if subcontractor_list.prime_id else subcontractor_list.association.code
    as_of = subcontractor_list.as_of
    stem = f"subcontractor_lists/{as_of:%Y/%m}/{subcontractor_list.pk}-{target}-{as_of.isoformat()}"
    return f"{stem}.xlsx", f"{stem}.csv", f"{stem}-sjis.csv"


def write(subcontractor_list: SubcontractorList, on_progress: Progress | None = None) -> Written:
    """Write the three files; returns their names relative to MEDIA_ROOT. `on_progress(primes, rows)`
    hears the primes and rows written so far, every PROGRESS_ROWS rows and at the end."""
    written = Written(*_paths(subcontractor_list))
    root = Path(settings.MEDIA_ROOT)
    (root / written.xlsx).parent.mkdir(parents=True, exist_ok=True)
    with translation.override("ja"):
        written.cp932_problems = _write_files(
            subcontractor_list, root / written.xlsx, root / written.csv, root / written.csv_cp932, on_progress
        )
    return written


class Cp932Writer:
    """CSV lines in CP932; a character it cannot hold is written as 〓 and reported by row and column."""

    def __init__(self, out, header: list[str]):
        self.out, self.header, self.lines = out, header, CsvLines("cp932")
        self.number, self.problems, self.more = 1, [], 0  # the header is line 1
        out.write(self.lines.line(header))

    def row(self, cells: list[str]) -> None:
        self.number += 1
        try:
            self.out.write(self.lines.line(cells))
            return
        except UnicodeEncodeError:
            pass
        kept = []
        for cell, column in zip(cells, self.header, strict=True):
            text, missing = to_cp932(str(cell))
            kept.append(text)
            for char in missing:
                self._report(column, char)
        self.out.write(self.lines.line(kept))

    def _report(self, column: str, char: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more += 1
            return
        self.problems.append(
            _("Row %(row)s, column %(column)s: %(char)s (U+%(code)04X) written as 〓")
            % {"row": self.number, "column": column, "char": char, "code": ord(char)}
        )

    def report(self) -> list[str]:
        if self.more:
            return [*self.problems, _("… and %(count)s more characters written as 〓") % {"count": self.more}]
        return self.problems


def _write_files(
    subcontractor_list: SubcontractorList, xlsx_path: Path, csv_path: Path, sjis_path: Path, on_progress
) -> list:
    # Written beside the final names and renamed, so a download never sees half a file.
    parts = [path.with_name(path.name + ".part") for path in (xlsx_path, csv_path, sjis_path)]
    workbook = xlsxwriter.Workbook(str(parts[0]), {"constant_memory": True, "strings_to_formulas": False})
    primes = summary(subcontractor_list)
    _write_summary(Sheet(workbook, _("Summary")), subcontractor_list, primes)
    by_prime = {prime["ccus_id"]: prime for prime in primes}
    header = headers()
    with parts[1].open("w", encoding="utf-8-sig", newline="") as csv_file, parts[2].open("wb") as sjis_file:
        writer, sjis = csv.writer(csv_file), Cp932Writer(sjis_file, header)
        writer.writerow(header)
        sheet, current = None, None
        primes_done, rows_done = 0, 0
        if subcontractor_list.scope == SubcontractorList.Scope.PRIME:
            sheet = _prime_sheet(
                workbook, _("Subcontractors"), subcontractor_list, _own_prime(subcontractor_list, primes), header
            )
        for prime_id, cells in _rows(subcontractor_list):
            rows_done += 1
            if prime_id != current:
                primes_done += 1
            if on_progress and rows_done % PROGRESS_ROWS == 0:
                on_progress(primes_done - 1, rows_done)
            text = csv_cells(cells)
            writer.writerow(text)
            sjis.row(text)
            if subcontractor_list.scope == SubcontractorList.Scope.ASSOCIATION and prime_id != current:
                if sheet is not None:
                    sheet.close()
                    # constant_memory keeps one temp file open per sheet: close finished ones
                    # so an association with thousands of primes stays under the fd limit.
                    sheet.sheet._opt_close()
                name = sheet_name(cells[0], cells[1])
                sheet = _prime_sheet(workbook, name, subcontractor_list, by_prime[cells[0]], header)
            current = prime_id
            sheet.row(cells)
    if sheet is not None:
        sheet.close()
    workbook.close()
    if on_progress:
        on_progress(primes_done, rows_done)
    for part, path in zip(parts, (xlsx_path, csv_path, sjis_path), strict=True):
        os.replace(part, path)
    return sjis.report()


def _own_prime(subcontractor_list: SubcontractorList, primes: list[dict]) -> dict:
    """A prime's own list: its summary entry, or zero counts when nothing matched the filter."""
    if primes:
        return primes[0]
    prime = subcontractor_list.prime
    return {"ccus_id": prime.ccus_id, "name": prime.name, "urgency": [0] * (len(URGENCY_DAYS) + 1)}


def _prime_sheet(workbook, name, subcontractor_list, prime: dict, header) -> Sheet:
    """A prime's sheet: what it is, its counts by urgency, then the table's header."""
    sheet = Sheet(workbook, name)
    title = _("Subcontractors of %(prime)s (%(id)s): renewal status") % {"prime": prime["name"], "id": prime["ccus_id"]}
    sheet.title(title)
    sheet.write_line(
        [_("As of"), subcontractor_list.as_of, _filter_label(subcontractor_list)], style="bold", labelled=True
    )
    sheet.write_line(urgency_labels(), style="bold")
    sheet.write_line(prime["urgency"])
    sheet.write_line([])
    sheet.header(header)
    return sheet


def _write_summary(sheet: Sheet, subcontractor_list: SubcontractorList, primes: list[dict]) -> None:
    target = subcontractor_list.prime or subcontractor_list.association
    info = [
        (_("Subcontractor renewal list"), str(target)),
        (_("As of"), subcontractor_list.as_of),
        (_("Filter"), _filter_label(subcontractor_list)),
        (_("Built at"), timezone.localtime()),
        (_("Primes"), len(primes)),
        (_("Rows"), sum(p["total"] for p in primes)),
    ]
    for label, value in info:
        sheet.write_line([label, value], style="bold", labelled=True)
    sheet.write_line([])
    statuses = list(RenewalStatus)
    sheet.header(
        [
            _("Prime business ID"),
            _("Prime trade name"),
            _("Rows"),
            *urgency_labels()[: len(URGENCY_DAYS)],  # the lapsed are a status column already
            *(str(s.label) for s in statuses),
        ]
    )
    for prime in primes:
        counts = [prime["by"].get(status.value, 0) for status in statuses]
        within = prime["urgency"][: len(URGENCY_DAYS)]
        sheet.row([prime["ccus_id"], prime["name"], prime["total"], *within, *counts])
    sheet.close()


def _filter_label(subcontractor_list: SubcontractorList) -> str:
    if subcontractor_list.row_filter == SubcontractorList.Filter.EXPIRING:
        return _("expiring within %(days)s days") % {"days": subcontractor_list.days}
    return str(SubcontractorList.Filter(subcontractor_list.row_filter).label)
