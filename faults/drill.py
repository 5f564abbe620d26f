"""The fault drill: seven scenarios against a real worker, beat and web server on private services.

Steps: start a private PostgreSQL cluster, redis-server and SMTP sink; migrate; install a
one-step e-mail ladder and a sweeper every two seconds; then for each scenario seed a
fresh register, inject the fault, wait for the outbox to settle and count what was due,
created, sent, duplicated, lost and uncertain (for the webhook scenario: the provider's
events, recorded, acknowledged and applied). Prints the table; exits 1 on any
duplicate, loss or stray notice. Everything it started is stopped, and its temp dir
removed, even when it fails.
"""

import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from faults import ledger
from faults.services import (
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    RetryingProvider,
    SmtpSink,
    WebServer,
    beat,
    wait_until,
    worker,
)
from outreach.tests import provider_posts

PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "56379"))
REDIS_DOWN_SECONDS = int(os.environ.get("FAULTS_REDIS_DOWN_SECONDS", "60"))  # "stopped for a minute"
WEBHOOK_DOWN_SECONDS = int(os.environ.get("FAULTS_WEBHOOK_DOWN_SECONDS", "6"))  # no server, then no database
STEP_DAYS = 60  # the drill's ladder: one e-mail from 60 days before expiry until expiry


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure(database_url: str, broker_url: str, smtp_port: int) -> None:
    """The settings every process of the drill shares (they read the environment)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ccus.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_VISIBILITY_TIMEOUT": "10",  # a killed worker's message comes back in seconds
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "10",
            "SENDING_HOUR_FROM": "0",
            "SENDING_HOUR_TO": "24",
            "SEND_ON_BUSINESS_DAYS_ONLY": "false",
            "SENDING_TIMEOUT_MINUTES": "0.25",
            "REQUEUE_AFTER_MINUTES": "0.1",
            "EMAIL_MAX_ATTEMPTS": "50",  # the refusing SMTP server must not exhaust the attempts
            "DAILY_CAP_EMAIL": "0",
            "LOG_LEVEL": "WARNING",
            # The mail provider's webhook (Mailgun), signed as the tests sign it.
            "ANYMAIL_WEBHOOK_SECRET": provider_posts.WEBHOOK_SECRET,
            "MAILGUN_WEBHOOK_SIGNING_KEY": provider_posts.MAILGUN_SIGNING_KEY,
        }
    )


class Drill:
    """Holds the services and the register of one drill run."""

    def __init__(self, directory: Path, postgres: PrivatePostgres, broker: PrivateRedis, smtp: SmtpSink):
        self.directory = directory
        self.postgres = postgres
        self.broker = broker
        self.smtp = smtp
        self.worker = worker(directory)
        self.beat = beat(directory)
        self.web = WebServer(directory, free_port(), provider_posts.url("mailgun"))
        self.today = None
        self.step = None

    def prepare(self) -> None:
        """Migrate, install the drill's ladder and schedules (before any beat reads them)."""
        from django.core.management import call_command
        from django.utils import timezone
        from django_celery_beat.models import IntervalSchedule, PeriodicTask

        from outreach.models import NoticeTemplate, ReminderPolicy, ReminderStep

        call_command("migrate", verbosity=0)
        self.today = timezone.localdate()
        ReminderPolicy.objects.update(is_active=False)
        policy = ReminderPolicy.objects.create(name="drill", is_active=True)
        self.step = ReminderStep.objects.create(
            policy=policy,
            name="drill e-mail",
            channel="email",
            days_before=STEP_DAYS,
            last_days_before=0,
            template=NoticeTemplate.objects.filter(channel="email").order_by("pk").first(),
        )
        PeriodicTask.objects.update(enabled=False)
        every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
        for task in ("outreach.tasks.sweep_outbox_task", "outreach.tasks.heartbeat_task"):
            PeriodicTask.objects.create(name=f"drill {task}", task=task, interval=every_two)

    def seed(self, *, due: int, not_due: int = 10, edge: int = 0) -> set[int]:
        """A fresh register: `due` businesses inside the window (`edge` of them on its first
        day, due from today only) and `not_due` outside it. Returns the ids that are due."""
        from django.db import connection

        from outreach.tests.factories import business_expiring

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE registrations_business, outreach_scanrun CASCADE")
        self.broker.flush()
        self.smtp.received.clear()
        ids = set()
        for index in range(due):
            days = STEP_DAYS if index < edge else 1 + index % (STEP_DAYS - 1)
            business = business_expiring(self.today + datetime.timedelta(days=days), email=f"due{index}@example.jp")
            ids.add(business.pk)
        for index in range(not_due):
            business_expiring(self.today + datetime.timedelta(days=STEP_DAYS + 5 + index), email=f"no{index}@ex.jp")
        return ids

    def scan_task(self, date: datetime.date | None = None) -> None:
        from outreach.tasks import run_reminders_task

        run_reminders_task.delay((date or self.today).isoformat())

    def scan_command(self, date: datetime.date) -> None:
        command = [sys.executable, "manage.py", "run_reminders", "--date", date.isoformat()]
        subprocess.run(command, cwd=ROOT, env=os.environ.copy(), check=True, capture_output=True)

    def notices(self) -> list[tuple[int, int, str]]:
        from django.db import connection

        from outreach.models import Notice

        connection.close()  # a restarted server leaves the drill's own connection dead
        return list(Notice.objects.filter(step=self.step).values_list("pk", "business_id", "status"))

    def scans(self) -> str:
        """Scan runs started and finished: an interrupted scan stays unfinished, its retry finishes."""
        from outreach.models import ScanRun

        runs = ScanRun.objects.all()
        return f"scans started {runs.count()}, finished {runs.filter(finished_at__isnull=False).count()}"

    def received(self) -> int:
        return sum(self.smtp.received.values())

    def settle(self, due: set[int], timeout: float = 60) -> None:
        """Wait until every due notice exists and none is queued or sending (or the timeout)."""

        def settled():
            rows = self.notices()
            return {business for _pk, business, _status in rows} >= due and not any(
                status in ledger.WAITING for *_rest, status in rows
            )

        wait_until(settled, timeout, interval=1)
        time.sleep(1)  # room for a wrongful second delivery to arrive

    def count(self, scenario: str, due: set[int]) -> ledger.Tally:
        return ledger.tally(scenario, due=due, notices=self.notices(), received=self.smtp.received)

    @contextlib.contextmanager
    def scan_held(self):
        """Hold a lock the scan needs, so a fault can land while the scan is in flight."""
        import psycopg

        lock = psycopg.connect(self.postgres.url)
        lock.execute("LOCK TABLE outreach_notice IN SHARE ROW EXCLUSIVE MODE")
        try:
            yield lambda: wait_until(lambda: self._scan_waiting(), 30)
        finally:
            with contextlib.suppress(psycopg.Error):
                lock.commit()
                lock.close()

    def _scan_waiting(self) -> bool:
        import psycopg

        with psycopg.connect(self.postgres.url) as probe:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND query ILIKE '%outreach_notice%'"
            ).fetchone()
        return row[0] > 0

    # The scenarios. Each returns its tally.

    def worker_killed_mid_batch(self) -> ledger.Tally:
        due = self.seed(due=60)
        self.smtp.delay = 0.2
        self.scan_task()
        wait_until(lambda: self.received() >= 15, 60)
        self.worker.kill(signal.SIGKILL)  # the supervisor starts a new one, as systemd would
        self.smtp.delay = 0.0
        self.settle(due)
        return self.count("worker SIGKILL mid-batch", due)

    def redis_down_during_scan(self) -> ledger.Tally:
        due = self.seed(due=40)
        with self.scan_held() as scan_waiting:
            self.scan_task()
            scan_waiting()
            self.broker.stop()
        # The scan commits with the broker gone: its sends cannot be enqueued.
        time.sleep(REDIS_DOWN_SECONDS)
        self.broker.start()
        self.settle(due, timeout=90)
        return self.count(f"Redis down {REDIS_DOWN_SECONDS}s during scan", due)

    def postgres_restart_during_scan(self) -> ledger.Tally:
        due = self.seed(due=40)
        with self.scan_held() as scan_waiting:
            self.scan_task()
            scan_waiting()
            self.postgres.restart()
        self.settle(due, timeout=90)
        return self.count("PostgreSQL restart during scan", due)

    def smtp_refusing_then_accepting(self) -> ledger.Tally:
        due = self.seed(due=40)
        self.smtp.refuse = True
        self.scan_task()
        time.sleep(8)
        self.smtp.refuse = False
        self.settle(due, timeout=90)
        return self.count("SMTP refusing, then accepting", due)

    def two_beats(self) -> ledger.Tally:
        from django_celery_beat.models import IntervalSchedule, PeriodicTask

        due = self.seed(due=40)
        self.beat.stop()
        every_three, _ = IntervalSchedule.objects.get_or_create(every=3, period=IntervalSchedule.SECONDS)
        daily = PeriodicTask.objects.create(
            name="drill scan", task="outreach.tasks.run_reminders_task", interval=every_three
        )
        second = beat(self.directory, "beat-2")
        self.beat.start()
        second.start()
        try:
            time.sleep(15)  # both beats send every scan and every sweep: several scans at once
        finally:
            second.stop()
            self.beat.stop()
            daily.delete()
            self.beat.start()
        self.settle(due)
        return self.count("two beat processes", due)

    def clock_a_day_late(self) -> ledger.Tally:
        due = self.seed(due=30, edge=5)  # the edge five are due from today only
        self.scan_command(self.today - datetime.timedelta(days=1))
        self.scan_command(self.today)
        self.settle(due)
        return self.count("scan clock a day late", due)

    def provider_events(self, provider: RetryingProvider, due: set[int]) -> dict[str, int]:
        """A Mailgun event per sent notice (delivered, or every other one a hard bounce); a
        quarter of them delivered twice. Returns event key → business."""
        from outreach.models import Notice

        events = {}
        sent = Notice.objects.filter(step=self.step, status="sent", business__in=due).select_related("business")
        for index, notice in enumerate(sent.order_by("pk")):
            name = "mailgun_failed_permanent" if index % 2 else "mailgun_delivered"
            payload = provider_posts.sample(name)
            key = f"drill-{notice.pk}-{name}"
            payload["signature"] |= {"token": key, "timestamp": str(int(time.time()))}
            payload["event-data"] |= {
                "recipient": notice.recipient,
                "timestamp": time.time(),
                "user-variables": {"notice": str(notice.pk)},
            }
            body = json.dumps(provider_posts.mailgun_signed(payload)).encode()
            provider.add(key, body, duplicate=index % 4 == 0)
            events[key] = notice.business_id
        return events

    def webhook_effects(self) -> tuple[Counter, Counter]:
        """Stored events per key; per business, its bounce rows plus a delivery on its notice."""
        from django.db import connection

        from outreach.models import Bounce, DeliveryEvent, Notice

        connection.close()  # the drill's own connection died with the database
        recorded = Counter(DeliveryEvent.objects.values_list("event_id", flat=True))
        effects = Counter(Bounce.objects.values_list("business_id", flat=True))
        effects.update(Notice.objects.filter(delivery="delivered").values_list("business_id", flat=True))
        return recorded, effects

    def webhook_receiver_down(self) -> ledger.Tally:
        due = self.seed(due=40)
        self.scan_task()
        self.settle(due)
        provider = RetryingProvider(self.web.probe, provider_posts.authorization())
        events = self.provider_events(provider, due)
        self.web.stop()  # the receiver is down: the provider's posts are refused
        delivery = threading.Thread(target=provider.deliver, args=(120,))
        delivery.start()
        time.sleep(WEBHOOK_DOWN_SECONDS)
        self.postgres.stop()  # it comes back without its database: 500 to every event
        self.web.start()
        time.sleep(WEBHOOK_DOWN_SECONDS)
        self.postgres.start()
        delivery.join()
        recorded, effects = self.webhook_effects()
        twice = sum(1 for count in provider.acknowledged.values() if count > 1)
        print(f"  the provider's posts refused or failed: {provider.failures}; events delivered twice: {twice}")
        return ledger.webhook_tally(
            f"webhook receiver down {WEBHOOK_DOWN_SECONDS}s, its database {WEBHOOK_DOWN_SECONDS}s",
            events=events,
            acknowledged=provider.acknowledged,
            pending=provider.pending,
            recorded=recorded,
            effects=effects,
        )

    def run(self) -> list[ledger.Tally]:
        self.worker.start()
        self.worker.supervise()
        self.beat.start()
        self.web.start()
        scenarios = [
            self.worker_killed_mid_batch,
            self.redis_down_during_scan,
            self.postgres_restart_during_scan,
            self.smtp_refusing_then_accepting,
            self.two_beats,
            self.clock_a_day_late,
            self.webhook_receiver_down,
        ]
        only = os.environ.get("FAULTS_ONLY", "").split(",")
        scenarios = [scenario for scenario in scenarios if scenario.__name__ in only] if any(only) else scenarios
        tallies = []
        for scenario in scenarios:
            started = time.monotonic()
            tallies.append(scenario())
            elapsed = time.monotonic() - started
            print(
                f"  {tallies[-1].scenario}: {elapsed:.0f}s; {self.scans()}; worker restarts {self.worker.restarts}",
                flush=True,
            )
        return tallies


