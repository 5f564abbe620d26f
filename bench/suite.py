"""The benchmark suite: every row, ours beside its baseline, each side its own process.

    python -m bench.suite --scale 50k            # seed, run every row, rewrite BENCHMARKS.md
    python -m bench.suite --scale 50k --only csv # one row again (the register is already seeded)

Each side runs as a child process; its wall time and peak RSS come from os.wait4's
rusage of that child alone, and its work (`count` units in `seconds`) from the last
`RESULT {json}` line it prints. Results are kept per scale in bench/results/SCALE.json,
and BENCHMARKS.md is rebuilt whole from all of them (see bench/report.py).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "var" / "bench"
SCALES = {"smoke": 2_000, "50k": 50_000, "500k": 500_000, "1m": 1_000_000}
PY = sys.executable
# E-mail sends stay queued during the scan rows (sending hours closed), tasks run in process.
QUIET = {"SENDING_HOUR_FROM": "0", "SENDING_HOUR_TO": "0", "CELERY_BROKER_URL": ""}
# A Redis database no worker reads: the scan row publishes as in production, then purges.
BENCH_BROKER = {**QUIET, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14"}
NO_CAPS = {"DAILY_CAP_EMAIL": "0", "DAILY_CAP_POSTCARD": "0", "DAILY_CAP_PHONE": "0"}


@dataclass
class Side:
    label: str
    argv: list[str]
    env: dict = field(default_factory=dict)


@dataclass
class Row:
    key: str
    title: str
    unit: str
    ours: Side
    baselines: list[Side] = field(default_factory=list)
    prepare: list[list[str]] = field(default_factory=list)


def run(argv: list[str], env: dict | None = None) -> dict:
    """Run one command as a child; wall time, peak RSS of that child, its RESULT and output tail."""
    print("$ " + " ".join(argv), flush=True)
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    lines = output.strip().splitlines()
    found = [json.loads(line[7:]) for line in lines if line.startswith("RESULT ")]
    measured = {"wall": wall, "peak_mb": usage.ru_maxrss / 1024, "status": os.waitstatus_to_exitcode(status)}
    measured |= {"result": found[-1] if found else None, "tail": [line for line in lines if "RESULT" not in line][-3:]}
    if measured["status"]:
        print("\n".join(lines[-20:]))
        raise SystemExit(f"failed ({measured['status']}): {' '.join(argv)}")
    print(f"  wall {wall:.1f} s, peak RSS {measured['peak_mb']:.0f} MB", flush=True)
    return measured


def measure(side: Side) -> dict:
    measured = run(side.argv, side.env)
    result = measured["result"] or {"count": 0, "seconds": measured["wall"]}  # a seeding command
    command = " ".join(f"{k}={v}" for k, v in side.env.items() if QUIET.get(k) != v) + " " + " ".join(side.argv)
    return {
        "label": side.label,
        "command": command.strip().replace(PY, "python").replace(f"{ROOT}/", ""),
        "count": result["count"],
        "seconds": result["seconds"],
        "rate": result["count"] / result["seconds"] if result["seconds"] else None,
        "sample": bool(result.get("sample")),
        "note": result.get("note", ""),
        "pages": result.get("pages"),
        "p95_ms": result.get("p95_ms"),
        "wall": measured["wall"],
        "peak_mb": measured["peak_mb"],
        "tail": measured["tail"],
    }


def today() -> datetime.date:
    return datetime.datetime.now(tz=ZoneInfo("Asia/Tokyo")).date()


# The days before expiry of the seeded policy's steps (outreach/migrations/0002_default_policy.py).
STEP_DAYS = (180, 90, 60, 45, 30, 14, -7)


def scan_date() -> datetime.date:
    """The first day after the seeded weekly scans on which a step reaches a month's expiries.

    Registrations expire at a month's end (DOMAIN.md), so most days a scan finds nothing
    new; the row measures a day with a month's worth of notices to write.
    """
    day = today() + datetime.timedelta(days=7 * 4)
    while not any((day + datetime.timedelta(days=d + 1)).day == 1 for d in STEP_DAYS):
        day += datetime.timedelta(days=1)
    return day


def seed_steps(businesses: int) -> list[tuple[list[str], dict]]:
    """Businesses and links (seed_demo, ≈6 links each), terms, renewal history, notices from scans, past notices."""
    manage = [PY, "manage.py"]
    steps = [
        ([*manage, "migrate", "--noinput", "-v0"], {}),
        ([*manage, "seed_demo", "--businesses", str(businesses), "--if-empty"], {}),
        ([*manage, "sync_terms"], {}),
        ([*manage, "seed_demo_renewals"], {}),
    ]
    # Weekly scans without caps up to the scan row's date fill the notices table.
    for week in range(4):
        day = today() + datetime.timedelta(days=7 * week)
        steps.append(([*manage, "run_reminders", "--date", day.isoformat()], {**QUIET, **NO_CAPS}))
    # Past calls, so that the reach by hour is learned, as the demo has them.
    steps.append(([*manage, "seed_demo_outreach"], {}))
    # Then years of sent notices, ten per business in all.
    steps.append(([*manage, "seed_demo_notices", "--per-business", "10"], {}))
    # What autovacuum would have done by the next morning: statistics and visibility maps.
    steps.append(([PY, "-m", "bench.measures", "vacuum"], {}))
    return steps


HOSTILE = {
    "xlsx-shared-strings": "XLSX whose shared strings expand to 1.2 GB",
    "xlsx-wide-row": "XLSX whose sheet is one row of 1.2 GB",
    "xlsx-dimension": "XLSX declaring A1:XFD1048576, with a cell there",
    "csv-no-line-breaks": "CSV of 1 GB without a line break (generated while read)",
    "csv-wide-row": "CSV row of 50 million cells, 100 MB (generated while read)",
}


def hostile_rows(cap: float) -> list[Row]:
    """The worst hostile file of each kind: ours until refusal, beside main's reader before issue 16."""
    hostile = [PY, "-m", "bench.hostile"]
    return [
        Row(
            f"hostile-{kind}",
            title,
            "refusal",
            Side("ours: open_table + the business import's dry run", [*hostile, "read", "--kind", kind]),
            [
                Side(
                    "main's reader before issue 16, 1.5 GB address-space cap",
                    [*hostile, "read", "--kind", kind, "--side", "old", "--cap", str(cap)],
                )
            ],
            prepare=[[*hostile, "make", "--kind", kind]],
        )
        for kind, title in HOSTILE.items()
    ]


