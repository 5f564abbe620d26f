"""Dashboard, segments page and committee report timings and query counts at the register's size.

    python bench/dashboard.py --requests 5

Method: Django's test client in this process against the database in DATABASE_URL,
logged in as a superuser; each page is requested once to warm up, then --requests
times (median and max). Query counts come from CaptureQueriesContext. The dashboard's and
the segments' snapshot refreshes (the beat tasks, run here with Celery's `apply`) are timed
the same way on lines of their own first, so the pages are then measured as users see them:
from a fresh snapshot.
"""

import argparse
import json
import statistics
import time

from django_env import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from outreach.reports import committee
    from outreach.reports.tasks import refresh_dashboard_task, refresh_segments_task
    from registrations.models import Business
    from renewals import fiscal
    from renewals.models import Term

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    print(f"{Business.objects.count():,} businesses, {Term.objects.count():,} terms, today {timezone.localdate()}")
    print("| page | median | max | queries |")
    print("|---|---|---|---|")
    pages_out = []
    for label, task in (
        ("dashboard snapshot refresh (task)", refresh_dashboard_task),
        ("segments snapshot refresh (task)", refresh_segments_task),
    ):
        task.apply().get()
        timings = []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                task.apply().get()
                timings.append((time.perf_counter() - started) * 1000)
        print(f"| {label} | {statistics.median(timings):.0f} ms | {max(timings):.0f} ms | {len(queries)} |")
        pages_out.append({"page": label, "median_ms": statistics.median(timings), "queries": len(queries)})
    pages = {
        "dashboard": "/admin/outreach/dashboard/",
        "segments: prefecture × trade group": "/admin/outreach/dashboard/segments/?kind=prefecture_trade_group",
        "segments: trade × capital band": "/admin/outreach/dashboard/segments/?kind=trade_capital_band",
    }
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for label, url in pages.items():
            assert client.get(url).status_code == 200
            timings = []
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    assert client.get(url).status_code == 200
                    timings.append((time.perf_counter() - started) * 1000)
            print(f"| {label} | {statistics.median(timings):.0f} ms | {max(timings):.0f} ms | {len(queries)} |")
            pages_out.append({"page": label, "median_ms": statistics.median(timings), "queries": len(queries)})
    quarter = fiscal.quarter(fiscal.fiscal_year_of(timezone.localdate()), 3)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        data = committee.report_data(quarter, today=timezone.localdate())
    built = time.perf_counter()
    xlsx, pdf = committee.committee_xlsx(data), committee.committee_pdf(data)
    done = time.perf_counter()
    print(
        f"| committee report {quarter.label}: data | {(built - started) * 1000:.0f} ms | | {len(queries)} |\n"
        f"| committee report: XLSX {len(xlsx):,} B + PDF {len(pdf):,} B | {(done - built) * 1000:.0f} ms | | 0 |"
    )
    report = {"page": "committee report (data, XLSX, PDF)", "median_ms": (done - started) * 1000}
    print("RESULT " + json.dumps({"count": 1, "seconds": done - started, "pages": [*pages_out, report]}))


if __name__ == "__main__":
    main()
