"""The answer page (/a/<token>/, no login) served by gunicorn and fetched over HTTP: p50/p95,
beside the stock Django admin login page of the same server.

    python -m bench.answer_page --businesses 300 --answers 100

Production settings (bench.http_pages.PRODUCTION_ENV), the rate limits' cache in Redis as
in production, gunicorn with 2 sync workers. Each GET opens the page of a different
business, with a freshly signed token for its latest notice (as `response_link` prints
it), businesses drawn at random over the whole register; each POST records a
更新申請します answer for another business (CSRF token and cookie as a browser sends them;
the redirect that follows is not fetched). Every request is timed beside one to the stock
admin login page (GET, and an empty POST that re-renders the form): same server, same
middleware, a form page that reads no register.

The register is put back afterwards: the run's answers and their history are removed, and
the queued notices the answers cancelled are queued again with their history rows of the
run removed; the script checks that those businesses' notices are as before.
The rate limits (30 an hour a link, 120 an address) would refuse a bench that sends
everything from one address, so they are raised for the server through ANSWER_RATE_PER_LINK
and ANSWER_RATE_PER_ADDRESS; every request still counts in Redis, and any answer other
than 200 (GET) or 302 (POST) fails the run. Queries per request are counted in a second,
in-process pass with Django's test client (CaptureQueriesContext): one more business answers
there, and is put back with the others.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_pages import PRODUCTION_ENV, percentile, start_gunicorn  # noqa: E402

ENV = {  # beside PRODUCTION_ENV, which start_gunicorn gives the server
    **PRODUCTION_ENV,
    "CACHE_URL": "redis://127.0.0.1:6379/13",  # a Redis database only the bench uses
    "ANSWER_RATE_PER_LINK": "1000000",
    "ANSWER_RATE_PER_ADDRESS": "1000000",
    "LOG_LEVEL": "WARNING",
}
STOCK_LOGIN = "/stock/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEED = 20


def chosen_notices(count: int, today: datetime.date) -> list:
    """The latest notice of `count` random businesses that have one, no standing answer and an expiry to come."""
    from outreach import rendering
    from outreach.models import Answer, Notice
    from registrations.models import Business

    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    drawn = random.Random(SEED).sample(ids, min(len(ids), count * 3))
    latest = (
        Notice.objects.select_related("business", "term")
        .filter(business_id__in=drawn)
        .order_by("business_id", "-created_at", "-pk")
        .distinct("business_id")
    )
    answered = set(Answer.objects.filter(notice__in=latest).values_list("notice_id", flat=True))
    usable = [n for n in latest if n.pk not in answered and rendering.expiry_of(n) >= today]
    random.Random(SEED).shuffle(usable)
    if len(usable) < count:
        raise SystemExit(f"only {len(usable)} businesses with a notice to answer; {count} asked")
    return usable[:count]


def request(
    port: int, method: str, path: str, *, body: str = "", headers: dict | None = None
) -> tuple[float, int, str]:
    """One request on a new connection (as a phone opens the link): milliseconds, status, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(method, path, body=body.encode(), headers=headers or {})
    response = connection.getresponse()
    text = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed, response.status, text


def csrf_pair(port: int, path: str) -> tuple[str, str]:
    """(cookie header, form token) as a browser has them after opening the page."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    cookie = next(h.split(";", 1)[0] for k, h in response.getheaders() if k.lower() == "set-cookie" and "csrf" in h)
    return cookie, CSRF_INPUT.search(text)[1]


def form_post(port: int, path: str, fields: dict, csrf: tuple[str, str]) -> tuple[float, int, str]:
    cookie, token = csrf
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return request(port, "POST", path, body=body, headers=headers)


def answer_fields(today: datetime.date) -> dict:
    return {"kind": "will_apply", "apply_by": today.isoformat()}


def summary(label: str, ours: list[float], stock: list[float], queries: int, stock_queries: int) -> dict:
    return {
        "page": label,
        "p50": statistics.median(ours),
        "p95": percentile(ours, 0.95),
        "queries": queries,
        "stock_p50": statistics.median(stock),
        "stock_p95": percentile(stock, 0.95),
        "stock_queries": stock_queries,
    }


def query_counts(get_path: str, post_path: str, today: datetime.date) -> tuple[int, int, int, int]:
    """Queries of our GET and POST (an answer recorded, put back with the timed ones) and of the stock
    login page's GET and POST."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def counted(call, expected: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            status = call().status_code
        assert status == expected, (status, expected)
        return len(queries)

    client = Client()
    client.get(get_path)  # warm-up, as the timed pass had
    return (
        counted(lambda: client.get(get_path), 200),
        counted(lambda: client.post(post_path, answer_fields(today)), 302),
        counted(lambda: client.get(STOCK_LOGIN), 200),
        counted(lambda: client.post(STOCK_LOGIN, {}), 200),
    )


