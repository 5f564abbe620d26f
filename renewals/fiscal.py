"""Fiscal years and quarters: FY2026 = April 2026 – March 2027; 2026Q3 = October – December 2026."""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


class PeriodError(ValueError):
    """A period the desk typed that does not exist; the message is for the desk."""


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date
    label: str

    @property
    def stop(self) -> datetime.date:
        """The first day after the period, for half-open ranges."""
        return self.end + datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year(year: int) -> Period:
    return Period(datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31), f"FY{year}")


def quarter(year: int, number: int) -> Period:
    start = add_months(datetime.date(year, 4, 1), 3 * (number - 1))
    return Period(start, add_months(start, 3) - datetime.timedelta(days=1), f"{year}Q{number}")


def parse_quarter(text: str) -> Period:
    """'2026Q3' → October – December 2026; anything else raises PeriodError."""
    match = QUARTER_PATTERN.match((text or "").strip().upper())
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise PeriodError(
            _("%(text)s is not a fiscal quarter: write e.g. 2026Q3 (October – December 2026).") % {"text": text or "''"}
        )
    return quarter(int(match[1]), int(match[2]))
