"""Date rules of renewing a registration, on the register's rules (registrations/expiry.py)."""

import datetime

from registrations.expiry import TERM_YEARS, end_of_month

RENEWAL_WINDOW_MONTHS = 6


def expiry_after_renewal(old_expiry: datetime.date) -> datetime.date:
    """The old expiry plus five years, to the end of that month: 2026-12-31 → 2031-12-31."""
    return end_of_month(old_expiry.year + TERM_YEARS, old_expiry.month)


def window_opens(expires_on: datetime.date) -> datetime.date:
    """The first day a renewal may be applied for: six months before expiry."""
    month = expires_on.month - RENEWAL_WINDOW_MONTHS
    year = expires_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(expires_on.day, end_of_month(year, month).day)
    return datetime.date(year, month, day) + datetime.timedelta(days=1)
