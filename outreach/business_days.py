"""Japanese business days: no weekends, national holidays (jpholiday) or 12/29–1/3."""

import datetime

import jpholiday
from django.conf import settings
from django.utils import timezone


def is_business_day(day: datetime.date) -> bool:
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def next_business_day(day: datetime.date, *, include_today: bool = True) -> datetime.date:
    day = day if include_today else day + datetime.timedelta(days=1)
    while not is_business_day(day):
        day += datetime.timedelta(days=1)
    return day


def within_hours(moment: datetime.datetime, hours: tuple[int, int], *, business_days_only: bool = True) -> bool:
    """True between the opening hour (inclusive) and closing hour, JST, on a business day."""
    local = timezone.localtime(moment)
    return (is_business_day(local.date()) or not business_days_only) and hours[0] <= local.hour < hours[1]


def in_sending_hours(moment: datetime.datetime | None = None) -> bool:
    return within_hours(
        moment or timezone.now(),
        settings.OUTREACH_SENDING_HOURS,
        business_days_only=settings.OUTREACH_SEND_ON_BUSINESS_DAYS_ONLY,
    )
