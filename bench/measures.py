"""One measurement per call, run by the suite as its own process: python -m bench.measures NAME [options].

Each measurement prints what it did and ends with one line `RESULT {json}` that the
suite reads (`count` units done in `seconds`, and whether it was a time-capped sample).
Peak memory is not measured here: the suite takes it from the process's rusage.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")
    import django

    django.setup()


def result(count: int, seconds: float, **extra) -> None:
    print("RESULT " + json.dumps({"count": count, "seconds": seconds, **extra}, ensure_ascii=False))


def bench_user():
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    return user


def export_ours(args) -> None:
    """The register's own export: an ExportJob written by export_files.export_write, as the worker does."""
    from registrations import export_files
    from registrations.models import Business, ExportJob

    file_format = ExportJob.Format.XLSX if args.format == "xlsx" else ExportJob.Format.CSV_UTF8
    queryset = Business.objects.order_by("pk")
    job = ExportJob.objects.create(created_by=bench_user(), format=file_format, params={}, total=queryset.count())
    started = time.perf_counter()
    export_files.export_write(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    size = job.file.size
    job.file.delete(save=False)
    job.delete()
    result(job.total, seconds, note=f"{size / 1e6:.1f} MB")


def export_default(args) -> None:
    """django-import-export's default ModelResource export, on the first --rows businesses (a sample if capped)."""
    from import_export.resources import modelresource_factory

    from registrations.models import Business

    total = Business.objects.count()
    rows = min(args.rows, total)
    queryset = Business.objects.order_by("pk")[:rows]
    started = time.perf_counter()
    dataset = modelresource_factory(Business)().export(queryset=queryset)
    data = dataset.xlsx if args.format == "xlsx" else dataset.csv.encode()
    seconds = time.perf_counter() - started
    result(rows, seconds, sample=rows < total, note=f"{len(data) / 1e6:.1f} MB")


COPY_SQL = """
COPY (
  SELECT b.ccus_id, b.corporate_number, b.name, b.name_kana, b.representative, b.capital,
         CASE WHEN b.is_sole_proprietor THEN '1' ELSE '0' END,
         CASE WHEN b.entity_type = 'corporation' THEN '法人' ELSE '個人' END,
         substr(b.postal_code, 1, 3) || '-' || substr(b.postal_code, 4), p.name, b.address, b.phone, b.email,
         (SELECT string_agg(t.name, '・' ORDER BY t.code) FROM registrations_business_trades bt
            JOIN registrations_trade t ON t.code = bt.trade_id WHERE bt.business_id = b.id),
         b.permit_number, b.registered_on, b.expires_on,
         (SELECT string_agg(a.code, ' ' ORDER BY a.code) FROM registrations_membership m
            JOIN registrations_association a ON a.id = m.association_id WHERE m.business_id = b.id)
  FROM registrations_business b JOIN registrations_prefecture p ON p.code = b.prefecture_id
  ORDER BY b.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def export_copy(args) -> None:
    """PostgreSQL COPY … TO STDOUT of the same columns into a file: the physical limit."""
    from django.db import connection

    from registrations.models import Business

    total = Business.objects.count()
    path = OUT / "copy.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    started = time.perf_counter()
    with path.open("wb") as out, connection.connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
        for data in copy:
            out.write(data)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    result(total, seconds, note=f"{size / 1e6:.1f} MB")


def import_ours(args) -> None:
    """manage.py import_businesses of a generated file, then the businesses it created removed again.

    With --updates the file is first imported untimed, and what is timed is importing
    a copy of it in which every row changes (name, address, phone): updates of
    existing businesses, matched by 事業者ID.
    """
    import csv

    from django.core.management import call_command
    from django.db import connection

    path = Path(args.file)
    if args.updates:
        call_command("import_businesses", str(path), verbosity=0)
        path = _changed_copy(path)
    with path.open(encoding="cp932", newline="") as stream:  # streamed: the peak RSS is the import's
        count = sum(1 for _cells in csv.reader(stream)) - 1
    started = time.perf_counter()
    call_command("import_businesses", str(path), verbosity=0)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:  # the generated IDs start at 3…; seeded ones at 1…
        new = "SELECT id FROM registrations_business WHERE ccus_id >= '3'"
        for table in ("registrations_business_trades", "registrations_membership", "renewals_term"):
            cursor.execute(f"DELETE FROM {table} WHERE business_id IN ({new})")
        cursor.execute("DELETE FROM registrations_business WHERE ccus_id >= '3'")
    result(count, seconds, note="updates" if args.updates else "")


def _changed_copy(path: Path) -> Path:
    """A copy of an import file in which every row's name, address and phone differ."""
    import csv

    changed_path = OUT / f"{path.stem}-updated.csv"
    with path.open(encoding="cp932", newline="") as stream, changed_path.open("w", encoding="cp932", newline="") as out:
        reader, writer = csv.reader(stream), csv.writer(out, lineterminator="\r\n")
        header = next(reader)
        writer.writerow(header)
        changed = {header.index("商号"): "新", header.index("住所"): "（更新）", header.index("電話番号"): "0"}
        for cells in reader:
            writer.writerow([cell + changed.get(i, "") for i, cell in enumerate(cells)])
    return changed_path


def scan(args) -> None:
    """manage.py run_reminders in this process, timed without Django's start-up.

    The suite points the broker at a Redis database no worker reads (BENCH_BROKER), so the
    scan publishes its one fan-out message as in production; the fan-out (a send message
    per new e-mail notice, a worker's job) is then timed on its own, and both queues purged.
    """
    from django.core.management import call_command

    from ccus.celery import app
    from outreach.models import ScanRun
    from outreach.outbox import enqueue_scan_emails_task
    from renewals.models import Term

    app.control.purge()
    started = time.perf_counter()
    call_command("run_reminders", date=args.date, verbosity=0)
    seconds = time.perf_counter() - started
    run = ScanRun.objects.filter(for_date=args.date).order_by("-pk").first()
    started = time.perf_counter()
    sends = enqueue_scan_emails_task(run.pk)
    fan_out = time.perf_counter() - started
    app.control.purge()
    created = sum(entry["created"] for entry in run.counts.values() if isinstance(entry, dict))
    note = f"{created:,} notices written; then a worker's fan-out: {sends:,} sends published in {fan_out:.1f} s"
    result(Term.objects.filter(is_current=True).count(), seconds, note=note)


def rekey(args) -> None:
    """registrations.search_keys.rekey over the whole register, as migration 0015 runs it.

    With --everything every row is rewritten (the worst case: every key changed), then
    the table is vacuumed as autovacuum would. With --row-by-row the same keys are
    written by one UPDATE per business instead, for --seconds, and rolled back.
    """
    from django.db import connection, transaction

    from registrations.models import Business
    from registrations.search_keys import rekey

    if args.row_by_row:
        done, started = 0, time.perf_counter()
        with transaction.atomic():
            for pk, name, kana in Business.objects.order_by("pk").values_list("pk", "name", "name_kana").iterator():
                Business.objects.filter(pk=pk).update(**Business.search_columns(name, kana))
                done += 1
                if time.perf_counter() - started > args.seconds:
                    break
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        result(done, seconds, sample=done < Business.objects.count())
        return
    started = time.perf_counter()
    with transaction.atomic():
        read, rewritten = rekey(everything=args.everything)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) registrations_business")
    result(read, seconds, note=f"{rewritten:,} rows rewritten")


def vacuum(args) -> None:
    """VACUUM (ANALYZE) the whole database after seeding, as autovacuum would in time."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    result(0, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    names = ["export_ours", "export_default", "export_copy", "import_ours", "scan", "rekey", "vacuum"]
    parser.add_argument("name", choices=names)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--file")
    parser.add_argument("--updates", action="store_true", help="import_ours: time updates of existing businesses")
    parser.add_argument("--date")
    parser.add_argument("--everything", action="store_true", help="rekey: rewrite every row, not only stale ones")
    parser.add_argument("--row-by-row", action="store_true", help="rekey: one UPDATE per business (the baseline)")
    parser.add_argument("--seconds", type=float, default=60, help="rekey --row-by-row: time cap")
    args = parser.parse_args()
    setup()
    globals()[args.name](args)


if __name__ == "__main__":
    main()
