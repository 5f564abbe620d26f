"""A scan that fails is marked failed, never left hanging; the task runs it again."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError

from outreach import scan, tasks
from outreach.models import Notice, ScanRun
from outreach.tests.factories import business_expiring, policy_with_steps

pytestmark = pytest.mark.django_db
D = datetime.date
MORNING = datetime.datetime(2026, 11, 15, 6, tzinfo=datetime.UTC)


@time_machine.travel(MORNING, tick=False)
def test_a_scan_that_raises_is_marked_failed_with_its_error_and_writes_nothing(monkeypatch):
    policy_with_steps(("email", 60, 0))
    business_expiring(D(2026, 12, 31), email="a@example.jp")

    def conflict(**kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "term_one_current"')

    monkeypatch.setattr(scan, "cancel_unneeded", conflict)
    with pytest.raises(IntegrityError):
        scan.run_scan(today=D(2026, 11, 15))
    run = ScanRun.objects.get()
    assert run.finished_at is None
    assert run.failed_at == MORNING
    assert run.error.startswith("IntegrityError: duplicate key value")
    assert not Notice.objects.exists()


def test_a_run_left_unfinished_by_a_dead_process_is_marked_failed_by_the_next_scan():
    with time_machine.travel(MORNING, tick=False):
        dead = ScanRun.objects.create(for_date=D(2026, 11, 15))
    with time_machine.travel(MORNING + scan.SCAN_TIME_LIMIT - datetime.timedelta(minutes=1), tick=False):
        scan.run_scan(today=D(2026, 11, 15))
        dead.refresh_from_db()
        assert dead.failed_at is None  # it may still be running
    with time_machine.travel(MORNING + scan.SCAN_TIME_LIMIT + datetime.timedelta(minutes=1), tick=False):
        later = scan.run_scan(today=D(2026, 11, 15))
        dead.refresh_from_db()
        assert dead.failed_at is not None
        assert dead.error.startswith("interrupted")
        assert later.finished_at is not None and later.failed_at is None


def test_the_scan_task_runs_again_after_an_integrity_error_from_a_concurrent_writer(monkeypatch):
    calls = []

    def conflicted_once(*, today):
        calls.append(today)
        if len(calls) == 1:
            raise IntegrityError('duplicate key value violates unique constraint "term_one_current"')
        return ScanRun(for_date=today, counts={"ok": True})

    monkeypatch.setattr(scan, "run_scan", conflicted_once)
    monkeypatch.setattr(tasks.run_reminders_task, "default_retry_delay", 0)
    assert tasks.run_reminders_task.apply(args=["2026-11-15"], throw=False).get() == {"ok": True}
    assert calls == [D(2026, 11, 15), D(2026, 11, 15)]
