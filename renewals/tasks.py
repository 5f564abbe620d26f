import datetime

from celery import shared_task
from django.utils import timezone

from renewals import services


@shared_task(name="renewals.tasks.mark_lapsed_task", acks_late=True, soft_time_limit=1700, time_limit=1800)
def mark_lapsed_task(date: str | None = None) -> dict[str, int]:
    """Sync terms with the register, then record lapses as of `date` (ISO) or today."""
    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    synced = services.terms_sync()
    return {**synced, "lapsed": services.mark_lapsed(today=today)}
