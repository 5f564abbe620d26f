"""Changelist and search timings, ours against a stock ModelAdmin, at the register's size.

    python bench/changelist.py --requests 20

Method: Django's test client in this process (middleware, admin views, templates and
the real PostgreSQL; no HTTP server or network), logged in as a superuser. Each URL
is requested once to warm up, then --requests times; p50 and p95 are of those.
"""

import argparse
import statistics
import time

from django_env import django_setup


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--stock-requests", type=int, default=10)
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from registrations.models import Business

    sample = Business.objects.order_by("pk")[500]
    queries = {
        "no search (first page)": "",
        "事業者ID, exact": sample.ccus_id,
        "phone, any format": sample.phone,
        "name, 4+ chars": sample.name_key[:5],
        "reading in hiragana": "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in sample.kana_key[:6]),
        "name, 1 char": sample.name_key[:1],
        "no hit": "存在しない会社名",
        "filter: prefecture 13": None,
    }
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    total = Business.objects.count()
    print(f"| query | ours p50 | ours p95 | stock p50 | stock p95 |  ({total:,} businesses)")
    print("|---|---|---|---|---|")
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for label, query in queries.items():
            params = {"prefecture__code__exact": "13"} if query is None else ({"q": query} if query else {})
            ours = measure(client, "/admin/registrations/business/", params, args.requests)
            stock = measure(client, "/stock/registrations/business/", params, args.stock_requests)
            print(f"| {label} | {ours[0]:.0f} ms | {ours[1]:.0f} ms | {stock[0]:.0f} ms | {stock[1]:.0f} ms |")


def measure(client, url: str, params: dict, requests: int) -> tuple[float, float]:
    assert client.get(url, params).status_code == 200
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), percentile(timings, 0.95)


if __name__ == "__main__":
    main()
