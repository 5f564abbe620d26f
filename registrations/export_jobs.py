"""An export of the register as a background job: recorded now, written by a worker after commit.

The worker's side is `registrations.export_files.export_write`, run by `registrations.tasks.export_task`.
"""

from django.db import transaction

from registrations.models import ExportJob
from registrations.tasks import export_task


def export_start(*, user, params: dict[str, list[str]], total: int, file_format: str) -> ExportJob:
    """Record an export of the register's list as `params` filter it (`total` rows now); a worker writes it
    after commit."""
    job = ExportJob.objects.create(created_by=user, format=file_format, params=params, total=total)
    transaction.on_commit(lambda: export_task.delay(job.pk))
    return job
