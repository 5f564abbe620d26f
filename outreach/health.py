"""/health/ for monitoring: is every part of the outbox alive? JSON, no login, nothing sensitive.

200 when the database answers, the broker (if one is configured) answers, a worker's
heartbeat and the sweeper are recent and the daily scan finished recently; else 503.
Notices uncertain or failed today are reported for the morning, not counted as down.
"""

import datetime

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from outreach import selectors
from outreach.models import Heartbeat


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "not configured" if not url else "not checked"
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"


def _age(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else int((now - moment).total_seconds())


def health_report(now: datetime.datetime | None = None) -> tuple[bool, dict]:
    """(healthy, report) — the report holds states, timestamps and counts only."""
    now = now or timezone.now()
    database = _database()
    report: dict = {"database": "ok" if database else "unreachable", "broker": _broker()}
    healthy = database and report["broker"] in ("ok", "not configured", "not checked")
    if not database:
        return False, report
    # Without a broker tasks run in process: no worker, no periodic sweeper to wait for.
    background = bool(settings.CELERY_BROKER_URL)
    for key, name, limit in [
        ("worker", Heartbeat.Name.WORKER, settings.HEALTH_HEARTBEAT_MAX_AGE_MINUTES),
        ("sweeper", Heartbeat.Name.SWEEPER, settings.HEALTH_SWEEP_MAX_AGE_MINUTES),
    ]:
        last = Heartbeat.last(name)
        fresh = last is not None and now - last <= datetime.timedelta(minutes=limit)
        report[key] = {"last": last, "age_seconds": _age(last, now), "ok": fresh or not background}
        healthy = healthy and report[key]["ok"]
    scan = selectors.last_finished_scan()
    scan_at = scan.finished_at if scan else None
    scan_fresh = scan_at is not None and now - scan_at <= datetime.timedelta(hours=settings.HEALTH_SCAN_MAX_AGE_HOURS)
    report["scan"] = {
        "last": scan_at,
        "for_date": scan.for_date if scan else None,
        "age_seconds": _age(scan_at, now),
        "ok": scan_fresh,
    }
    healthy = healthy and scan_fresh
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    report["notices_today"] = selectors.notices_troubled(since=midnight)
    return healthy, report


@never_cache
@require_GET
def health(request):
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **report}, status=200 if healthy else 503)
