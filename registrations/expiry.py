"""How long a registration lasts: five years, to the end of the month (DOMAIN.md).

The one home of these rules: the register computes a new business's 有効期限 with them,
and renewals (renewals/terms.py) builds the renewal window and the renewed term on them.
"""

import datetime

TERM_YEARS = 5
# Everything registered in the system's first year expired together on this day.
FIRST_YEAR = (datetime.date(2018, 4, 1), datetime.date(2019, 3, 31))
FIRST_YEAR_EXPIRY = datetime.date(2024, 3, 31)


def end_of_month(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def expiry_for(registered_on: datetime.date) -> datetime.date:
    """The computed 有効期限 of a registration: registered 2025-04-15 → valid to 2030-04-30."""
    if FIRST_YEAR[0] <= registered_on <= FIRST_YEAR[1]:
        return FIRST_YEAR_EXPIRY
    return end_of_month(registered_on.year + TERM_YEARS, registered_on.month)