def main() -> int:
    directory = Path(tempfile.mkdtemp(prefix="ccus-faults-"))
    directory.chmod(0o755)
    keep = os.environ.get("FAULTS_KEEP_LOGS") == "1"
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: None if keep else shutil.rmtree(directory, ignore_errors=True))
        postgres = PrivatePostgres(directory, PG_PORT)
        broker = PrivateRedis(directory, REDIS_PORT)
        smtp = SmtpSink(free_port())
        stack.callback(postgres.stop)
        postgres.init()
        stack.callback(broker.stop)
        broker.start()
        stack.callback(smtp.stop)
        smtp.start()
        configure(postgres.url, broker.url, smtp.port)

        import django

        django.setup()
        drill = Drill(directory, postgres, broker, smtp)
        stack.callback(drill.worker.stop)
        stack.callback(drill.beat.stop)
        stack.callback(drill.web.stop)
        print(f"fault drill: private PostgreSQL :{PG_PORT}, redis :{REDIS_PORT}, SMTP :{smtp.port}", flush=True)
        drill.prepare()
        tallies = drill.run()
        print(ledger.table(tallies))
        print(f"total {time.monotonic() - started:.0f}s" + (f"; logs in {directory}" if keep else ""))
        return 0 if all(tally.ok for tally in tallies) else 1
