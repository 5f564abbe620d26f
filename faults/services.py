"""Private services for the drill: PostgreSQL, redis-server, an SMTP sink, Celery, gunicorn, a mail provider.

Each runs on its own port in a temporary directory, never the machine's shared services,
and is stopped by the drill's ExitStack even when a scenario fails.
"""

import asyncio
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import redis
from aiosmtpd.controller import Controller

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


class PrivatePostgres:
    """initdb under `runuser -u postgres` into a temp dir; pg_ctl start/restart/stop on its own port."""

    def __init__(self, directory: Path, port: int):
        self.data = directory / "pg"
        self.port = port
        self.url = f"postgres://postgres@127.0.0.1:{port}/ccus_drill"

    def _run(self, *command: str) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True)
        if done.returncode:
            log = self.data / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stdout}{done.stderr}\n{tail}")

    def init(self) -> None:
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "ccus_drill")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data / "server.log")
        # A long wait: on a loaded machine start-up can pass pg_ctl's default 60 s.
        wait = ["-w", "-t", "300"]
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, *wait, action, *extra)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")


class PrivateRedis:
    """A redis-server without persistence: a restart loses every message, as an outage may."""

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = open(self.directory / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(self.ping, 10):
            raise RuntimeError("redis-server did not start")

    def ping(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def flush(self) -> None:
        redis.Redis.from_url(self.url).flushall()


class SmtpSink:
    """Counts messages per notice (X-CCUS-Notice); can refuse (451) or answer slowly."""

    def __init__(self, port: int):
        self.received: Counter = Counter()
        self.refuse = False
        self.delay = 0.0
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.port = port

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Temporarily refusing mail"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received[int(message["X-CCUS-Notice"])] += 1
        return "250 OK"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class CeleryProcess:
    """A worker or beat in its own process group, so SIGKILL takes its children too."""

    def __init__(self, name: str, arguments: list[str], directory: Path):
        self.name = name
        self.arguments = arguments
        self.log = directory / f"{name}.log"
        self.process = None
        self.supervised = False
        self.restarts = 0

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "ccus", *self.arguments]
        log = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def supervise(self) -> None:
        """Start again whenever the process exits on its own, as systemd's Restart=always would."""
        self.restarts = 0
        self.supervised = True

        def watch():
            while self.supervised:
                if self.process and self.process.poll() is not None:
                    self.restarts += 1
                    self.start()
                time.sleep(0.5)

        threading.Thread(target=watch, daemon=True).start()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown first (finish the task in hand), SIGKILL if it hangs."""
        self.supervised = False
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def worker(directory: Path) -> CeleryProcess:
    arguments = ["worker", "--pool", "prefork", "--concurrency", "2", "--without-gossip", "--without-mingle"]
    return CeleryProcess("worker", [*arguments, "--loglevel", "INFO"], directory)


def beat(directory: Path, name: str = "beat") -> CeleryProcess:
    # Each beat its own pidfile and schedule file, or the second one refuses to start.
    arguments = ["beat", "--max-interval", "1", "--pidfile", str(directory / f"{name}.pid")]
    return CeleryProcess(name, [*arguments, "-s", str(directory / f"{name}-schedule"), "--loglevel", "INFO"], directory)


class WebServer:
    """gunicorn serving the app (the provider's webhook) on its own port, stopped and started at will."""

    def __init__(self, directory: Path, port: int, probe: str):
        self.port = port
        self.probe = f"http://127.0.0.1:{port}{probe}"
        self.log = directory / "gunicorn.log"
        self.process = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "ccus.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{self.port}"]
        log = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(self.answers, 60, interval=0.5):
            raise RuntimeError("gunicorn did not answer")

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(urllib.request.Request(self.probe, method="HEAD"), timeout=2).read()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


class RetryingProvider:
    """A mail provider delivering webhook events: each is posted until a 2xx answers it, with backoff.

    Like Mailgun or Postmark, it retries on a refused connection, a timeout or any non-2xx;
    and, delivering at least once, it posts some events again after they were accepted.
    Counts what it posted and what was acknowledged.
    """

    def __init__(self, url: str, authorization: str):
        self.url = url
        self.authorization = authorization
        self.acknowledged: Counter = Counter()  # event key → 2xx answers
        self.failures = 0
        self.pending: dict[str, tuple[bytes, float, int]] = {}  # key → (body, next attempt, attempts)
        self.again: set[str] = set()  # keys to deliver once more after their acknowledgement

    def add(self, key: str, body: bytes, *, duplicate: bool = False) -> None:
        self.pending[key] = (body, 0.0, 0)
        if duplicate:
            self.again.add(key)

    def _post(self, body: bytes) -> bool:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": self.authorization},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return 200 <= response.status < 300
        except OSError:  # refused, timed out, or an HTTP error status
            return False

    def deliver(self, timeout: float) -> None:
        """Post every pending event until all are acknowledged or the timeout passes."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            now = time.monotonic()
            for key, (body, next_at, attempts) in list(self.pending.items()):
                if next_at > now:
                    continue
                if self._post(body):
                    self.acknowledged[key] += 1
                    del self.pending[key]
                    if key in self.again:
                        self.again.discard(key)
                        self.pending[key] = (body, 0.0, 0)
                else:
                    self.failures += 1
                    self.pending[key] = (body, now + min(0.5 * 2**attempts, 4.0), attempts + 1)
            time.sleep(0.05)
