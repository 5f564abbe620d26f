"""A real Celery worker on Redis refreshes the dashboard's snapshot sent to it through the task API."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from ccus.celery import app as celery_app
from outreach.reports import dashboard, snapshots
from outreach.reports import tasks as report_tasks
from outreach.reports.tests import dashboard_data
from outreach.tests.test_idempotency_postgres import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[3]
# A queue of its own per run on Redis database 9, so runs sharing a Redis never take each other's tasks.
QUEUE = f"test-dashboard-refresh-{os.getpid()}"


@pytest.fixture
def broker(redis_url, postgres):
    url = redis_url.rsplit("/", 1)[0] + "/9"
    yield url
    redis.Redis.from_url(url).delete(QUEUE)


@pytest.fixture
def worker(broker):
    environment = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker}
    command = [sys.executable, "-m", "celery", "-A", "ccus", "worker", "--pool", "solo", "-Q", QUEUE]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    process.wait(timeout=20)


def test_a_worker_refreshes_the_snapshot_sent_through_the_task_api(broker, worker):
    dashboard_data.build()
    connection.close()  # the worker must see committed rows only

    with celery_app.connection_for_write(broker) as connection_to_redis:
        report_tasks.refresh_dashboard_task.apply_async(connection=connection_to_redis, queue=QUEUE)
    deadline = time.monotonic() + 120  # the worker starts Django first, on a busy machine
    while snapshots.latest() is None and time.monotonic() < deadline:
        time.sleep(0.2)

    snapshot = snapshots.latest()
    if snapshot is None:
        worker.terminate()
        pytest.fail("the worker did not refresh:\n" + worker.communicate(timeout=20)[0].decode()[-3000:])
    assert snapshots.dashboard_from(snapshot) == dashboard.dashboard(today=snapshot.as_of)
