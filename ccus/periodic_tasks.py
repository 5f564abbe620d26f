"""Put the declared periodic tasks (`ccus.schedules.SCHEDULES`) into django-celery-beat's tables.

`install` takes an app registry, so the same code runs in a data migration (historical
models) and in `manage.py setup_periodic_tasks` (`django.apps.apps`). A row is found by its
name (or a former name, then renamed). A missing row is created as declared; an existing one is left as the admin last
saved it (schedule, enabled, arguments…), unless `reset` puts it back as declared.
Rows nobody declared (an admin's extra task) are never touched.
"""

from django.db import transaction
from django.utils import timezone

from ccus.schedules import SCHEDULES, Crontab, Periodic

CREATED, KEPT, RESET = "created", "kept", "reset"


def _schedule_fields(apps, declared: Periodic) -> dict:
    """The schedule columns of a row: the declared crontab or interval, every other kind empty."""
    fields = {"crontab": None, "interval": None, "solar": None, "clocked": None}
    when = declared.when
    if isinstance(when, Crontab):
        model = apps.get_model("django_celery_beat", "CrontabSchedule")
        values = {
            "minute": when.minute,
            "hour": when.hour,
            "day_of_week": when.day_of_week,
            "day_of_month": when.day_of_month,
            "month_of_year": when.month_of_year,
            "timezone": when.timezone,
        }
        fields["crontab"] = model.objects.filter(**values).order_by("pk").first() or model.objects.create(**values)
    else:
        model = apps.get_model("django_celery_beat", "IntervalSchedule")
        values = {"every": when.every, "period": when.period}
        fields["interval"] = model.objects.filter(**values).order_by("pk").first() or model.objects.create(**values)
    return fields


def _declared_fields(apps, declared: Periodic) -> dict:
    return {
        "task": declared.task,
        **_schedule_fields(apps, declared),
        "enabled": True,
        "one_off": False,
        "args": "[]",
        "kwargs": "{}",
        "expire_seconds": declared.expire_seconds,
        "expires": None,
        "start_time": None,
        "queue": None,
    }


def _find(PeriodicTask, declared: Periodic):
    """The declared task's row, renamed from a former name if it still has one; None if missing."""
    row = PeriodicTask.objects.filter(name=declared.name).first()
    if row is None and declared.formerly:
        row = PeriodicTask.objects.filter(name__in=declared.formerly).order_by("pk").first()
        if row is not None:
            row.name = declared.name
            row.save(update_fields=["name"])
    return row


@transaction.atomic
def install(apps, *, reset: bool = False) -> dict[str, str]:
    """Create the missing declared rows (and, with `reset`, restore the others); name → what happened."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    outcome = {}
    for declared in SCHEDULES:
        row = _find(PeriodicTask, declared)
        if row is None:
            PeriodicTask.objects.create(name=declared.name, **_declared_fields(apps, declared))
            outcome[declared.name] = CREATED
        elif reset:
            for field, value in _declared_fields(apps, declared).items():
                setattr(row, field, value)
            row.save()
            outcome[declared.name] = RESET
        else:
            outcome[declared.name] = KEPT
    # What django-celery-beat's signals do for a saved row (historical models send none):
    # a running beat reads the schedule again.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return outcome
