"""How much any uploaded or imported file may expand to, enforced while it streams.

Every reader (CSV and XLSX, for every import) checks these before or while it reads, so
that a small file that expands to gigabytes is refused without holding its expansion:
peak memory is bounded by these numbers, not by the file. Settings may override any of
them with `TABULAR_LIMITS = {"rows": …}`.
"""

from dataclasses import dataclass, fields, replace

from django.conf import settings

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    rows: int = 2_000_000  # the register is ≈1M businesses; a re-import of its export must pass
    columns: int = 200  # cells per row (the widest import has 18 columns)
    cell_chars: int = 32_767  # Excel's own limit for a cell
    line_bytes: int = 1 * MB  # one CSV record, quoted line breaks included
    expanded_bytes: int = 2048 * MB  # all of an XLSX's parts, uncompressed (1M rows ≈ 1.1 GB)
    ratio: int = 100  # uncompressed ÷ compressed, for any XLSX part over RATIO_FLOOR (real sheets: 5–15)
    shared_strings_bytes: int = 128 * MB  # the shared-strings part, which must be held while the sheet is read
    parts: int = 10_000  # members of the XLSX archive


# Parts smaller than this are not checked for their ratio: they cannot expand to much.
RATIO_FLOOR = 1 * MB


def current() -> Limits:
    overrides = getattr(settings, "TABULAR_LIMITS", {}) or {}
    known = {f.name for f in fields(Limits)}
    return replace(Limits(), **{k: v for k, v in overrides.items() if k in known})
