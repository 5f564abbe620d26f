"""Exports of the register: rows in the interchange format, streamed or built in the background.

An export's columns are the import's (registrations/imports.py), so an exported file
imports back unchanged. Small UTF-8 CSV exports stream to the browser; CP932 CSV,
XLSX and anything large become an ExportJob that a Celery task writes into a file
under MEDIA_ROOT, with progress the admin shows.
"""

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ccus import security
from ccus.tabular import CsvLines, neutralise, to_cp932
from registrations import changelist, export_sql
from registrations.imports import BusinessRows
from registrations.models import Association, Business, DownloadLog, ExportJob, Membership, Prefecture, Trade

HEADERS = [column.header for column in BusinessRows.columns]
# Rows fetched per query while exporting, and how often progress is saved.
EXPORT_CHUNK = 2_000
EXPORT_FIELDS = (
    "pk", "ccus_id", "corporate_number", "name", "name_kana", "representative", "capital", "is_sole_proprietor",
    "entity_type", "postal_code", "prefecture_id", "address", "phone", "email", "permit_number", "registered_on",
    "expires_on",
)  # fmt: skip


def business_rows(queryset: QuerySet) -> Iterator[list[str]]:
    """Each business as the cells of an import row, formulas neutralised.

    Plain tuples and one lookup query per chunk for trades and memberships: building
    model instances and prefetching was most of an export's time.
    """
    prefectures = dict(Prefecture.objects.values_list("code", "name"))
    trade_names = dict(Trade.objects.values_list("code", "name"))
    association_codes = dict(Association.objects.values_list("pk", "code"))
    corporation = Business.EntityType.CORPORATION
    rows = queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(itertools.islice(rows, EXPORT_CHUNK)):
        ids = [row[0] for row in chunk]
        trades: dict[int, list[str]] = defaultdict(list)
        for business_id, code in _pairs(Business.trades.through, "trade_id", ids):
            trades[business_id].append(code)
        associations: dict[int, list[str]] = defaultdict(list)
        for business_id, association_id in _pairs(Membership, "association_id", ids):
            associations[business_id].append(association_codes[association_id])
        for pk, ccus_id, corporate, name, kana, rep, capital, sole, entity, postal, pref, *rest in chunk:
            address, phone, email, permit, registered_on, expires_on = rest
            cells = [
                ccus_id,
                corporate,
                name,
                kana,
                rep,
                "" if capital is None else str(capital),
                "1" if sole else "0",
                "法人" if entity == corporation else "個人",
                f"{postal[:3]}-{postal[3:]}",
                prefectures[pref],
                address,
                phone,
                email,
                "・".join(trade_names[code] for code in sorted(trades[pk])),
                permit,
                registered_on.isoformat(),
                expires_on.isoformat(),
                " ".join(sorted(associations[pk])),
            ]
            yield [neutralise(cell) for cell in cells]


def _pairs(model, column: str, ids: list[int]) -> list[tuple]:
    """(business_id, column) of the chunk's rows in `model`.

    One array parameter on PostgreSQL: preparing 2,000 IN parameters took longer than
    fetching the rows.
    """
    if connection.vendor != "postgresql":
        return list(model.objects.filter(business_id__in=ids).values_list("business_id", column))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT business_id, {column} FROM {model._meta.db_table} WHERE business_id = ANY(%s)", [ids])
        return cursor.fetchall()


def export_csv_stream(*, queryset: QuerySet) -> Iterator[bytes]:
    """A UTF-8 CSV with BOM (what Excel opens without asking), line by line."""
    lines = CsvLines("utf-8")
    yield "\ufeff".encode() + lines.line(HEADERS)
    for cells in business_rows(queryset):
        yield lines.line(cells)


