"""Operations: heartbeats, structured batch logs, a scan that survives a broker outage, the morning check."""

import datetime
import json
import logging

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ccus import roles
from outreach import outbox, scan, tasks
from outreach.models import Heartbeat, Notice, ScanRun
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = datetime.date


def json_lines(caplog, event: str) -> list[dict]:
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.getMessage().startswith("{")]
    return [line for line in lines if line["event"] == event]


def test_heartbeat_and_sweep_record_when_they_last_ran():
    tasks.heartbeat_task.delay()
    tasks.sweep_outbox_task.delay()
    assert Heartbeat.last("worker") is not None
    assert Heartbeat.last("sweeper") is not None


def test_scan_logs_one_json_line_with_its_counts(caplog, django_capture_on_commit_callbacks):
    policy_with_steps(("email", 60, 0))
    business_expiring(D(2026, 12, 31), email="a@example.jp")
    with caplog.at_level(logging.INFO, logger="outreach"), django_capture_on_commit_callbacks(execute=True):
        run = scan.run_scan(today=D(2026, 11, 15))
    [line] = json_lines(caplog, "scan")
    assert line["scan_run"] == run.pk
    assert line["date"] == "2026-11-15"
    assert line["email"]["created"] == 1
    [enqueued] = json_lines(caplog, "scan.enqueued")
    assert enqueued["enqueued"] == 1


def test_sweep_logs_its_counts(caplog):
    with caplog.at_level(logging.INFO, logger="outreach"):
        tasks.sweep_outbox_task.delay()
    [line] = json_lines(caplog, "sweep")
    assert line == {"event": "sweep", "uncertain": 0, "requeued": 0}


@pytest.mark.parametrize(
    ("failing", "logged"),
    [("send_email_task", {"enqueued": 0}), ("enqueue_scan_emails_task", {})],
    ids=["during the fan-out", "before the fan-out"],
)
def test_scan_finishes_and_keeps_its_notices_when_the_broker_is_down(
    caplog, monkeypatch, django_capture_on_commit_callbacks, failing, logged
):
    """The notices are committed; the sweeper enqueues them once the broker is back (the drill does it for real)."""

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    policy_with_steps(("email", 60, 0))
    business_expiring(D(2026, 12, 31), email="a@example.jp")
    monkeypatch.setattr(getattr(outbox, failing), "delay", broker_down)
    with caplog.at_level(logging.INFO, logger="outreach"), django_capture_on_commit_callbacks(execute=True):
        run = scan.run_scan(today=D(2026, 11, 15))
    run.refresh_from_db()
    assert run.finished_at is not None
    assert Notice.objects.get().status == "queued"
    [failure] = json_lines(caplog, "scan.enqueue_failed")
    assert logged.items() <= failure.items()
    assert failure.get("scan_run", run.pk) == run.pk


def test_scan_task_retries_when_the_database_connection_drops(monkeypatch):
    calls = []

    def flaky(*, today):
        calls.append(today)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return ScanRun(for_date=today, counts={"ok": True})

    monkeypatch.setattr(scan, "run_scan", flaky)
    monkeypatch.setattr(tasks.run_reminders_task, "default_retry_delay", 0)
    assert tasks.run_reminders_task.apply(args=["2026-11-15"], throw=False).get() == {"ok": True}
    assert calls == [D(2026, 11, 15), D(2026, 11, 15)]


def test_morning_check_shows_scans_sends_failures_uncertain_and_waiting(client):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    ScanRun.objects.create(for_date=yesterday, finished_at=None)
    policy_with_steps(("email", 60, 0))
    a = business_expiring(today + datetime.timedelta(days=30), name="株式会社朝日建設", email="a@example.jp")
    b = business_expiring(today + datetime.timedelta(days=30), name="株式会社夕陽工業", email="b@example.jp")
    c = business_expiring(today + datetime.timedelta(days=30), name="株式会社月光電設", email="c@example.jp")
    scan.run_scan(today=today)
    notices = {n.business_id: n for n in Notice.objects.all()}
    Notice.objects.filter(pk=notices[a.pk].pk).update(status="uncertain")
    Notice.objects.filter(pk=notices[b.pk].pk).update(status="failed", last_error="SMTPDataError: 451")
    sent_at = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(10)))
    Notice.objects.filter(pk=notices[c.pk].pk).update(status="sent", sent_at=sent_at)
    Notice.objects.create(
        business=c, template=notices[c.pk].template, channel="postcard", due_on=yesterday, scheduled_for=yesterday
    )
    client.force_login(staff_user(roles.DESK))
    response = client.get("/admin/outreach/morningcheck/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "朝の確認" in page
    assert "完了していません" in page  # yesterday's unfinished scan
    assert "株式会社朝日建設" in page.split('id="uncertain"')[1]
    assert "SMTPDataError: 451" in page.split('id="failed"')[1]
    waiting = page.split('id="waiting"')[1]
    assert "はがき" in waiting and yesterday.isoformat() in waiting
    assert "メール</td><td" in page.split('id="sent"')[1].replace(" ", "")


def test_morning_check_is_not_for_operators(client):
    client.force_login(staff_user(roles.OPERATOR))
    assert client.get("/admin/outreach/morningcheck/").status_code == 403
