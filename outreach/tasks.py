"""The core's periodic tasks: the daily scan, the outbox sweeper, the worker's heartbeat.

Every task keeps the name it was first registered under (`name=`), so the beat rows of
existing databases and messages already queued still find it.
"""

import datetime
import logging

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError
from django.utils import timezone

from ccus.oplog import log_batch
from outreach import scan, sending
from outreach.models import Heartbeat
from outreach.outbox import enqueue_sends

logger = logging.getLogger(__name__)


@shared_task(
    name="outreach.tasks.run_reminders_task",
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


@shared_task(name="outreach.tasks.sweep_outbox_task", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_outbox_task() -> dict:
    """Re-enqueue e-mail notices left queued; mark stuck sends uncertain."""
    result = sending.sweep()
    counts = {"uncertain": result["uncertain"], "requeued": enqueue_sends(result["requeue"], event="sweep")}
    Heartbeat.record(Heartbeat.Name.SWEEPER)
    log_batch(logger, "sweep", **counts)
    return counts


@shared_task(name="outreach.tasks.heartbeat_task", ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat_task() -> None:
    """Proves a worker takes tasks and reaches the database (read by /health/)."""
    Heartbeat.record(Heartbeat.Name.WORKER)
