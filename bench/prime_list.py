"""Benchmark: the on-demand list of one prime with 50 direct subcontractors (all tiers, filter all).

Run against a seeded database:

    DATABASE_URL=postgres://… python bench/prime_list.py [--primes 5] [--subcontractors 50]

Builds, in process as the admin's task does, the list of each of the first `--primes`
primes with exactly `--subcontractors` direct subcontractors: the expansion from that one
prime, the rows with their statuses and last contacts, the XLSX and both CSV files.
Prints each build's time and rows, then the median and the slowest.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")

import django

django.setup()

from django.db.models import Count  # noqa: E402

from outreach.lists import services as list_services  # noqa: E402
from registrations.models import Business  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--primes", type=int, default=5)
    parser.add_argument("--subcontractors", type=int, default=50)
    args = parser.parse_args()
    primes = list(
        Business.objects.annotate(direct=Count("links_as_prime"))
        .filter(direct=args.subcontractors)
        .order_by("pk")[: args.primes]
    )
    if not primes:
        raise SystemExit(f"no prime with {args.subcontractors} direct subcontractors")
    seconds = []
    for prime in primes:
        started = time.monotonic()
        requested = list_services.subcontractor_list_request(prime=prime, row_filter="all")
        built = list_services.subcontractor_list_build(list_id=requested.pk)
        seconds.append(time.monotonic() - started)
        assert built.status == "done", built.error
        print(f"{prime.ccus_id}: {built.row_count} rows (all tiers), {seconds[-1] * 1000:.0f} ms")
    median, slowest = statistics.median(seconds), max(seconds)
    print(f"median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms over {len(primes)} primes")
    note = f"median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms; {args.subcontractors} direct subs each"
    print("RESULT " + json.dumps({"count": len(primes), "seconds": sum(seconds), "note": note}))


if __name__ == "__main__":
    main()
