"""Reports in the background: a committee report's files, the dashboard's and the segments' snapshots."""

import logging

from celery import shared_task
from django.utils import timezone

from ccus.oplog import log_batch
from outreach.models import CommitteeReport
from outreach.reports import snapshots
from outreach.reports.committee import committee_report_build

logger = logging.getLogger(__name__)


@shared_task(name="outreach.tasks.committee_report_task", acks_late=True, soft_time_limit=1700, time_limit=1800)
def committee_report_task(report_id: int) -> str:
    """Build the files of a committee report row the admin created."""
    report = CommitteeReport.objects.get(pk=report_id)
    return committee_report_build(report=report).status


@shared_task(name="outreach.tasks.refresh_dashboard_task", acks_late=True, soft_time_limit=540, time_limit=600)
def refresh_dashboard_task() -> dict:
    """Recompute the dashboard's snapshot (beat, every few minutes, and the page's 再計算 button)."""
    snapshot = snapshots.snapshot_refresh(today=timezone.localdate())
    counts = {"as_of": snapshot.as_of.isoformat(), "seconds": round(snapshot.seconds, 3)}
    log_batch(logger, "dashboard.refresh", **counts)
    return counts


@shared_task(name="outreach.tasks.refresh_segments_task", acks_late=True, soft_time_limit=540, time_limit=600)
def refresh_segments_task() -> dict:
    """Recompute the weak segments' snapshot (beat, every few minutes, and the segments page's 再計算 button)."""
    snapshot = snapshots.segments_refresh(today=timezone.localdate())
    counts = {"as_of": snapshot.as_of.isoformat(), "seconds": round(snapshot.seconds, 3)}
    log_batch(logger, "segments.refresh", **counts)
    return counts
