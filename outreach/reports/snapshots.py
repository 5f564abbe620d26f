"""The dashboard's and the segments page's snapshots: aggregates computed by a task, read by the page in one query.

Computing the dashboard means a dozen grouped queries over every term (about a second at
100,000 businesses, growing with the register). A beat task refreshes the snapshot every
few minutes, the page's 再計算 button asks for it on demand, and the page renders the
latest snapshot and says when it was computed. The year's target stays a live read, so an
edited target shows at once. The weak segments (outreach.reports.segments) are stored the same
way by their own task, unranked: the page ranks them as asked.
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from outreach.models import DashboardSnapshot, SegmentSnapshot
from outreach.reports import dashboard, segments
from renewals import fiscal

LOCK_NAME = "outreach.dashboard_snapshot"
SEGMENTS_LOCK_NAME = "outreach.segments_snapshot"


def _store(model, *, lock: str, today: datetime.date, compute):
    """Compute a snapshot's data as of `today` and store it as that day's row of `model`.

    Steps, in one transaction: 1. wait for any other refresh of the same kind to finish
    (PostgreSQL advisory lock; SQLite serialises writers anyway), so two never compute at
    once; 2. `compute()`, the grouped queries; 3. replace the day's row. Readers see the
    previous snapshot until the new one is committed, never a half-written one.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock])
                # Planning cost of the calendar's EXISTS subplans crosses jit_above_cost, and
                # compiling took longer than running the query (EXPLAIN ANALYZE at 100,000 businesses).
                cursor.execute("SET LOCAL jit = off")
        computed_at, started = timezone.now(), time.perf_counter()
        data = compute()
        snapshot, _created = model.objects.update_or_create(
            as_of=today,
            defaults={"computed_at": computed_at, "seconds": time.perf_counter() - started, "data": data},
        )
    return snapshot


def snapshot_refresh(*, today: datetime.date) -> DashboardSnapshot:
    """Compute the dashboard's aggregates (outreach.reports.dashboard.figures) as that day's snapshot."""
    return _store(DashboardSnapshot, lock=LOCK_NAME, today=today, compute=lambda: dump(dashboard.figures(today=today)))


def segments_refresh(*, today: datetime.date) -> SegmentSnapshot:
    """Compute every segmenting's figures (outreach.reports.segments.segment_figures) as that day's snapshot."""
    return _store(
        SegmentSnapshot,
        lock=SEGMENTS_LOCK_NAME,
        today=today,
        compute=lambda: {
            kind: _dump_segments(rows)
            for kind, rows in segments.segment_figures(list(segments.SEGMENTINGS), today=today).items()
        },
    )


def segments_latest() -> SegmentSnapshot | None:
    return SegmentSnapshot.objects.order_by("-as_of").first()


def segments_from(snapshot: SegmentSnapshot, kind: str) -> list[dict]:
    """The stored figures of one segmenting, exactly as outreach.reports.segments.segment_figures returned them."""
    return [{**row, "keys": tuple(row["keys"]), "labels": tuple(row["labels"])} for row in snapshot.data.get(kind, [])]


def _dump_segments(rows: list[dict]) -> list[dict]:
    return [{**row, "keys": list(row["keys"]), "labels": list(row["labels"])} for row in rows]


def latest() -> DashboardSnapshot | None:
    return DashboardSnapshot.objects.order_by("-as_of").first()


def is_stale(snapshot: DashboardSnapshot, *, now: datetime.datetime, max_age: datetime.timedelta) -> bool:
    """Computed on an earlier day or longer ago than `max_age`: the beat task is late or stopped."""
    return snapshot.as_of != timezone.localdate(now) or now - snapshot.computed_at > max_age


def _day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _period(period: fiscal.Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def _load_period(value: dict) -> fiscal.Period:
    return fiscal.Period(_day(value["start"]), _day(value["end"]), value["label"])


def dump(figures: dict) -> dict:
    """outreach.reports.dashboard.figures as JSON: dates as ISO strings, tuples as lists."""
    progress = figures["progress"]
    return {
        "today": figures["today"].isoformat(),
        "progress": {**progress, "year": _period(progress["year"]), "to_date": _period(progress["to_date"])},
        "calendar": [[month.isoformat(), counts] for month, counts in figures["calendar"]],
        "rates": {
            name: [{**row, "keys": list(row["keys"]), "labels": list(row["labels"])} for row in rows]
            for name, rows in figures["rates"].items()
        },
        "funnel": figures["funnel"],
        "lapses": [[month.isoformat(), n] for month, n in figures["lapses"]],
    }


def load(data: dict) -> dict:
    """The inverse of dump: exactly what outreach.reports.dashboard.figures returned."""
    progress = data["progress"]
    return {
        "today": _day(data["today"]),
        "progress": {**progress, "year": _load_period(progress["year"]), "to_date": _load_period(progress["to_date"])},
        "calendar": [(_day(month), counts) for month, counts in data["calendar"]],
        "rates": {
            name: [{**row, "keys": tuple(row["keys"]), "labels": tuple(row["labels"])} for row in rows]
            for name, rows in data["rates"].items()
        },
        "funnel": data["funnel"],
        "lapses": [(_day(month), n) for month, n in data["lapses"]],
    }


def dashboard_from(snapshot: DashboardSnapshot) -> dict:
    """What the dashboard shows from a snapshot: its aggregates and the year's target read now."""
    return dashboard.with_target(load(snapshot.data))
