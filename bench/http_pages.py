"""Admin pages served by gunicorn and fetched over HTTP on loopback: p50/p95, ours against a stock ModelAdmin.

    python -m bench.http_pages --requests 20

Production settings (DEBUG off, static files collected, whitenoise) with the stock
admin of bench/urls.py at /stock/. The session is created in the database and sent
as a cookie, since production cookies are Secure-only and the bench speaks plain HTTP.
Queries per page are counted in a second, in-process pass with Django's test client
(CaptureQueriesContext), so the timed requests carry no instrumentation.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "bench-only-not-a-secret",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "REQUIRE_OTP": "false",  # the bench's session is made in the database, without a second factor
    "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def pages() -> list[tuple[str, str, str | None]]:
    """(label, our URL, the stock admin's URL for the same thing or None)."""
    from outreach.models import CallTask
    from registrations.models import Business

    sample = Business.objects.order_by("pk")[Business.objects.count() // 2]
    ours, stock = "/admin/registrations/business/", "/stock/registrations/business/"
    searches = {
        "search: name (5 characters)": sample.name_key[:5],
        "search: short name (2 characters)": sample.name_key[:2],
        "search: phone": sample.phone,
        "search: 事業者ID": sample.ccus_id,
    }
    listed = [("changelist", ours, stock)]
    for label, query in searches.items():
        encoded = urllib.parse.urlencode({"q": query})
        listed.append((label, f"{ours}?{encoded}", f"{stock}?{encoded}"))
    listed.append(("business page", f"{ours}{sample.pk}/change/", f"{stock}{sample.pk}/change/"))
    if CallTask.objects.exists():
        listed.append(("call queue", "/admin/outreach/calltask/", None))
    listed.append(("dashboard", "/admin/outreach/dashboard/", None))
    for kind, label in (
        ("prefecture_trade_group", "prefecture × trade group"),
        ("trade_capital_band", "trade × capital band"),
    ):
        listed.append((f"segments: {label}", f"/admin/outreach/dashboard/segments/?kind={kind}", None))
    return listed


def session_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def fetch(base: str, url: str, cookie: str) -> float:
    request = urllib.request.Request(base + url, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - started) * 1000


def timings(base: str, url: str, cookie: str, requests: int) -> tuple[float, float]:
    fetch(base, url, cookie)  # warm-up
    values = [fetch(base, url, cookie) for _ in range(requests)]
    return statistics.median(values), percentile(values, 0.95)


def query_count(url: str) -> int:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def start_gunicorn(
    port: int, *, options: tuple[str, ...] = ("--workers", "2"), probe: str = "/health/", method: str = "GET"
) -> subprocess.Popen:
    """gunicorn with the production settings, once `probe` answers."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "ccus.wsgi", *options, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{probe}", method=method), timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer {probe}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--stock-requests", type=int, default=5)
    parser.add_argument("--port", type=int, default=8710)
    args = parser.parse_args()
    os.environ.update(PRODUCTION_ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    cookie, base = session_cookie(), f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(args.port)
    rows = []
    try:
        for label, ours, stock in pages():
            ours_p50, ours_p95 = timings(base, ours, cookie, args.requests)
            row = {"page": label, "p50": ours_p50, "p95": ours_p95, "queries": query_count(ours)}
            if stock:
                stock_p50, stock_p95 = timings(base, stock, cookie, args.stock_requests)
                row |= {"stock_p50": stock_p50, "stock_p95": stock_p95, "stock_queries": query_count(stock)}
            print(json.dumps(row, ensure_ascii=False))
            rows.append(row)
    finally:
        server.terminate()
        server.wait()
    print("RESULT " + json.dumps({"count": len(rows), "seconds": 0, "pages": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
