"""Background work of the register: ids in, a service does the work."""

from celery import shared_task

from registrations import export_files, import_uploads


@shared_task(name="registrations.tasks.export_task", time_limit=2 * 60 * 60, soft_time_limit=115 * 60)
def export_task(job_id: int) -> None:
    export_files.export_write(job_id=job_id)


@shared_task(
    name="registrations.tasks.pending_uploads_sweep_task", ignore_result=True, soft_time_limit=240, time_limit=300
)
def pending_uploads_sweep_task() -> int:
    """Hourly: remove admin import uploads previewed but never confirmed (IMPORT_PENDING_MAX_HOURS)."""
    return import_uploads.sweep()
