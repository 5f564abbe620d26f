"""Benchmark: subcontractor lists for every association's member primes, SQL vs a per-prime Python walk.

Run against a seeded database (python manage.py seed_demo --businesses N):

    DATABASE_URL=postgres://… python bench/subcontractor_lists.py [--filter expiring|all] [--python-seconds 60]
        [--side sql|python]

The SQL path is the real build for every association: one graph expansion for all lists
(frozen statuses), then each list's XLSX + CSV files, timed apart: on workers the files
are written by one task per association in parallel, so the wall time there is the
expansion plus the largest list's files over the workers.
The Python path walks the same primes' graphs breadth-first with
one query per node, for a capped time; its total is extrapolated from that sample and
labelled so. Peak memory is this process's maximum RSS (the database's own memory is
not included). Prints Markdown rows for BENCHMARKS-lists.md.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef  # noqa: E402

from outreach.lists import services as list_services  # noqa: E402
from outreach.models import SubcontractorList  # noqa: E402
from registrations.models import Business, Membership, SubcontractLink  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def member_primes() -> list[int]:
    has_subs = SubcontractLink.objects.filter(prime=OuterRef("business_id"))
    return list(Membership.objects.filter(Exists(has_subs)).values_list("business_id", flat=True))


def python_walk(prime_id: int) -> int:
    """Breadth-first from one prime, one query per node: the approach the SQL replaces."""
    seen, frontier = {prime_id: 0}, [prime_id]
    while frontier:
        following = []
        for node in frontier:
            for sub in SubcontractLink.objects.filter(prime_id=node).values_list("subcontractor_id", flat=True):
                if sub not in seen:
                    seen[sub] = seen[node] + 1
                    following.append(sub)
        frontier = following
    return len(seen) - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filter", default="expiring", choices=SubcontractorList.Filter.values)
    parser.add_argument("--python-seconds", type=float, default=60)
    parser.add_argument("--side", choices=["sql", "python"], help="only this approach (the suite runs each alone)")
    args = parser.parse_args()
    businesses, links = Business.objects.count(), SubcontractLink.objects.count()
    primes = member_primes()
    print(
        f"{connection.vendor}: {businesses:,} businesses, {links:,} links, {len(primes):,} member primes (memberships)"
    )
    if args.side != "python":
        sql_lists(args, businesses, links, primes)
    if args.side != "sql":
        python_walks(args, businesses, links, primes)


def sql_lists(args, businesses: int, links: int, primes: list[int]) -> None:
    """The monthly build as the command runs it in process: one expansion for every association's
    list, then each list's files (on workers, each file task runs in a process of its own)."""
    started = time.monotonic()
    subcontractor_lists = list_services.association_lists_request(row_filter=args.filter)
    expanded = list_services.expand_lists(list_ids=[each.pk for each in subcontractor_lists])
    assert len(expanded) == len(subcontractor_lists)
    expand_seconds = time.monotonic() - started
    rows, slowest = 0, 0.0
    for list_id in expanded:
        file_started = time.monotonic()
        built = list_services.subcontractor_list_files(list_id=list_id)
        assert built.status == "done", built.error
        slowest = max(slowest, time.monotonic() - file_started)
        rows += built.row_count
    sql_seconds = time.monotonic() - started
    files_seconds = sql_seconds - expand_seconds
    sql_peak = peak_mb()
    print(
        f"| SQL (one expansion for all lists), {args.filter} | {businesses:,} | {links:,} | {len(primes):,} primes, "
        f"{len(subcontractor_lists)} lists, {rows:,} rows, XLSX+CSV | {sql_seconds:.1f} s (expansion and rows "
        f"{expand_seconds:.1f} s, files {files_seconds:.1f} s, largest list's files {slowest:.1f} s) | "
        f"{sql_peak:.0f} MB |"
    )
    note = f"{rows:,} rows; expansion {expand_seconds:.1f} s, files {files_seconds:.1f} s (largest {slowest:.1f} s)"
    print("RESULT " + json.dumps({"count": len(primes), "seconds": sql_seconds, "note": note}))


def python_walks(args, businesses: int, links: int, primes: list[int]) -> None:
    started, done, reached = time.monotonic(), 0, 0
    for prime_id in primes:
        reached += python_walk(prime_id)
        done += 1
        if time.monotonic() - started > args.python_seconds:
            break
    sample = time.monotonic() - started
    estimate = sample / done * len(primes)
    print(
        f"| Python walk per prime, query per node (sample: {done:,} of {len(primes):,} primes in {sample:.0f} s, "
        f"{reached:,} subs reached; graph only, no files) | {businesses:,} | {links:,} | extrapolated to all "
        f"primes | ≈ {estimate:,.0f} s | {peak_mb():.0f} MB |"
    )
    print("RESULT " + json.dumps({"count": done, "seconds": sample, "sample": done < len(primes)}))


if __name__ == "__main__":
    main()
