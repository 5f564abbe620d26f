"""A subcontractor list's files: XLSX (summary sheet, then one sheet per prime) and CSV, streamed.

Rows are read from the list's stored rows in order with `.iterator()` and written by
xlsxwriter in constant_memory mode and the csv module, so memory stays flat however
long the list is. Trades are looked up per chunk of rows, one query per chunk.
"""

import csv
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ccus.tabular import neutralise
from outreach.models import Channel, Notice, SubcontractorList, SubcontractorListRow
from registrations.models import Business
from renewals.models import RenewalStatus

CHUNK = 2_000
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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


def _rows(subcontractor_list: SubcontractorList) -> Iterator[tuple[int, list]]:
    """(prime id, cells) for every row, ordered by prime, distance and 事業者ID."""
    rows = (
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
        .order_by("prime__ccus_id", "distance", "business__ccus_id")
        .values_list(
            "prime_id", "prime__ccus_id", "prime__name", "distance", "business_id", "business__ccus_id",
            "business__name", "business__prefecture__name", "expires_on", "renewal_status", "last_contact_at",
            "last_contact_channel", "last_contact_status",
        )
    )  # fmt: skip
    statuses, channels, outcomes = dict(RenewalStatus.choices), dict(Channel.choices), dict(Notice.Status.choices)
    iterator = rows.iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        trades: dict[int, list[str]] = {}
        through = Business.trades.through.objects.filter(business_id__in={row[4] for row in chunk})
        for business_id, name in through.order_by("trade_id").values_list("business_id", "trade__name"):
            trades.setdefault(business_id, []).append(name)
        for (prime_id, prime_ccus, prime_name, distance, business_id, ccus_id, name, prefecture, expires_on,
             status, contact_at, contact_channel, contact_status) in chunk:  # fmt: skip
            contact = timezone.localtime(contact_at).strftime("%Y-%m-%d") if contact_at else ""
            yield prime_id, [
                prime_ccus, prime_name, distance, ccus_id, name, prefecture, "・".join(trades.get(business_id, [])),
                expires_on.isoformat(), (expires_on - subcontractor_list.as_of).days, str(statuses.get(status, status)),
                contact, str(channels.get(contact_channel, contact_channel)),
                str(outcomes.get(contact_status, contact_status)),
            ]  # fmt: skip


def summary(subcontractor_list: SubcontractorList) -> list[dict]:
    """Per prime: its 事業者ID, name and count of listed subcontractors per status."""
    counts = (
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
        .values("prime_id", "prime__ccus_id", "prime__name", "renewal_status")
        .annotate(n=Count("pk"))
        .order_by("prime__ccus_id")
    )
    primes: dict[int, dict] = {}
    for row in counts:
        entry = primes.setdefault(
            row["prime_id"], {"ccus_id": row["prime__ccus_id"], "name": row["prime__name"], "total": 0, "by": {}}
        )
        entry["by"][row["renewal_status"]] = row["n"]
        entry["total"] += row["n"]
    return list(primes.values())


def sheet_name(ccus_id: str, name: str) -> str:
    return SHEET_NAME_FORBIDDEN.sub("_", f"{ccus_id} {name}")[:31]


def _paths(subcontractor_list: SubcontractorList) -> tuple[str, str]:
    target = subcontractor_list.prime.ccus_id if subcontractor_list.prime_id else subcontractor_list.association.code
    as_of = subcontractor_list.as_of
    stem = f"subcontractor_lists/{as_of:%Y/%m}/{subcontractor_list.pk}-{target}-{as_of.isoformat()}"
    return f"{stem}.xlsx", f"{stem}.csv"


def write(subcontractor_list: SubcontractorList) -> tuple[str, str]:
    """Write both files; returns their names relative to MEDIA_ROOT."""
    xlsx_name, csv_name = _paths(subcontractor_list)
    root = Path(settings.MEDIA_ROOT)
    (root / xlsx_name).parent.mkdir(parents=True, exist_ok=True)
    with translation.override("ja"):
        _write_files(subcontractor_list, root / xlsx_name, root / csv_name)
    return xlsx_name, csv_name


def _write_files(subcontractor_list: SubcontractorList, xlsx_path: Path, csv_path: Path) -> None:
    # Written beside the final names and renamed, so a download never sees half a file.
    xlsx_tmp, csv_tmp = xlsx_path.with_suffix(".xlsx.part"), csv_path.with_suffix(".csv.part")
    workbook = xlsxwriter.Workbook(str(xlsx_tmp), {"constant_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    summary_sheet = workbook.add_worksheet(_("Summary"))
    primes = summary(subcontractor_list)
    _write_summary(summary_sheet, subcontractor_list, primes, bold)
    header = headers()
    with csv_tmp.open("w", encoding="utf-8-sig", newline="") as csv_file:
        writer = csv.writer(csv_file)
        writer.writerow(header)
        sheet, current, line = None, None, 0
        if subcontractor_list.scope == SubcontractorList.Scope.PRIME:
            sheet = workbook.add_worksheet(_("Subcontractors"))
            sheet.write_row(0, 0, header, bold)
        for prime_id, cells in _rows(subcontractor_list):
            safe = [neutralise(cell) for cell in cells]
            writer.writerow(safe)
            if subcontractor_list.scope == SubcontractorList.Scope.ASSOCIATION and prime_id != current:
                if sheet is not None:
                    # constant_memory keeps one temp file open per sheet: close finished ones
                    # so an association with thousands of primes stays under the fd limit.
                    sheet._opt_close()
                sheet, current, line = workbook.add_worksheet(sheet_name(cells[0], cells[1])), prime_id, 0
                sheet.write_row(0, 0, header, bold)
            line += 1
            sheet.write_row(line, 0, safe)
    workbook.close()
    os.replace(xlsx_tmp, xlsx_path)
    os.replace(csv_tmp, csv_path)


def _write_summary(sheet, subcontractor_list: SubcontractorList, primes: list[dict], bold) -> None:
    target = subcontractor_list.prime or subcontractor_list.association
    info = [
        (_("Subcontractor renewal list"), str(target)),
        (_("As of"), subcontractor_list.as_of.isoformat()),
        (_("Filter"), _filter_label(subcontractor_list)),
        (_("Built at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("Primes"), len(primes)),
        (_("Rows"), sum(p["total"] for p in primes)),
    ]
    for line, (label, value) in enumerate(info):
        sheet.write(line, 0, label, bold)
        sheet.write(line, 1, neutralise(value))
    statuses = list(RenewalStatus)
    top = len(info) + 1
    sheet.write_row(
        top, 0, [_("Prime business ID"), _("Prime trade name"), _("Rows"), *map(str, [s.label for s in statuses])], bold
    )
    for offset, prime in enumerate(primes, start=1):
        counts = [prime["by"].get(status.value, 0) for status in statuses]
        sheet.write_row(top + offset, 0, [prime["ccus_id"], neutralise(prime["name"]), prime["total"], *counts])


def _filter_label(subcontractor_list: SubcontractorList) -> str:
    if subcontractor_list.row_filter == SubcontractorList.Filter.EXPIRING:
        return _("expiring within %(days)s days") % {"days": subcontractor_list.days}
    return str(SubcontractorList.Filter(subcontractor_list.row_filter).label)
