"""Date rules of a registration: five years, to the end of the month (DOMAIN.md)."""

import datetime

RENEWAL_WINDOW_MONTHS = 6
TERM_YEARS = 5
# Registrations of the system's first year all expired on one day.
FIRST_YEAR = (datetime.date(2018, 4, 1), datetime.date(2019, 3, 31))
FIRST_YEAR_EXPIRY = datetime.date(2024, 3, 31)


def end_of_month(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def expiry_for_registration(registered_on: datetime.date) -> datetime.date:
    """Registered 2025-04-15 → valid to 2030-04-30."""
    if FIRST_YEAR[0] <= registered_on <= FIRST_YEAR[1]:
        return FIRST_YEAR_EXPIRY
    return end_of_month(registered_on.year + TERM_YEARS, registered_on.month)


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
