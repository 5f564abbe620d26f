"""The mail provider's tracking webhook over HTTP: events per second, ours beside anymail's view alone.

    python -m bench.webhook --side ours --events 3000
    python -m bench.webhook --side anymail --events 3000

gunicorn (production settings; 2 workers × 8 threads: each event waits on one durable
commit, so threads let PostgreSQL commit several at once) serves the app; `--clients`
threads post Mailgun-signed events, one a request as Mailgun sends them, each about a
sent e-mail notice of the seeded register (nine in ten delivered, one in ten a hard bounce).
- ours: /anymail/mailgun/tracking/, each event recorded and applied (outreach.delivery).
  Then every event is checked: stored once, its notice's delivery or its business's
  bounce there; any loss fails the run. The run's rows are removed afterwards, so the
  register is as it was.
- anymail: the same posts to anymail's Mailgun view with no receiver (bench/urls.py),
  i.e. basic auth, signature and parsing only: the ceiling for any receiver.
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_pages import PRODUCTION_ENV, start_gunicorn  # noqa: E402
from outreach.tests import provider_posts  # noqa: E402

ENV = {  # beside PRODUCTION_ENV, which start_gunicorn gives the server
    **PRODUCTION_ENV,
    "ANYMAIL_WEBHOOK_SECRET": provider_posts.WEBHOOK_SECRET,
    "MAILGUN_WEBHOOK_SIGNING_KEY": provider_posts.MAILGUN_SIGNING_KEY,
    "LOG_LEVEL": "WARNING",
}
PATHS = {"ours": provider_posts.url("mailgun"), "anymail": "/stock-webhook/mailgun/"}


def events(count: int, run: str) -> tuple[list[bytes], dict[str, tuple[int, int, str]]]:
    """Signed bodies, and event key → (notice, business, kind) for the check."""
    from outreach.models import Notice

    notices = (
        Notice.objects.filter(channel="email", status="sent", business__email_bounced_since__isnull=True)
        .exclude(business__email="")
        .order_by("-pk")
        .values_list("pk", "business_id", "business__email")[:count]
    )
    bodies, expected = [], {}
    for index, (notice, business, email) in enumerate(notices):
        name = "mailgun_failed_permanent" if index % 10 == 9 else "mailgun_delivered"
        payload = provider_posts.sample(name)
        key = f"bench-{run}-{index}"
        payload["signature"] |= {"token": key, "timestamp": str(int(time.time()))}
        metadata = {"notice": str(notice)}  # what our sender gives the provider
        payload["event-data"] |= {"recipient": email, "timestamp": time.time(), "user-variables": metadata}
        bodies.append(json.dumps(provider_posts.mailgun_signed(payload)).encode())
        expected[key] = (notice, business, "hard_bounce" if index % 10 == 9 else "delivered")
    return bodies, expected


def post_all(url: str, bodies: list[bytes], clients: int) -> tuple[float, list[int]]:
    """Post every body from `clients` threads; seconds taken and the status of each."""
    statuses = [0] * len(bodies)
    headers = {"Content-Type": "application/json", "Authorization": provider_posts.authorization()}

    def client(offset: int) -> None:
        for index in range(offset, len(bodies), clients):
            request = urllib.request.Request(url, data=bodies[index], method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    statuses[index] = response.status
            except urllib.error.HTTPError as error:
                statuses[index] = error.code

    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def lost(expected: dict[str, tuple[int, int, str]]) -> int:
    """Events not stored once with their effect on the notice, and bounces not flagged."""
    from outreach.models import DeliveryEvent, Notice
    from registrations.models import Business

    stored = dict(DeliveryEvent.objects.filter(event_id__in=list(expected)).values_list("event_id", "kind"))
    delivery = dict(Notice.objects.filter(pk__in=[n for n, _b, _k in expected.values()]).values_list("pk", "delivery"))
    bounced = set(
        Business.objects.filter(pk__in=[b for _n, b, k in expected.values() if k == "hard_bounce"])
        .exclude(email_bounced_since=None)
        .values_list("pk", flat=True)
    )
    flag_missing = {b for _n, b, k in expected.values() if k == "hard_bounce"} - bounced
    return sum(
        1
        for key, (notice, business, kind) in expected.items()
        if stored.get(key) != kind or delivery.get(notice) != kind or business in flag_missing
    )


def clean_up(expected: dict[str, tuple[int, int, str]]) -> None:
    """Put the register back: the run's events, bounces, flags and deliveries removed."""
    from outreach.models import Bounce, DeliveryEvent, Notice
    from registrations.models import Business

    flagged = [b for _n, b, k in expected.values() if k == "hard_bounce"]
    DeliveryEvent.objects.filter(event_id__in=list(expected)).delete()
    Bounce.objects.filter(business__in=flagged, source="provider").delete()
    Business.objects.filter(pk__in=flagged).update(email_bounced_since=None)
    Notice.objects.filter(pk__in=[n for n, _b, _k in expected.values()]).update(delivery="", delivery_at=None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=PATHS, default="ours")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8720)
    args = parser.parse_args()
    os.environ.update(ENV)
    import django

    django.setup()
    bodies, expected = events(args.events, uuid.uuid4().hex[:8])
    url = f"http://127.0.0.1:{args.port}{PATHS[args.side]}"
    options = ("--workers", str(args.workers), "--threads", str(args.threads))
    server = start_gunicorn(args.port, options=options, probe=PATHS[args.side], method="HEAD")
    try:
        post_all(url, bodies[:20], args.clients)  # warm-up: every worker imported and connected
        seconds, statuses = post_all(url, bodies[20:], args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    refused = sum(1 for status in statuses if status != 200)
    missing = lost(expected) if args.side == "ours" else 0
    if args.side == "ours":
        clean_up(expected)
    count = len(bodies) - 20
    served = f"{args.clients} clients, {args.workers} workers × {args.threads} threads"
    note = f"{served}; {refused} answered other than 200; lost {missing}"
    print(f"{count} events in {seconds:.2f} s: {count / seconds:.0f}/s; {note}")
    print("RESULT " + json.dumps({"count": count, "seconds": seconds, "note": note}))
    if refused or missing:
        raise SystemExit(f"{refused} events refused, {missing} lost")


if __name__ == "__main__":
    main()