def renewal_rows(cap: float) -> list[Row]:
    """The renewal import of a year's file, and of only the applications not yet recorded; beside row by row."""
    script = [PY, "bench/renewal_import.py"]
    found = []
    for key, title, path, extra in (
        ("renewals", "renewal import of a year's file (recorded, pending and new applications)", "renewals.csv", []),
        ("renewals-new", "renewal import of new applications only (half approved)", "renewals-new.csv", ["--new-only"]),
    ):
        run = [*script, "run", "--file", str(OUT / path)]
        found.append(
            Row(
                key,
                title,
                "rows/s",
                Side("ours: import_renewals' rows, set-based (rolled back)", run),
                [
                    Side(
                        "row by row through the desk's steps (rolled back)",
                        [*run, "--side", "rowwise", "--seconds", str(cap)],
                    )
                ],
                prepare=[[*script, "make", "--out", str(OUT / path), *extra]],
            )
        )
    return found


def rows(businesses: int, cap: float) -> list[Row]:
    bench = [PY, "-m", "bench.measures"]
    lapse = [PY, "-m", "bench.lapse"]
    import_rows = 200_000 if businesses >= 50_000 else businesses  # a smaller register is read again
    plain, fields = OUT / "businesses.csv", OUT / "businesses-fields.csv"
    default_rows = min(businesses, 10_000)
    xlsx_rows = min(businesses, 5_000)
    day = scan_date().isoformat()
    postcards = min(10_000, businesses // 5)
    webhook, webhook_events = [PY, "-m", "bench.webhook"], min(5_000, businesses)
    return [
        Row(
            "csv",
            "CSV export of the whole register",
            "rows/s",
            Side("ours: ExportJob written by services.export_write", [*bench, "export_ours", "--format", "csv"]),
            [
                Side(
                    "django-import-export default ModelResource",
                    [*bench, "export_default", "--format", "csv", "--rows", str(default_rows)],
                ),
                Side("PostgreSQL COPY (SELECT …) TO STDOUT, same columns", [*bench, "export_copy"]),
            ],
        ),
        Row(
            "xlsx",
            "XLSX export of the whole register",
            "rows/s",
            Side("ours: xlsxwriter constant_memory", [*bench, "export_ours", "--format", "xlsx"]),
            [
                Side(
                    "django-import-export default ModelResource",
                    [*bench, "export_default", "--format", "xlsx", "--rows", str(xlsx_rows)],
                )
            ],
        ),
        Row(
            "import",
            f"import of {import_rows:,} businesses",
            "rows/s",
            Side("ours: manage.py import_businesses (CP932 file)", [*bench, "import_ours", "--file", str(plain)]),
            [
                Side(
                    "django-import-export default ModelResource (rolled back)",
                    [PY, "bench/import_default_resource.py", str(fields), "--seconds", str(cap)],
                ),
                Side(
                    "PostgreSQL COPY FROM of the same file into text columns, no checks",
                    [*bench, "import_copy", "--file", str(plain)],
                ),
            ],
            prepare=[
                [PY, "bench/make_import_file.py", "--rows", str(import_rows), "--out", str(plain)],
                [PY, "bench/make_import_file.py", "--rows", str(import_rows), "--out", str(fields), "--field-names"],
            ],
        ),
        *renewal_rows(cap),
        Row(
            "scan",
            f"daily reminder scan ({day}: a step reaches a month's expiries)",
            "terms/s",
            Side("ours: run_reminders (in process)", [*bench, "scan", "--date", day], BENCH_BROKER),
            [Side("per-business Python loop", [PY, "bench/scan_loop.py", "--date", day, "--seconds", str(cap)])],
        ),
        Row(
            "holdouts",
            f"daily scan with a 5 % holdout experiment on every rung allowed ({day}, rolled back)",
            "terms/s",
            Side("ours: experiments in the scan's SQL", [PY, "bench/holdout_scan.py", "--date", day, "--experiments"]),
            [Side("the same scan without experiments", [PY, "bench/holdout_scan.py", "--date", day])],
        ),
        Row(
            "lists",
            "subcontractor lists for all member primes",
            "primes/s",
            Side(
                "ours: one expansion for all lists, XLSX + CSV", [PY, "bench/subcontractor_lists.py", "--side", "sql"]
            ),
            [
                Side(
                    "per-prime Python traversal, query per node",
                    [PY, "bench/subcontractor_lists.py", "--side", "python", "--python-seconds", str(cap)],
                )
            ],
        ),
        Row(
            "prime-list",
            "on-demand list of one prime with 50 subcontractors (all tiers, rows + XLSX + 2 CSV)",
            "lists/s",
            Side("ours: one expansion from the prime, in process", [PY, "bench/prime_list.py", "--primes", "5"]),
        ),
        Row(
            "postcards",
            f"postcard batch of {postcards:,} added to the queued postcards",
            "postcards/s",
            Side("ours: claim, render, PDF + CSVs", [PY, "bench/postcards.py", "--postcards", str(postcards)]),
        ),
        Row(
            "rekey",
            "search-key re-key of the whole register, every row rewritten (migration 0015's worst case)",
            "rows/s",
            Side("ours: search_keys.rekey (batched read, COPY, one UPDATE … FROM)", [*bench, "rekey", "--everything"]),
            [
                Side(
                    "row by row: one UPDATE per business (rolled back)",
                    [*bench, "rekey", "--everything", "--row-by-row", "--seconds", str(cap)],
                )
            ],
        ),
        Row(
            "search",
            "name search as the desk types it (changelist search paginator: count to 1,000, first page by keys)",
            "queries/s",
            Side(
                "ours: Business.objects.search + SearchCountPaginator, in process",
                [PY, "bench/name_search.py", "--names", "200"],
            ),
        ),
        Row(
            "dashboard",
            "dashboard, segments and committee report",
            "reports/s",
            Side("ours: test client in process", [PY, "bench/dashboard.py", "--requests", "5"]),
        ),
        Row(
            "lapse-train",
            "lapse model: features of every ended term, fit, validation, file",
            "terms/s",
            Side("ours: train_lapse_model's training (numpy from SQL, HistGradientBoosting)", [*lapse, "train"]),
        ),
        Row(
            "lapse-score",
            "lapse risk of every current term, with reasons, rows replaced",
            "terms/s",
            Side("ours: lapse_risk's scoring", [*lapse, "score"]),
        ),
        Row(
            "lapse-replay",
            "replay of the held-out months: calls by expected saves vs by expiry (method: bench/lapse.py)",
            "calls/s",
            Side("ours: expected saves, expiry order as the baseline in the note", [*lapse, "replay"]),
        ),
        Row(
            "admin",
            "admin pages over HTTP (gunicorn, 2 workers)",
            "pages",
            Side("ours vs stock ModelAdmin", [PY, "-m", "bench.http_pages", "--requests", "20"]),
        ),
        Row(
            "answer",
            "answer page over HTTP (/a/<token>/, no login; gunicorn, 2 workers)",
            "pages",
            Side(
                "ours vs the stock admin login page",
                [PY, "-m", "bench.answer_page", "--businesses", "300", "--answers", "100"],
            ),
        ),
        Row(
            "webhook",
            f"provider webhook: {webhook_events:,} Mailgun events over HTTP (gunicorn 2 × 8 threads, 16 clients)",
            "events/s",
            Side(
                "ours: signed, recorded once, applied (9 in 10 delivered, 1 in 10 hard bounces); checked: none lost",
                [*webhook, "--side", "ours", "--events", str(webhook_events)],
            ),
            [
                Side(
                    "anymail's Mailgun view without a receiver (auth, signature, parsing only)",
                    [*webhook, "--side", "anymail", "--events", str(webhook_events)],
                )
            ],
        ),
        *hostile_rows(cap),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="50k", help="smoke, 50k, 500k, 1m, or a number of businesses")
    parser.add_argument("--only", action="append", help="run only this row (repeatable); skips seeding")
    parser.add_argument("--cap", type=float, default=60, help="seconds for time-capped baselines")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own: the suite seeds it.")
    businesses = SCALES.get(args.scale.lower()) or int(args.scale)
    name = args.scale.lower()
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / f"{name}.json"
    stored = json.loads(store.read_text()) if store.exists() else {}
    stored |= {"scale": name, "businesses": businesses, "cap": args.cap, "date": today().isoformat()}
    stored.setdefault("rows", {})
    if not args.only or "seed" in args.only:
        stored["seed"] = [measure(Side(" ".join(argv[2:]), argv, env)) for argv, env in seed_steps(businesses)]
        stored["register"] = run([PY, "-m", "bench.counts"])["result"]["register"]
    for row in rows(businesses, args.cap):
        if args.only and row.key not in args.only:
            continue
        for argv in row.prepare:
            run(argv)
        stored["rows"][row.key] = {
            "title": row.title,
            "unit": row.unit,
            "ours": measure(row.ours),
            "baselines": [measure(side) for side in row.baselines],
        }
        store.write_text(json.dumps(stored, indent=1, ensure_ascii=False))
    store.write_text(json.dumps(stored, indent=1, ensure_ascii=False))
    text = report.render([json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))])
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(report.table(stored))


if __name__ == "__main__":
    main()
