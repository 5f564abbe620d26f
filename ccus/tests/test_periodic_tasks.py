"""Every periodic task is declared once (ccus/schedules.py) and installed by one installer.

The test database is migrated from empty, so the first test reads what `migrate` gave.
"""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from ccus import periodic_tasks
from ccus.celery import app
from ccus.schedules import SCHEDULES, TASK_QUEUES, Crontab

ROOT = Path(__file__).resolve().parents[2]
SCAN = next(declared for declared in SCHEDULES if declared.task == "outreach.tasks.run_reminders_task")
HEARTBEAT = next(declared for declared in SCHEDULES if declared.task == "outreach.tasks.heartbeat_task")


def as_declared(row: PeriodicTask) -> tuple:
    """A row as the declaration spells it: (name, task, schedule, expire_seconds, enabled, args, kwargs)."""
    if row.crontab is not None:
        when = Crontab(
            minute=row.crontab.minute,
            hour=row.crontab.hour,
            day_of_week=row.crontab.day_of_week,
            day_of_month=row.crontab.day_of_month,
            month_of_year=row.crontab.month_of_year,
            timezone=str(row.crontab.timezone),
        )
    else:
        when = (row.interval.every, row.interval.period)
    return row.name, row.task, when, row.expire_seconds, row.enabled, row.args, row.kwargs


def declared_rows() -> list[tuple]:
    return [
        (
            declared.name,
            declared.task,
            declared.when if isinstance(declared.when, Crontab) else (declared.when.every, declared.when.period),
            declared.expire_seconds,
            True,
            "[]",
            "{}",
        )
        for declared in SCHEDULES
    ]


def database_rows() -> list[tuple]:
    rows = PeriodicTask.objects.select_related("crontab", "interval")
    by_name = {row.name: as_declared(row) for row in rows}
    return [by_name.get(declared.name) for declared in SCHEDULES]


@pytest.mark.django_db
def test_migrating_from_empty_gives_every_declared_task_with_its_schedule():
    assert database_rows() == declared_rows()
    assert PeriodicTask.objects.count() == len(SCHEDULES)
    assert all(str(crontab.timezone) == "Asia/Tokyo" for crontab in CrontabSchedule.objects.all())


@pytest.mark.django_db
def test_the_command_is_idempotent_keeps_an_admins_edit_and_reset_restores(capsys):
    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    assert capsys.readouterr().out.split("\n").count(f"kept     {SCAN.name}") == 2
    assert database_rows() == declared_rows()
    counts = (PeriodicTask.objects.count(), CrontabSchedule.objects.count(), IntervalSchedule.objects.count())

    # An administrator moves the scan to 09:30 and switches the heartbeat off in the admin.
    nine_thirty = CrontabSchedule.objects.create(minute="30", hour="9", timezone="Asia/Tokyo")
    PeriodicTask.objects.filter(name=SCAN.name).update(crontab=nine_thirty)
    heartbeat = PeriodicTask.objects.get(name=HEARTBEAT.name)
    heartbeat.enabled = False
    heartbeat.save()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.get(name=SCAN.name).crontab == nine_thirty
    assert not PeriodicTask.objects.get(name=HEARTBEAT.name).enabled

    call_command("setup_periodic_tasks", "--reset")
    assert f"reset    {SCAN.name}" in capsys.readouterr().out
    assert database_rows() == declared_rows()
    assert PeriodicTask.objects.count() == counts[0]
    assert IntervalSchedule.objects.count() == counts[2]


@pytest.mark.django_db
def test_a_deleted_task_comes_back_and_an_admins_own_task_is_left_alone(capsys):
    every_day = CrontabSchedule.objects.create(minute="0", hour="6", timezone="Asia/Tokyo")
    own = PeriodicTask.objects.create(
        name="一団体だけのリスト",
        task="outreach.tasks.build_association_lists_task",
        crontab=every_day,
        args='["TOBI"]',
    )
    PeriodicTask.objects.filter(name=SCAN.name).delete()

    call_command("setup_periodic_tasks", "--reset")

    assert f"created  {SCAN.name}" in capsys.readouterr().out
    assert database_rows() == declared_rows()
    own.refresh_from_db()
    assert (own.crontab, own.args, own.enabled) == (every_day, '["TOBI"]', True)


@pytest.mark.django_db
def test_a_task_still_under_its_former_name_is_renamed_with_its_edits_not_duplicated():
    row = PeriodicTask.objects.get(name=HEARTBEAT.name)
    row.name, row.enabled = HEARTBEAT.formerly[0], False
    row.save()

    outcome = periodic_tasks.install(apps)

    assert outcome[HEARTBEAT.name] == periodic_tasks.KEPT
    assert list(PeriodicTask.objects.filter(task=HEARTBEAT.task).values_list("name", "enabled")) == [
        (HEARTBEAT.name, False)
    ]


def test_every_declared_and_routed_task_is_a_registered_celery_task():
    app.loader.import_default_modules()
    declared = {periodic.task for periodic in SCHEDULES}
    routed = {name for names in TASK_QUEUES.values() for name in names}

    assert sorted(declared - set(app.tasks)) == []
    assert sorted(routed - set(app.tasks)) == []
    assert len({periodic.name for periodic in SCHEDULES}) == len(SCHEDULES)


def test_no_migration_writes_a_periodic_task_itself():
    writers = sorted(
        str(path.relative_to(ROOT))
        for app_name in ("registrations", "renewals", "outreach")
        for path in (ROOT / app_name / "migrations").glob("*.py")
        if "PeriodicTask" in path.read_text(encoding="utf-8")
    )
    assert writers == []
