"""On PostgreSQL: a pg_dump restored into a fresh database scans again and creates nothing twice."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring, policy_with_steps

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
D = datetime.date


def server_url(name: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


@pytest.fixture
def restored_database(postgres):
    """A scratch database on the same server (wt12_ prefix), dropped afterwards."""
    name = f"wt12_restore_{os.getpid()}"
    maintenance = server_url("postgres")
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def notice_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as restored:
        return restored.execute(
            "SELECT term_id, step_id, status FROM outreach_notice ORDER BY term_id, step_id"
        ).fetchall()


def test_a_restored_dump_scans_again_without_duplicates(restored_database, tmp_path):
    policy_with_steps(("email", 60, 0), ("postcard", 30, 0))
    for offset in range(12):
        business_expiring(D(2026, 12, 20) + datetime.timedelta(days=offset), email="" if offset % 4 else "a@b.jp")
    scan.run_scan(today=D(2026, 11, 25))
    before = Notice.objects.count()
    assert before > 0
    connection.close()

    dump = tmp_path / "ccus.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", dump, "-d", server_url(connection.settings_dict["NAME"])], check=True)
    restored = server_url(restored_database)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", restored, dump], check=True)
    rows = notice_rows(restored)
    assert len(rows) == before

    environment = {
        **os.environ,
        "DATABASE_URL": restored,
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }

    def scan_restored(date: str) -> None:
        command = [sys.executable, "manage.py", "run_reminders", "--date", date]
        subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)

    scan_restored("2026-11-25")  # the day of the dump again: nothing new
    assert [row[:2] for row in notice_rows(restored)] == [row[:2] for row in rows]
    scan_restored("2026-11-26")  # the next day: only what became due, each once
    after = [row[:2] for row in notice_rows(restored)]
    assert len(after) == len(set(after))
    assert set(after) > {row[:2] for row in rows}
