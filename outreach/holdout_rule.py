"""Who is held out of an experiment's rung: the one definition, in Python and in SQL.

A business is held out when the first 8 hex digits of md5("<salt>:<事業者ID>") fall
below the held-out share of the 16⁸ possible values. The salt is the experiment's own
(random, shown in the admin), so one business lands in different arms of different
experiments, the same arm on every scan, and anyone can recompute its arm by hand.
md5 serves as a well-mixed hash here, not as security; PostgreSQL has md5() built in
and Django registers MD5 on SQLite, so the scan decides in SQL what `held_out` says
in Python (tested on the same IDs). Fixed-width lowercase hex compares as its number
in byte order, hence the "C" collation on PostgreSQL.
"""

import hashlib
from decimal import Decimal

HEX_DIGITS = 8
SPACE = 16**HEX_DIGITS


def threshold(percent: Decimal) -> str:
    """The hex prefix below which a business is held out, for a share in percent."""
    return format(int(Decimal(percent) * SPACE / 100), f"0{HEX_DIGITS}x")


def digest(salt: str, ccus_id: str) -> str:
    return hashlib.md5(f"{salt}:{ccus_id}".encode()).hexdigest()[:HEX_DIGITS]


def held_out(salt: str, ccus_id: str, percent: Decimal) -> bool:
    """Whether the business with this 事業者ID falls in the held-out share."""
    return digest(salt, ccus_id) < threshold(percent)


def sql_held_out(*, salt: str, ccus_id: str, limit: str, vendor: str) -> str:
    """An SQL condition: the same as `held_out`, for SQL expressions giving the salt, the
    事業者ID and the threshold (e.g. placeholders and a column)."""
    collate = ' COLLATE "C"' if vendor == "postgresql" else ""
    return f"substr(md5({salt} || ':' || {ccus_id}), 1, {HEX_DIGITS}){collate} < {limit}"


AFTER_EXPIRY = "after_expiry"
LAST_RUNG = "last_rung"


def rung_refusal(days_before: int, ladder: list[int]) -> str:
    """Why a rung may not be held out ('' if it may): the guard rails.

    A business must never miss its last reminder before expiry, nor a reminder after it
    (`ladder` is the days_before of every step of the rung's policy).
    """
    if days_before < 0:
        return AFTER_EXPIRY
    if days_before <= min(days for days in ladder if days >= 0):
        return LAST_RUNG
    return ""
