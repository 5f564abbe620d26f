"""Benchmark: build one postcard print batch of N postcards and report time, peak memory and PDF size.

    DATABASE_URL=postgres://… python bench/postcards.py --postcards 10000 [--cards-per-part 2000]

Adds demo businesses when the register has fewer than N current terms (seed_demo), queues
N postcard notices for today with one INSERT … SELECT, builds the batch exactly as the
weekly task does (start, then build; it takes every queued postcard, the register's own
too), prints one Markdown table row and the build's time per stage (CPU and wall time are
both shown: on a shared machine wall time includes waiting), and removes the batch, its
files and the added notices again, returning the register's own to the queue (the demo
businesses stay).
"""

import argparse
import functools
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")
# As in production: with DEBUG on, Django keeps the SQL of the last 9,000 queries, and each
# chunk's bulk_update of rendered wording is a large statement (tens of MB for a big batch).
os.environ.setdefault("DEBUG", "false")
# A batch refuses to build without a sender and postage: the bench prints as the demo's desk.
for name, value in {
    "DESK_PHONE": "03-6812-4510",
    "POSTCARD_SENDER_NAME": "CCUS事業者登録窓口（ベンチ）",
    "POSTCARD_SENDER_POSTAL_CODE": "104-0032",
    "POSTCARD_SENDER_ADDRESS": "東京都中央区八丁堀9-9-9 デモ会館3階",
    "POSTCARD_POSTAGE_MARK": "料金別納",
    "POSTCARD_POST_OFFICE": "京橋郵便局",
}.items():
    os.environ.setdefault(name, value)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from outreach.models import Channel, Notice, NoticeTemplate, PostcardBatch  # noqa: E402
from outreach.postcards import pdf, printing  # noqa: E402
from outreach.postcards import services as postcard_services  # noqa: E402
from outreach.postcards.mail_house_csv import PostcardCsv  # noqa: E402
from outreach.postcards.pdf_stream import PdfStreamWriter  # noqa: E402
from renewals.models import Term  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Stages:
    """Exclusive wall time per stage: time spent in a nested timed call counts for the inner stage only."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.stack: list[list] = []

    def wrap(self, owner, attribute: str, stage: str) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self.stack.append([stage, time.monotonic(), 0.0])
            try:
                return original(*args, **kwargs)
            finally:
                name, started, inner = self.stack.pop()
                spent = time.monotonic() - started
                self.seconds[name] += spent - inner
                if self.stack:
                    self.stack[-1][2] += spent

        setattr(owner, attribute, timed)


def instrument() -> Stages:
    stages = Stages()
    stages.wrap(printing, "card_for", "render wording (templates)")
    stages.wrap(pdf.PostcardPdf, "_address_side", "PDF: draw pages")
    stages.wrap(pdf.PostcardPdf, "_message_side", "PDF: draw pages")
    stages.wrap(pdf.PostcardPdf, "_flush", "PDF: save each part (ReportLab)")
    stages.wrap(PdfStreamWriter, "append", "PDF: append parts to the file (pypdf)")
    stages.wrap(PdfStreamWriter, "close", "PDF: append parts to the file (pypdf)")
    stages.wrap(PostcardCsv, "add", "CSV rows and character checks")
    stages.wrap(printing, "_problems", "CSV rows and character checks")
    stages.wrap(Notice.objects, "bulk_update", "store text on notices (bulk_update)")
    stages.wrap(printing, "_store", "store files")
    return stages


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
    parser.add_argument("--cards-per-part", type=int, default=pdf.CARDS_PER_PART)
    args = parser.parse_args()
    pdf.CARDS_PER_PART = args.cards_per_part
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark measures production mode.")
    call_command("migrate", verbosity=0)
    missing = args.postcards - Term.objects.filter(is_current=True).count()
    if missing > 0:
        call_command("seed_demo", businesses=missing, links_per_business=1, verbosity=0)
        call_command("sync_terms", verbosity=0)
    last_notice = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queue_postcards(args.postcards)
    stages = instrument()
    before = peak_rss_mb()
    started = time.monotonic()
    batch = postcard_services.postcard_batch_start(for_date=timezone.localdate())
    claimed, cpu_claimed = time.monotonic(), cpu_seconds()
    batch = postcard_services.postcard_batch_build(batch_id=batch.pk)
    finished, cpu_finished = time.monotonic(), cpu_seconds()
    pdf_mb = batch.pdf.size / 1024 / 1024
    build = finished - claimed
    print(f"cards per PDF part: {pdf.CARDS_PER_PART:,}")
    print("| postcards | left out | start (claim, exclusions) | build (render, PDF, CSV) | total | peak RSS | PDF |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {batch.done:,} | {batch.excluded:,} | {claimed - started:.1f} s | {build:.1f} s "
        f"| {finished - started:.1f} s | {peak_rss_mb():.0f} MB (before build {before:.0f} MB) | {pdf_mb:.1f} MB |"
    )
    print(f"\nbuild: {build:.1f} s wall, {cpu_finished - cpu_claimed:.1f} s CPU in this process")
    print("| stage | wall | share |\n|---|---|---|")
    stages.seconds["rest (reading notices, progress, loop)"] = build - sum(stages.seconds.values())
    for stage, seconds in stages.seconds.items():
        print(f"| {stage} | {seconds:.1f} s | {seconds / build:.0%} |")
    print(
        "RESULT "
        + json.dumps(
            {
                "count": batch.done,
                "seconds": finished - started,
                "peak_rss_mb": round(peak_rss_mb()),
                "pdf_mb": round(pdf_mb, 1),
                "build_cpu_seconds": round(cpu_finished - cpu_claimed, 1),
                "note": f"{batch.done:,} postcards (every queued one), PDF {pdf_mb:.1f} MB",
            }
        )
    )
    Notice.objects.filter(pk__gt=last_notice).delete()
    # The register's own queued postcards the batch took go back to the queue.
    Notice.objects.filter(batch=batch).update(status=Notice.Status.QUEUED, batch=None)
    for field in (batch.pdf, batch.csv_cp932, batch.csv_utf8):
        field.delete(save=False)
    PostcardBatch.objects.filter(pk=batch.pk).delete()


if __name__ == "__main__":
    main()
