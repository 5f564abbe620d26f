"""Periodic tasks (django-celery-beat) that have stopped: disabled, or not run when their schedule said.

A task is late when the run its schedule implies after its last run (or, never run, after it was
last changed) was due more than GRACE ago: beat is down, or the task fails before it is recorded.
One-off tasks are left out: beat disables them itself once they have run.
"""

import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask

# Beat writes last_run_at every few minutes (its sync interval), so a run is only late after this.
GRACE = datetime.timedelta(minutes=10)


def is_late(task: PeriodicTask, *, now: datetime.datetime) -> bool:
    """Enabled, and the run due after its last one is more than GRACE overdue at `now`."""
    if not task.enabled or task.scheduler is None:
        return False
    since = task.last_run_at or task.date_changed
    next_due = now + task.schedule.remaining_estimate(since)
    return next_due < now - GRACE


def stale_schedules(*, now: datetime.datetime) -> list[PeriodicTask]:
    """The schedules a supervisor should look at: disabled or late, by name (one query)."""
    tasks = PeriodicTask.objects.filter(one_off=False).select_related("interval", "crontab", "solar", "clocked")
    return [task for task in tasks.order_by("name") if not task.enabled or is_late(task, now=now)]


class StaleScheduleFilter(admin.SimpleListFilter):
    """The periodic-task list's "stopped" filter: disabled or late schedules (the supervisor's home links here)."""

    title = _("schedule state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("stale", _("disabled or late"))]

    def queryset(self, request, queryset):
        if self.value() != "stale":
            return queryset
        return queryset.filter(pk__in=[task.pk for task in stale_schedules(now=timezone.now())])
