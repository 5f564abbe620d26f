"""Subcontractor lists in the background: one list, or the monthly lists of every association."""

import logging

from celery import shared_task
from django.db import transaction

from outreach.lists import services
from outreach.services import OutreachError

logger = logging.getLogger(__name__)


@shared_task(name="outreach.tasks.build_subcontractor_list_task", acks_late=True, soft_time_limit=3300, time_limit=3600)
def build_subcontractor_list_task(list_id: int) -> str:
    """Build one queued subcontractor list; returns its status."""
    try:
        return services.subcontractor_list_build(list_id=list_id).status
    except OutreachError as error:
        logger.warning("build_subcontractor_list_task(%s): %s", list_id, error)
        return str(error)


@shared_task(name="outreach.tasks.build_association_lists_task", acks_late=True, soft_time_limit=240, time_limit=300)
def build_association_lists_task(association_code: str | None = None) -> int:
    """The monthly lists: one list per association (or the one named), each built by its own task."""
    try:
        subcontractor_lists = services.association_lists_request(association_code=association_code)
    except OutreachError as error:
        logger.warning("build_association_lists_task(%s): %s", association_code, error)
        return 0
    for subcontractor_list in subcontractor_lists:
        transaction.on_commit(lambda list_id=subcontractor_list.pk: build_subcontractor_list_task.delay(list_id))
    return len(subcontractor_lists)
