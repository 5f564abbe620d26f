"""Japanese business days: no weekends, national holidays (jpholiday) or 12/29–1/3."""

import datetime

import jpholiday
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy


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


def next_sending_moment(now: datetime.datetime | None = None) -> datetime.datetime:
    """When an e-mail queued at `now` really goes out: now in sending hours, else the next opening."""
    now = timezone.localtime(now or timezone.now())
    if in_sending_hours(now):
        return now
    opening, _closing = settings.OUTREACH_SENDING_HOURS
    day = now.date()
    sends_on = is_business_day if settings.OUTREACH_SEND_ON_BUSINESS_DAYS_ONLY else (lambda _day: True)
    if not (sends_on(day) and now.hour < opening):
        day += datetime.timedelta(days=1)
        while not sends_on(day):
            day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(opening)))


WEEKDAYS = [
    pgettext_lazy("short weekday", "Monday"),
    pgettext_lazy("short weekday", "Tuesday"),
    pgettext_lazy("short weekday", "Wednesday"),
    pgettext_lazy("short weekday", "Thursday"),
    pgettext_lazy("short weekday", "Friday"),
    pgettext_lazy("short weekday", "Saturday"),
    pgettext_lazy("short weekday", "Sunday"),
]


def sending_time_text(now: datetime.datetime | None = None) -> str:
    """When an e-mail queued now goes out, as a clerk says it: すぐに, 今日 9:00, 月曜 9:00, 1月4日（月曜）9:00."""
    now = timezone.localtime(now or timezone.now())
    moment = timezone.localtime(next_sending_moment(now))
    if moment == now:
        return gettext("It is sent right away.")
    days_ahead = (moment.date() - now.date()).days
    if days_ahead == 0:
        day = gettext("today")
    elif days_ahead < 7:
        day = str(WEEKDAYS[moment.weekday()])
    else:
        day = gettext("%(month)s/%(day)s (%(weekday)s)") % {
            "month": moment.month,
            "day": moment.day,
            "weekday": WEEKDAYS[moment.weekday()],
        }
    return gettext("It will be sent %(day)s at %(time)s.") % {"day": day, "time": f"{moment:%-H:%M}"}
