"""Benchmark: build one postcard print batch of N postcards and report time, peak memory and PDF size.

    DATABASE_URL=postgres://… python bench/postcards.py --postcards 10000

Adds demo businesses when the register has fewer than N current terms (seed_demo), queues
N postcard notices for today with one INSERT … SELECT, builds the batch exactly as the
weekly task does (start, then build), prints one Markdown table row, and removes the
batch, its files and the queued notices again (the demo businesses stay).
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from outreach import services  # noqa: E402
from outreach.models import Channel, Notice, NoticeTemplate, PostcardBatch  # noqa: E402
from renewals.models import Term  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def queue_postcards(count: int) -> None:
    template = NoticeTemplate.objects.filter(channel=Channel.POSTCARD).order_by("pk").first()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO outreach_notice (business_id, term_id, step_id, template_id, channel, status, reason,
                fallback_reason, due_on, scheduled_for, recipient, subject, body, attempts, last_error,
                created_at, updated_at)
            SELECT t.business_id, t.id, NULL, %s, 'postcard', 'queued', '', '', %s, %s, '', '', '', 0, '', %s, %s
            FROM renewals_term t WHERE t.is_current ORDER BY t.id LIMIT %s
            """,
            [template.pk, today, today, timezone.now(), timezone.now(), count],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postcards", type=int, default=10_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark measures production mode.")
    call_command("migrate", verbosity=0)
    missing = args.postcards - Term.objects.filter(is_current=True).count()
    if missing > 0:
        call_command("seed_demo", businesses=missing, links_per_business=1, verbosity=0)
        call_command("sync_terms", verbosity=0)
    last_notice = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queue_postcards(args.postcards)
    before = peak_rss_mb()
    started = time.monotonic()
    batch = services.postcard_batch_start(for_date=timezone.localdate())
    claimed = time.monotonic()
    batch = services.postcard_batch_build(batch_id=batch.pk)
    finished = time.monotonic()
    pdf_mb = batch.pdf.size / 1024 / 1024
    print("| postcards | left out | start (claim, exclusions) | build (render, PDF, CSV) | total | peak RSS | PDF |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {batch.done:,} | {batch.excluded:,} | {claimed - started:.1f} s | {finished - claimed:.1f} s "
        f"| {finished - started:.1f} s | {peak_rss_mb():.0f} MB (before build {before:.0f} MB) | {pdf_mb:.1f} MB |"
    )
    print("RESULT " + json.dumps({"count": batch.done, "seconds": finished - started}))
    Notice.objects.filter(pk__gt=last_notice).delete()
    for field in (batch.pdf, batch.csv_cp932, batch.csv_utf8):
        field.delete(save=False)
    PostcardBatch.objects.filter(pk=batch.pk).delete()


if __name__ == "__main__":
    main()
