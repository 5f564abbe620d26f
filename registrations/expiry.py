"""How long a registration lasts: five years, to the end of the month (DOMAIN.md)."""

import datetime

# Everything registered in the system's first year expired together on this day.
FIRST_YEAR = (datetime.date(2018, 4, 1), datetime.date(2019, 3, 31))
FIRST_YEAR_EXPIRY = datetime.date(2024, 3, 31)


def expiry_for(registered_on: datetime.date) -> datetime.date:
    """The computed 有効期限 of a registration (an imported 有効期限 wins over this)."""
    if FIRST_YEAR[0] <= registered_on <= FIRST_YEAR[1]:
        return FIRST_YEAR_EXPIRY
    first_of_next = datetime.date(registered_on.year + 5 + registered_on.month // 12, registered_on.month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)
