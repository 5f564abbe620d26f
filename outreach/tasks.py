"""Thin tasks: ids in, a service call, retries and limits declared here."""

import datetime
import logging

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ccus.oplog import log_batch
from outreach import calendar, scan, services, snapshots
from outreach.models import Channel, Heartbeat, Notice

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    # The scan is one transaction, rolled back whole when it fails, and idempotent (unique
    # (term, step)), so any database error from a moment's state is safe to run again instead of
    # waiting for tomorrow: a restart or lost connection, a deadlock or serialization failure
    # (OperationalError), or a row another writer committed meanwhile (IntegrityError).
    autoretry_for=(OperationalError, InterfaceError, IntegrityError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    soft_time_limit=int(scan.SCAN_TIME_LIMIT.total_seconds()) - 300,
    time_limit=int(scan.SCAN_TIME_LIMIT.total_seconds()),
)
def run_reminders_task(date: str | None = None) -> dict:
    """The daily scan for `date` (ISO) or today."""
    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return scan.run_scan(today=today).counts


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(services.TemporaryFailure,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=None,  # the notice's attempts count decides when to stop
    soft_time_limit=60,
    time_limit=90,
)
def send_email_task(self, notice_id: int) -> str:
    if not calendar.in_sending_hours():
        return "outside sending hours"  # stays queued; the sweeper sends it in hours
    return services.email_send(notice_id=notice_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_outbox_task() -> dict:
    """Re-enqueue e-mail notices left queued; mark stuck sends uncertain."""
    result = services.sweep()
    counts = {"uncertain": result["uncertain"], "requeued": enqueue_sends(result["requeue"], event="sweep")}
    Heartbeat.record(Heartbeat.Name.SWEEPER)
    log_batch(logger, "sweep", **counts)
    return counts


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat_task() -> None:
    """Proves a worker takes tasks and reaches the database (read by /health/)."""
    Heartbeat.record(Heartbeat.Name.WORKER)


def enqueue_sends(notice_ids, *, event: str) -> int:
    """Publish a send per notice; if the broker is down, log it and stop: the sweeper re-enqueues later."""
    count = 0
    try:
        for notice_id in notice_ids:
            send_email_task.delay(notice_id)
            count += 1
    except BrokerError as error:
        log_batch(logger, f"{event}.enqueue_failed", logging.WARNING, enqueued=count, error=str(error))
    return count


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def enqueue_scan_emails_task(run_id: int) -> int:
    """Enqueue a send for every queued e-mail notice a scan created.

    A task of its own, so the scan ends at its commit and a worker publishes the sends;
    running it twice only enqueues sends that find their notice already claimed.
    """
    ids = Notice.objects.filter(scan_run_id=run_id, channel=Channel.EMAIL, status=Notice.Status.QUEUED)
    count = enqueue_sends(ids.values_list("pk", flat=True).iterator(chunk_size=2_000), event="scan")
    log_batch(logger, "scan.enqueued", scan_run=run_id, enqueued=count)
    return count


def enqueue_scan_emails(run_id: int) -> None:
    """Hand a committed scan's e-mails to a worker; if the broker is down, the sweeper sends them later."""
    try:
        enqueue_scan_emails_task.delay(run_id)
    except BrokerError as error:
        log_batch(logger, "scan.enqueue_failed", logging.WARNING, scan_run=run_id, error=str(error))


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def build_subcontractor_list_task(list_id: int) -> str:
    """Build one queued subcontractor list snapshot; returns its status."""
    try:
        return services.subcontractor_list_build(list_id=list_id).status
    except services.OutreachError as error:
        logger.warning("build_subcontractor_list_task(%s): %s", list_id, error)
        return str(error)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def build_association_lists_task(association_code: str | None = None) -> int:
    """The monthly lists: one snapshot per association (or the one named), each built by its own task."""
    try:
        snapshots = services.association_lists_request(association_code=association_code)
    except services.OutreachError as error:
        logger.warning("build_association_lists_task(%s): %s", association_code, error)
        return 0
    for snapshot in snapshots:
        transaction.on_commit(lambda list_id=snapshot.pk: build_subcontractor_list_task.delay(list_id))
    return len(snapshots)


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def build_postcard_batch_task(batch_id: int) -> str:
    """Write a started print batch's files (a redelivered task rewrites them)."""
    return services.postcard_batch_build(batch_id=batch_id).status


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def weekly_postcard_batch_task() -> int | None:
    """The weekly print batch: every postcard queued up to today. Returns the batch id, if any."""
    try:
        batch = services.postcard_batch_start(for_date=timezone.localdate())
    except services.OutreachError as error:
        logger.info("weekly postcard batch: %s", error)
        return None
    services.postcard_batch_build(batch_id=batch.pk)
    return batch.pk


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def committee_report_task(report_id: int) -> str:
    """Build the files of a committee report row the admin created."""
    from outreach.committee import committee_report_build
    from outreach.models import CommitteeReport

    report = CommitteeReport.objects.get(pk=report_id)
    return committee_report_build(report=report).status


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def refresh_dashboard_task() -> dict:
    """Recompute the dashboard's snapshot (beat, every few minutes, and the page's 再計算 button)."""
    snapshot = snapshots.snapshot_refresh(today=timezone.localdate())
    counts = {"as_of": snapshot.as_of.isoformat(), "seconds": round(snapshot.seconds, 3)}
    log_batch(logger, "dashboard.refresh", **counts)
    return counts
