"""Where a registration stands on the day a notice goes out, and the date the notice asks for.

A notice is read days after it is written (a postcard is printed, posted and delivered),
so it never asks for a date that is already gone and never counts days: it says which
situation the business is in on the posting date and gives a date still ahead.

- before the window: renewal opens on a date (six months before expiry) → apply by `renew_by`;
- in the window: apply by `renew_by` (the last day of the month before expiry);
- the last weeks (`renew_by` is gone or less than LAST_WEEKS away): apply now, by the expiry date;
- after expiry: the registration has lapsed and cannot be renewed: register again (再登録).
"""

import datetime
import enum

from renewals.terms import window_opens

# Closer than this to `renew_by`, a notice asks for the application by the expiry date itself.
LAST_WEEKS = datetime.timedelta(days=14)


class Situation(enum.Enum):
    BEFORE_WINDOW = "before_window"
    WINDOW_OPEN = "window_open"
    LAST_WEEKS = "last_weeks"
    LAPSED = "lapsed"


def renew_by(expires_on: datetime.date) -> datetime.date:
    """The last day of the month before expiry: the date notices ask the application by."""
    return expires_on.replace(day=1) - datetime.timedelta(days=1)


def situation_on(expires_on: datetime.date, day: datetime.date) -> Situation:
    if day > expires_on:
        return Situation.LAPSED
    if day + LAST_WEEKS > renew_by(expires_on):
        return Situation.LAST_WEEKS
    if day < window_opens(expires_on):
        return Situation.BEFORE_WINDOW
    return Situation.WINDOW_OPEN


def apply_by(expires_on: datetime.date, day: datetime.date) -> datetime.date | None:
    """The date a notice sent on `day` asks the application by; None once the registration has lapsed."""
    situation = situation_on(expires_on, day)
    if situation is Situation.LAPSED:
        return None
    if situation is Situation.LAST_WEEKS:
        return expires_on
    return renew_by(expires_on)
