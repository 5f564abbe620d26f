"""Background work of the register: ids in, a service does the work."""

from celery import shared_task

from registrations import services


@shared_task(name="registrations.tasks.export_task", time_limit=2 * 60 * 60, soft_time_limit=115 * 60)
def export_task(job_id: int) -> None:
    services.export_write(job_id=job_id)
