"""Print batches in the background: one started batch's files, and the weekly batch."""

import logging

from celery import shared_task
from django.utils import timezone

from outreach.postcards import services
from outreach.services import OutreachError

logger = logging.getLogger(__name__)


@shared_task(name="outreach.tasks.build_postcard_batch_task", acks_late=True, soft_time_limit=3300, time_limit=3600)
def build_postcard_batch_task(batch_id: int) -> str:
    """Write a started print batch's files (a redelivered task rewrites them)."""
    return services.postcard_batch_build(batch_id=batch_id).status


@shared_task(name="outreach.tasks.weekly_postcard_batch_task", acks_late=True, soft_time_limit=3300, time_limit=3600)
def weekly_postcard_batch_task() -> int | None:
    """The weekly print batch: every postcard queued up to today. Returns the batch id, if any."""
    try:
        batch = services.postcard_batch_start(for_date=timezone.localdate())
    except OutreachError as error:
        logger.info("weekly postcard batch: %s", error)
        return None
    services.postcard_batch_build(batch_id=batch.pk)
    return batch.pk
