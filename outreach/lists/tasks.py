"""Subcontractor lists in the background: one list, or the monthly lists of every association.

The monthly lists share one graph expansion (one task), then each association's files are
written by a task of its own, in parallel on the workers (a Celery group).
"""

import logging

from celery import group, shared_task
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
    """The monthly lists: one list per association (or the one named), expanded together, then
    each written by its own task."""
    try:
        subcontractor_lists = services.association_lists_request(association_code=association_code)
    except OutreachError as error:
        logger.warning("build_association_lists_task(%s): %s", association_code, error)
        return 0
    list_ids = [subcontractor_list.pk for subcontractor_list in subcontractor_lists]
    transaction.on_commit(lambda: expand_subcontractor_lists_task.delay(list_ids))
    return len(list_ids)


@shared_task(
    name="outreach.tasks.expand_subcontractor_lists_task", acks_late=True, soft_time_limit=3300, time_limit=3600
)
def expand_subcontractor_lists_task(list_ids: list[int]) -> int:
    """Write the rows of these lists from one graph expansion, then queue one file task per list."""
    expanded = services.expand_lists(list_ids=list_ids)
    if expanded:
        group(write_subcontractor_list_files_task.s(list_id) for list_id in expanded).apply_async()
    return len(expanded)


@shared_task(
    name="outreach.tasks.write_subcontractor_list_files_task", acks_late=True, soft_time_limit=3300, time_limit=3600
)
def write_subcontractor_list_files_task(list_id: int) -> str:
    """Write one expanded list's files (XLSX and both CSVs) and mark it done; returns its status."""
    try:
        return services.subcontractor_list_files(list_id=list_id).status
    except OutreachError as error:
        logger.warning("write_subcontractor_list_files_task(%s): %s", list_id, error)
        return str(error)
