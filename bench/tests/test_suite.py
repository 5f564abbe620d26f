"""The suite measures each side in its own process and marks targets from the figures."""

import json
import subprocess
import sys
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[2]


def child(megabytes: int) -> list[str]:
    script = (
        f"block = bytearray({megabytes} * 1024 * 1024); "
        'print(\'RESULT {"count": 500, "seconds": 2.0, "sample": true}\')'
    )
    return [sys.executable, "-c", script]


def test_each_side_reports_its_own_peak_memory_and_rate():
    # From a fresh, small parent as in `make bench`: a child starts at its parent's size.
    script = (
        "import json; from bench import suite; from bench.tests.test_suite import child; "
        "print(json.dumps([suite.measure(suite.Side(str(mb), child(mb))) for mb in (200, 1)]))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    big, small = json.loads(found.stdout.strip().splitlines()[-1])
    assert big["peak_mb"] >= 200
    assert small["peak_mb"] < 100  # not the earlier, bigger child's peak
    assert (small["rate"], small["sample"]) == (250, True)


def side(rate: float, peak_mb: float = 100) -> dict:
    return {"label": "x", "command": "python x", "count": rate, "seconds": 1.0, "rate": rate, "sample": False,
            "note": "", "pages": None, "wall": 1.0, "peak_mb": peak_mb, "tail": []}  # fmt: skip


def test_report_marks_csv_slower_than_half_of_copy_as_missed():
    stored = {
        "scale": "test",
        "businesses": 1_000,
        "date": "2026-11-27",
        "rows": {
            "csv": {"title": "CSV", "unit": "rows/s", "ours": side(30_000), "baselines": [side(100), side(70_000)]},
            "xlsx": {"title": "XLSX", "unit": "rows/s", "ours": side(3_000, 350), "baselines": [side(100)]},
        },
    }
    text = report.render([stored])
    assert "CSV ≥ ½ COPY: 0.429 of COPY — **missed**" in text
    assert "CSV ≥ 10× default: 300.0× — met" in text
    assert "every batch < 300 MB peak: **missed**: xlsx 350 MB" in text
    assert "| 30,000 |" in text and "| 300.00× |" in text


def test_report_shows_each_hostile_file_beside_the_old_reader_and_marks_a_high_peak_as_missed():
    def hostile(peak_mb: float, note: str) -> dict:
        return {**side(1, peak_mb), "seconds": 0.25, "note": note}

    stored = {
        "scale": "test",
        "businesses": 1_000,
        "date": "2026-11-27",
        "rows": {
            "hostile-csv": {
                "title": "CSV of 1 GB without a line break",
                "unit": "refusal",
                "ours": hostile(100, "1,024.0 MB file; refused: 改行なし"),
                "baselines": [hostile(1_130, "1,024.0 MB file; MemoryError at the cap")],
            },
            "hostile-xlsx": {
                "title": "XLSX bomb",
                "unit": "refusal",
                "ours": hostile(350, "3 MB file; refused: 展開"),
                "baselines": [hostile(1_100, "3 MB file; still reading after 60 s")],
            },
        },
    }
    text = report.render([stored])
    assert "| CSV of 1 GB without a line break | 0.25 s | 100 MB | 1.0 s | 1130 MB |" in text
    assert "MemoryError at the cap" in text
    assert "every hostile file refused, peak RSS flat (< 300 MB): 2 files, ours at most 350 MB — **missed**" in text
    assert "hostile-csv" not in report.table(stored)  # not among the rate rows


def test_report_marks_the_rekey_and_name_search_targets_at_1m():
    def stored(rekey_seconds: float, p95_ms: float) -> dict:
        return {
            "scale": "1m",
            "businesses": 1_000_000,
            "date": "2026-11-28",
            "rows": {
                "rekey": {"title": "re-key", "unit": "rows/s", "ours": {**side(1), "seconds": rekey_seconds},
                          "baselines": []},
                "search": {"title": "name search", "unit": "queries/s", "ours": {**side(1), "p95_ms": p95_ms},
                           "baselines": []},
            },
        }  # fmt: skip

    met = report.render([stored(61.0, 55.0)])
    assert "search-key re-key at 1M in minutes (< 300 s), every row rewritten: 61 s at 1,000,000 — met" in met
    assert "name search p95 < 100 ms at 1M: 55 ms at 1,000,000 — met" in met
    missed = report.render([stored(420.0, 140.0)])
    assert "every row rewritten: 420 s at 1,000,000 — **missed**" in missed
    assert "name search p95 < 100 ms at 1M: 140 ms at 1,000,000 — **missed**" in missed


def test_report_holds_the_answer_page_to_100_ms_at_1m_businesses_and_10m_notices():
    def stored(businesses: int, notices: int, post_p95: float) -> dict:
        pages = [
            {
                "page": "GET: the question, 300 businesses",
                "p50": 20.0,
                "p95": 40.0,
                "queries": 6,
                "stock_p50": 10.0,
                "stock_p95": 15.0,
                "stock_queries": 0,
            },
            {
                "page": "POST: 更新申請します, 100 businesses",
                "p50": 50.0,
                "p95": post_p95,
                "queries": 14,
                "stock_p50": 12.0,
                "stock_p95": 18.0,
                "stock_queries": 0,
            },
        ]
        ours = {**side(2), "pages": pages, "note": "stock: Django admin's login page"}
        return {
            "scale": "x", "businesses": businesses, "date": "2026-11-28",
            "register": {"businesses": businesses, "notices": notices},
            "rows": {"answer": {"title": "answer page over HTTP", "unit": "pages", "ours": ours, "baselines": []}},
        }  # fmt: skip

    met = report.render([stored(1_000_000, 10_000_000, 90.0)])
    assert "answer page p95 < 100 ms at 1M businesses and 10M notices: GET 40 ms, POST 90 ms at 1,000,000 " in met
    assert "10,000,000 notices — met" in met
    assert "| p95 < 100 ms, ≤ 20 queries |" in met
    assert "| POST: 更新申請します, 100 businesses | 50 ms | 90 ms | 14 | 12 ms | 18 ms | 0 | met |" in met
    assert "stock: Django admin's login page." in met
    missed = report.render([stored(1_000_000, 10_000_000, 150.0)])
    assert "POST 150 ms at 1,000,000 businesses, 10,000,000 notices — **missed**" in missed
    assert "| 50 ms | 150 ms | 14 | 12 ms | 18 ms | 0 | **missed** |" in missed
    small = report.render([stored(50_000, 500_000, 90.0)])
    assert "at 50,000 businesses, 500,000 notices — not measured at 1M in this run" in small
    assert "answer page" not in report.table(stored(50_000, 500_000, 90.0))  # not among the rate rows
