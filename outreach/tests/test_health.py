"""/health/: JSON for monitoring, 200 when everything is alive, 503 when something stopped."""

import datetime

import pytest
from django.utils import timezone

from outreach.models import Heartbeat, Notice, NoticeTemplate, ScanRun
from outreach.tests.factories import business_expiring

pytestmark = pytest.mark.django_db


def finished_scan(hours_ago: float) -> ScanRun:
    finished = timezone.now() - datetime.timedelta(hours=hours_ago)
    return ScanRun.objects.create(for_date=timezone.localdate(finished), finished_at=finished)


def test_health_is_ok_without_login_when_the_scan_ran_and_reports_no_secrets(client, settings):
    settings.CELERY_BROKER_URL = ""
    finished_scan(hours_ago=2)
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "not configured"
    assert body["scan"]["ok"] is True
    assert body["notices_today"] == {"uncertain": 0, "failed": 0}
    assert "postgres://" not in response.content.decode() and "SECRET" not in response.content.decode()


def test_health_is_503_when_the_scan_has_not_run_for_a_day(client, settings):
    settings.CELERY_BROKER_URL = ""
    finished_scan(hours_ago=30)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["scan"]["ok"] is False


def test_health_is_503_when_the_worker_heartbeat_is_stale(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/12"
    finished_scan(hours_ago=1)
    Heartbeat.objects.create(name="sweeper", beat_at=timezone.now())
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - datetime.timedelta(minutes=20))
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "ok"
    assert body["worker"]["ok"] is False
    assert body["sweeper"]["ok"] is True


def test_health_is_ok_with_a_reachable_broker_and_fresh_heartbeats(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/12"
    finished_scan(hours_ago=1)
    for name in ("worker", "sweeper"):
        Heartbeat.record(name)
    assert client.get("/health/").status_code == 200


def test_health_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    finished_scan(hours_ago=1)
    for name in ("worker", "sweeper"):
        Heartbeat.record(name)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"


def test_health_counts_notices_uncertain_or_failed_today(client, settings):
    settings.CELERY_BROKER_URL = ""
    finished_scan(hours_ago=1)
    business = business_expiring(datetime.date(2030, 1, 31), email="a@example.jp")
    for status in ("uncertain", "uncertain", "failed", "sent"):
        Notice.objects.create(
            business=business,
            template=NoticeTemplate.objects.get(name="更新のお願い（メール）"),
            channel="email",
            status=status,
            due_on=timezone.localdate(),
            scheduled_for=timezone.localdate(),
        )
    response = client.get("/health/")
    assert response.status_code == 200  # reported for the desk, not an outage
    assert response.json()["notices_today"] == {"uncertain": 2, "failed": 1}
