"""Benchmark of the phone desk and the reports on a synthetic register, rolled back afterwards.

    DATABASE_URL=postgres://… python bench/call_desk.py --businesses 20000

Creates N businesses expiring inside a phone step's window (and their terms), runs the daily scan (which
writes the phone notices and their call tasks), then times taking and recording calls,
one business's contact timeline and the effect report. Prints one line per measure.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from outreach import admin_timeline, scan  # noqa: E402
from outreach.calls import services as calls  # noqa: E402
from outreach.models import CallTask, NoticeTemplate, ReminderPolicy, ReminderStep  # noqa: E402
from outreach.reports.effect import effect_report  # noqa: E402
from registrations.models import Business, Prefecture  # noqa: E402
from renewals import services as renewal_services  # noqa: E402

JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = datetime.date(2027, 3, 2)
MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


class Rollback(Exception):
    pass


def timed(label: str, function, repeat: int = 1):
    start = time.perf_counter()
    for _ in range(repeat):
        result = function()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label}: {elapsed * 1000:.1f} ms" + (f" (mean of {repeat})" if repeat > 1 else ""))
    return result


def seed(count: int) -> None:
    tokyo = Prefecture.objects.get(code="13")
    rows = []
    for n in range(count):
        business = Business(
            ccus_id=f"{90_000_000_000_000 + n}",
            entity_type="corporation",
            name=f"株式会社ベンチ建設{n}",
            prefecture=tokyo,
            postal_code="1000001",
            address="千代田区千代田1-1",
            phone="03-1234-5678",
            registered_on=datetime.date(2022, 4, 1),
            expires_on=TODAY + datetime.timedelta(days=16 + n % 29),
        )
        business.derive_fields()
        rows.append(business)
    Business.objects.bulk_create(rows, batch_size=5_000)
    renewal_services.terms_sync()  # rows written around the write paths: their terms, as the nightly task would
    ReminderPolicy.objects.update(is_active=False)
    policy = ReminderPolicy.objects.create(name="bench", is_active=True)
    template = NoticeTemplate.objects.filter(channel="phone").first()
    ReminderStep.objects.create(
        policy=policy, name="電話", channel="phone", days_before=45, last_days_before=15, template=template,
        call_script=template.body,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    settings.OUTREACH_DAILY_CAPS["phone"] = 0  # every business gets its phone notice
    print(f"database: {connection.vendor}, businesses: {args.businesses}")
    try:
        with transaction.atomic():
            timed("seed register", lambda: seed(args.businesses))
            create_tasks = calls.call_tasks_create
            calls.call_tasks_create = lambda: 0  # timed on its own below
            timed("daily scan (phone notices)", lambda: scan.run_scan(today=TODAY))
            calls.call_tasks_create = create_tasks
            with connection.cursor() as cursor:  # autovacuum would have analysed a table this size
                cursor.execute("ANALYZE outreach_notice; ANALYZE outreach_calltask; ANALYZE registrations_business")
            timed("call tasks for the new phone notices", calls.call_tasks_create)
            print(f"open call tasks: {CallTask.objects.filter(status='open').count()}")
            operator = User.objects.create_user("bench-operator")

            def call_once():
                task = calls.call_claim_next(operator=operator, now=MORNING)
                calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=MORNING)

            timed("take + record one call", call_once, repeat=args.calls)
            business_id = Business.objects.filter(ccus_id="90000000000000").values_list("pk", flat=True).get()
            timed(
                "contact timeline of one business", lambda: admin_timeline.contact_timeline(business_id=business_id), 20
            )
            timed(
                "effect report (2 months, all terms)",
                lambda: effect_report(first_month=datetime.date(2027, 3, 1), last_month=datetime.date(2027, 4, 1)),
            )
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
