"""Name search as the desk types it: p50/p95 of the changelist's query over spelling variants.

    python bench/name_search.py --names 100

Takes --names businesses spread evenly over the register and types each name the ways a
caller would (issue 23): as registered, without its legal form, with (株), with variant
kanji (髙 for 高, 﨑 for 崎 …), the reading in hiragana and in half-width katakana, with
the place name's connector swapped (霞が浦 for 霞ヶ浦) and a full-width hyphen for each
long vowel (センタ－), and its first two characters. Each
query runs as the business changelist runs it, through its paginator for a search
(ccus.paginator.SearchCountPaginator): the count capped at SEARCH_COUNT_CAP and the first
page of 100 in 事業者ID order. Every query is then checked (untimed) to find its
business; the result line says how many did.
"""

import argparse
import json
import re
import statistics
import time

import jaconv
from django_env import django_setup

LEGAL_FORM = re.compile(r"^(株式会社|有限会社|合同会社)")
LEGAL_FORM_KANA = re.compile(r"^(カブシキガイシャ|ユウゲンガイシャ|ゴウドウガイシャ)")
# A connector in a place name as a caller types it: 霞ヶ浦 → 霞が浦, 袖ケ浦 → 袖ヶ浦, 自由が丘 → 自由ケ丘.
CONNECTOR = re.compile(r"(?<=[一-龯])[ヶケが](?=[一-龯])")
AS_TYPED = {"ヶ": "が", "ケ": "ヶ", "が": "ケ"}


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def spellings(name: str, kana: str, variant_of: dict[str, str]) -> list[str]:
    """What a caller may type for a registered name and reading."""
    base, reading = LEGAL_FORM.sub("", name), LEGAL_FORM_KANA.sub("", kana)
    return [
        name,
        base,
        f"(株){base}",
        "".join(variant_of.get(c, c) for c in base),
        jaconv.kata2hira(reading),
        jaconv.z2h(reading, kana=True),
        CONNECTOR.sub(lambda match: AS_TYPED[match[0]], base).replace("ー", "－"),
        base[:2],
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100)
    args = parser.parse_args()
    django_setup()
    from ccus.paginator import SearchCountPaginator
    from registrations import normalize
    from registrations.models import Business

    variant_of = {e.usual: e.variants[0] for e in normalize.EQUIVALENCES if e.where == normalize.ANYWHERE}
    total = Business.objects.count()
    step = max(1, total // args.names)
    ids = Business.objects.order_by("pk").values_list("pk", flat=True)
    samples = [Business.objects.get(pk=ids[i * step]) for i in range(min(args.names, total))]
    queries = [(b, q) for b in samples for q in spellings(b.name, b.name_kana, variant_of)]
    for _business, query in queries[:20]:  # warm the caches as a working day would
        list(SearchCountPaginator(Business.objects.search(query).order_by("ccus_id"), 100).page(1))
    timings, found = [], 0
    for business, query in queries:
        started = time.perf_counter()
        results = Business.objects.search(query)
        list(SearchCountPaginator(results.order_by("ccus_id"), 100).page(1))  # counts, then reads the page
        timings.append((time.perf_counter() - started) * 1000)
        found += results.filter(pk=business.pk).exists()
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    note = (
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms over {len(queries):,} queries "
        f"({len(samples)} names × {len(queries) // len(samples)} spellings); {found:,} found their business"
    )
    print(note)
    result = {"count": len(queries), "seconds": sum(timings) / 1000, "note": note, "p95_ms": p95}
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