def notice_state(businesses: list[int]) -> dict[int, tuple]:
    from outreach.models import Notice

    rows = Notice.objects.filter(business_id__in=businesses).values_list("pk", "status", "reason", "updated_at")
    return {pk: rest for pk, *rest in rows}


def put_back(businesses: list[int], before: dict[int, tuple], started: datetime.datetime) -> None:
    """The run's answers and their history removed; notices the answers cancelled queued again."""
    from outreach.models import Answer, Notice

    answers = Answer.objects.filter(business_id__in=businesses, answered_at__gte=started)
    answer_ids = list(answers.values_list("pk", flat=True))
    Answer.history.filter(id__in=answer_ids).delete()
    answers.delete()
    changed = [pk for pk, (status, *_rest) in before.items() if status == Notice.Status.QUEUED]
    Notice.history.filter(id__in=changed, history_date__gte=started).delete()
    for pk in changed:
        status, reason, updated_at = before[pk]
        Notice.objects.filter(pk=pk).update(status=status, reason=reason, updated_at=updated_at)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=300, help="GETs, each of a different business's page")
    parser.add_argument("--answers", type=int, default=100, help="POSTs, each an answer of another business")
    parser.add_argument("--port", type=int, default=8730)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from outreach import answer_links

    call_command("collectstatic", interactive=False, verbosity=0)
    today = timezone.localdate()
    notices = chosen_notices(args.businesses + args.answers + 1, today)
    viewed, answered = notices[: args.businesses], notices[args.businesses :]
    gets = [f"/a/{answer_links.token_for(n)}/" for n in viewed]
    posts = [f"/a/{answer_links.token_for(n)}/" for n in answered]
    businesses = [n.business_id for n in answered]
    before, started = notice_state(businesses), timezone.now()
    server = start_gunicorn(args.port, options=("--workers", "2"))
    timed = {"get": [], "stock_get": [], "post": [], "stock_post": []}
    try:
        for path in gets[:5] + [STOCK_LOGIN] * 5:  # warm-up: both workers imported and connected
            request(args.port, "GET", path)
        for path in gets:
            for key, target, expected in (("get", path, 200), ("stock_get", STOCK_LOGIN, 200)):
                elapsed, status, _text = request(args.port, "GET", target)
                assert status == expected, (target, status)
                timed[key].append(elapsed)
        stock_csrf = csrf_pair(args.port, STOCK_LOGIN)
        for path in posts[:-1]:
            csrf = csrf_pair(args.port, path)
            elapsed, status, _text = form_post(args.port, path, answer_fields(today), csrf)
            assert status == 302, (path, status, _text[-500:])
            timed["post"].append(elapsed)
            elapsed, status, _text = form_post(args.port, STOCK_LOGIN, {}, stock_csrf)
            assert status == 200, (STOCK_LOGIN, status)
            timed["stock_post"].append(elapsed)
        server.terminate()
        server.wait(timeout=30)
        counts = query_counts(gets[0], posts[-1], today)  # the last business answers here
    finally:
        server.terminate()
        server.wait(timeout=30)
        after = notice_state(businesses)
        put_back(businesses, before, started)
    cancelled = sum(1 for pk, (status, *_rest) in after.items() if status != before[pk][0])
    if notice_state(businesses) != before:
        raise SystemExit("the register was not put back: the answered businesses' notices differ")
    get_q, post_q, stock_get_q, stock_post_q = counts
    pages = [
        summary(f"GET: the question, {len(gets)} businesses", timed["get"], timed["stock_get"], get_q, stock_get_q),
        summary(
            f"POST: 更新申請します, {len(timed['post'])} businesses (removed afterwards)",
            timed["post"],
            timed["stock_post"],
            post_q,
            stock_post_q,
        ),
    ]
    for page in pages:
        print(json.dumps(page, ensure_ascii=False))
    note = (
        f"stock: Django admin's login page (GET; empty POST); {cancelled} queued notices cancelled by the answers, "
        "queued again afterwards; every request 200/302 (rate limits raised via env)"
    )
    print("RESULT " + json.dumps({"count": len(pages), "seconds": 0, "pages": pages, "note": note}, ensure_ascii=False))


if __name__ == "__main__":
    main()