def export_write(*, job_id: int) -> None:
    """Write a queued export's file, saving progress as it goes.

    Claims the job (queued → running) so that a duplicate delivery does nothing, rebuilds
    its rows from the stored list parameters (registrations.changelist), then writes the
    file, then stores it with the CP932 report and marks the job done.
    """
    if not ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(status=ExportJob.Status.RUNNING):
        return
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        queryset = changelist.rows(user=job.created_by, params=job.params)
    except changelist.ExportRefused as refused:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(refused), finished_at=timezone.now()
        )
        return
    extension = "xlsx" if job.format == ExportJob.Format.XLSX else "csv"
    # Written in place under MEDIA_ROOT: the file is never held in memory.
    name = f"exports/businesses-{job.pk}-{timezone.localtime():%Y%m%d-%H%M%S}.{extension}"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        if job.format == ExportJob.Format.XLSX:
            _write_xlsx(job, queryset, path)
        else:
            _write_csv(job, queryset, path, problems)
    except Exception as exc:
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise
    job.file.name = name
    job.problems = "\n".join(problems)
    job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "problems", "status", "written", "finished_at"])


def _progress(job: ExportJob, written: int) -> None:
    job.written = written
    if written % EXPORT_CHUNK == 0:
        ExportJob.objects.filter(pk=job.pk).update(written=written)


def _write_csv(job: ExportJob, queryset: QuerySet, path, problems: list[str]) -> None:
    if connection.vendor == "postgresql":
        _write_csv_chunks(job, queryset, path, problems)
        return
    cp932 = job.format == ExportJob.Format.CSV_CP932
    lines = CsvLines("cp932" if cp932 else "utf-8")
    with path.open("wb") as out:
        out.write(lines.line(HEADERS) if cp932 else "\ufeff".encode() + lines.line(HEADERS))
        for number, cells in enumerate(business_rows(queryset), start=2):
            if cp932:
                cells = [
                    _cp932_cell(cell, number, header, problems) for cell, header in zip(cells, HEADERS, strict=True)
                ]
            out.write(lines.line(cells))
            _progress(job, number - 1)


def _write_csv_chunks(job: ExportJob, queryset: QuerySet, path, problems: list[str]) -> None:
    """The CSV from cells PostgreSQL computes, a chunk of rows per write.

    csv.writer takes each chunk whole and the chunk is encoded at once; only a chunk that
    CP932 cannot hold goes cell by cell, to report each character it replaced.
    """
    cp932 = job.format == ExportJob.Format.CSV_CP932
    encoding = "cp932" if cp932 else "utf-8"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    written = 0
    with path.open("wb") as out:
        out.write(CsvLines(encoding).line(HEADERS) if cp932 else "\ufeff".encode() + CsvLines(encoding).line(HEADERS))
        for chunk in export_sql.csv_chunks(queryset, EXPORT_CHUNK):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(chunk)
            try:
                out.write(buffer.getvalue().encode(encoding))
            except UnicodeEncodeError:
                out.write(_cp932_chunk(chunk, written + 2, problems))
            written += len(chunk)
            ExportJob.objects.filter(pk=job.pk).update(written=written)
    job.written = written


def _cp932_chunk(chunk: list[tuple], first_row: int, problems: list[str]) -> bytes:
    """A chunk's lines in CP932, each character it cannot hold replaced and reported."""
    lines = CsvLines("cp932")
    encoded = []
    for number, cells in enumerate(chunk, start=first_row):
        pairs = zip(cells, HEADERS, strict=True)
        encoded.append(lines.line([_cp932_cell(cell or "", number, header, problems) for cell, header in pairs]))
    return b"".join(encoded)


def _cp932_cell(cell: str, row: int, header: str, problems: list[str]) -> str:
    text, missing = to_cp932(cell)
    for char in missing:
        problems.append(
            _("Row %(row)s, column %(column)s: %(char)s (U+%(code)04X) written as 〓")
            % {"row": row, "column": header, "char": char, "code": ord(char)}
        )
    return text


def _write_xlsx(job: ExportJob, queryset: QuerySet, path) -> None:
    # constant_memory writes each row to disk as it goes: flat memory at any size.
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("businesses"))
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    for number, cells in enumerate(business_rows(queryset), start=1):
        for column, cell in enumerate(cells):
            sheet.write_string(number, column, cell)
        _progress(job, number)
    workbook.close()


def download_record(*, request, kind: str, file_name: str, job: ExportJob | None = None) -> DownloadLog:
    """Log a file handed to a user (the register leaves the building only on the record)."""
    return DownloadLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        kind=kind,
        file_name=file_name[:200],
        export_job=job,
        address=security.client_address(request) or None,
    )
