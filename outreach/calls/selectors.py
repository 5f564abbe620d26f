"""Read queries of the phone desk: calls per operator and day, and calls on the contact timeline."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from outreach.models import CallAttempt, CallOutcome
from outreach.timeline import Kind, events, label


def _calls(business_id: int) -> QuerySet:
    return events(
        CallAttempt.objects.filter(notice__business_id=business_id),
        at=F("started_at"),
        kind="call",
        a=F("outcome"),
        b=F("operator__username"),
        c=F("note"),
    )


def _call(event):
    return _("call"), label(CallOutcome, event.a), " ".join(filter(None, [event.b, event.c]))


CALL_KINDS = [Kind("call", _calls, _call)]


@dataclass
class OperatorDay:
    day: datetime.date
    operator: str
    outcomes: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


def call_stats(*, since: datetime.date, until: datetime.date) -> list[OperatorDay]:
    """Calls made per operator and day (Japanese time) with their outcomes, newest day first."""
    rows = (
        CallAttempt.objects.annotate(day=TruncDate("started_at"))
        .filter(day__gte=since, day__lte=until)
        .values("day", "operator__username", "outcome")
        .annotate(n=Count("pk"))
        .order_by("-day", "operator__username")
    )
    table: dict[tuple, OperatorDay] = {}
    for row in rows:
        key = (row["day"], row["operator__username"])
        entry = table.setdefault(
            key, OperatorDay(row["day"], row["operator__username"], dict.fromkeys(CallOutcome.values, 0))
        )
        entry.outcomes[row["outcome"]] += row["n"]
    return list(table.values())
