"""An export of the register as a background job: recorded now, written by a worker after commit.

The worker's side is `registrations.services.export_write`, run by `registrations.tasks.export_task`.
"""

import pickle

from django.db import transaction
from django.db.models import QuerySet

from registrations.models import ExportJob
from registrations.tasks import export_task


def export_start(*, user, queryset: QuerySet, file_format: str) -> ExportJob:
    """Record an export of `queryset` and have a worker write it after commit."""
    job = ExportJob.objects.create(
        created_by=user, format=file_format, query=pickle.dumps(queryset.query), total=queryset.count()
    )
    transaction.on_commit(lambda: export_task.delay(job.pk))
    return job
