"""A real Celery worker on Redis sends a notice to an SMTP server the test starts."""

import datetime
import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection

from ccus.celery import app as celery_app
from outreach import outbox
from outreach.models import Notice, NoticeTemplate
from outreach.tests.factories import business_expiring
from outreach.tests.test_idempotency_postgres import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
# One queue per test run, so that two runs sharing a Redis never take each other's tasks.
QUEUE = f"test-outreach-smtp-{os.getpid()}"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def broker(redis_url, postgres):
    url = redis_url.rsplit("/", 1)[0] + "/11"
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    celery_app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=QUEUE)
    yield url
    celery_app.conf.update(previous)
    redis.Redis.from_url(url).delete(QUEUE)


@pytest.fixture
def worker(broker, smtp_server):
    _inbox, port = smtp_server
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "SENDING_HOUR_FROM": "0",
        "SENDING_HOUR_TO": "24",
        "SEND_ON_BUSINESS_DAYS_ONLY": "false",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "ccus",
        "worker",
        "--pool",
        "solo",
        "-Q",
        QUEUE,
        "--loglevel",
        "INFO",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    process.wait(timeout=20)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_once_even_when_the_task_is_delivered_twice(smtp_server, broker, worker):
    inbox, _port = smtp_server
    business = business_expiring(datetime.date(2027, 1, 31), name="株式会社髙橋工務店", email="takahashi@example.jp")
    notice = Notice.objects.create(
        business=business,
        term=business.terms.get(),
        template=NoticeTemplate.objects.get(name="更新のお願い（メール）"),
        channel="email",
        due_on=datetime.date(2026, 12, 1),
        scheduled_for=datetime.date(2026, 12, 1),
    )
    connection.close()  # the worker must see committed rows only
    # An explicit connection: the app's producer pool may already point at another broker.
    with celery_app.connection_for_write(broker) as connection_to_redis:
        for _ in range(2):  # the second is a duplicate delivery of the same work
            outbox.send_email_task.apply_async(args=[notice.pk], connection=connection_to_redis, queue=QUEUE)

    # Generous: the worker process starts Django and connects first, on a busy machine.
    sent = wait_for(lambda: Notice.objects.get(pk=notice.pk).status == "sent", timeout=120)
    if not sent:
        worker.terminate()
        pytest.fail("the worker did not send:\n" + worker.communicate(timeout=20)[0].decode()[-3000:])
    time.sleep(2)  # room for a wrongful second send to arrive
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["takahashi@example.jp"]
    assert message["Subject"] == "CCUS事業者登録更新のお願い"
    assert "株式会社髙橋工務店 御中" in message.get_content()
    assert Notice.objects.get(pk=notice.pk).attempts == 1
