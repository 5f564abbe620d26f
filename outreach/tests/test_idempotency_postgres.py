"""On PostgreSQL: the scan twice, or in two processes at once, creates what one scan does."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
D = datetime.date


def database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.fixture
def register(postgres):
    for offset in range(40):
        business_expiring(D(2026, 12, 31) + datetime.timedelta(days=offset * 5), email="" if offset % 3 else "a@b.jp")


def test_scan_twice_equals_one_scan(register):
    expected = scan.run_scan(today=D(2026, 11, 27), dry_run=True).counts
    scan.run_scan(today=D(2026, 11, 27))
    scan.run_scan(today=D(2026, 11, 27))
    created = sum(entry["created"] for key, entry in expected.items() if isinstance(entry, dict))
    assert Notice.objects.exclude(status="skipped").count() == created


def test_two_scans_at_once_in_two_processes_create_each_notice_once(register):
    expected = scan.run_scan(today=D(2026, 11, 27), dry_run=True).counts
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",
        "SENDING_HOUR_FROM": "0",
        "SENDING_HOUR_TO": "0",
    }
    command = [sys.executable, "manage.py", "run_reminders", "--date", "2026-11-27"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    created = sum(entry["created"] for key, entry in expected.items() if isinstance(entry, dict))
    assert Notice.objects.count() == created
    assert Notice.objects.values("term", "step").distinct().count() == created
