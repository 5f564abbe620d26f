"""Benchmark: the on-demand list of one prime with 50 subcontractors (all tiers, filter all).

Run against a seeded database:

    DATABASE_URL=postgres://… python bench/prime_list.py [--primes 5] [--subcontractors 50]

Builds, in process as the admin's task does, the list of the `--primes` primes whose
subcontractors over every tier number closest to `--subcontractors` (found by one
recursive query over a sample of primes): the expansion from that one prime, the rows
with their statuses and last contacts, the XLSX and both CSV files. Prints each build's
time and rows, then the median and the slowest.
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

from django.db import connection  # noqa: E402

from outreach.lists import services as list_services  # noqa: E402
from registrations.models import Business  # noqa: E402

# Subcontractors over every tier of 2,000 primes (ten tiers at most), those closest to the size asked.
REACH_COUNTS_SQL = """
WITH RECURSIVE sample AS (
    SELECT DISTINCT prime_id FROM registrations_subcontractlink ORDER BY prime_id LIMIT 2000
), reach(root, node, depth) AS (
    SELECT l.prime_id, l.subcontractor_id, 1
    FROM registrations_subcontractlink l JOIN sample s ON s.prime_id = l.prime_id
  UNION
    SELECT r.root, l.subcontractor_id, r.depth + 1
    FROM reach r JOIN registrations_subcontractlink l ON l.prime_id = r.node
    WHERE r.depth < 10 AND l.subcontractor_id <> r.root
)
SELECT root, COUNT(DISTINCT node) AS reached FROM reach GROUP BY root
ORDER BY ABS(COUNT(DISTINCT node) - %s), root LIMIT %s
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--primes", type=int, default=5)
    parser.add_argument("--subcontractors", type=int, default=50)
    args = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute(REACH_COUNTS_SQL, [args.subcontractors, args.primes])
        primes = [Business.objects.get(pk=pk) for pk, _reached in cursor.fetchall()]
    if not primes:
        raise SystemExit("no prime with subcontractors")
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
    note = f"median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms; ~{args.subcontractors} subcontractors each"
    print("RESULT " + json.dumps({"count": len(primes), "seconds": sum(seconds), "note": note}))


if __name__ == "__main__":
    main()
