"""The outbox's tasks: send one e-mail notice, and publish the sends of a scan or the sweeper.

Every task keeps the name it was first registered under (`name=`), so messages already
queued still find it.
"""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError as BrokerError

from ccus.oplog import log_batch
from outreach import business_days, sending
from outreach.models import Channel, Notice

logger = logging.getLogger(__name__)


@shared_task(
    name="outreach.tasks.send_email_task",
    bind=True,
    acks_late=True,
    autoretry_for=(sending.TemporaryFailure,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=None,  # the notice's attempts count decides when to stop
    soft_time_limit=60,
    time_limit=90,
)
def send_email_task(self, notice_id: int) -> str:
    if not business_days.in_sending_hours():
        return "outside sending hours"  # stays queued; the sweeper sends it in hours
    return sending.email_send(notice_id=notice_id)


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


@shared_task(name="outreach.tasks.enqueue_scan_emails_task", acks_late=True, soft_time_limit=240, time_limit=300)
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
