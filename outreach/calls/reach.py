"""The chance that a call reaches someone, by hour of the day and kind of business, from the call history.

A 一人親方 is on site by day and answers early or late; an office answers in office hours.
The table is learned nightly (beside the lapse model) and read by the queue's order; with
fewer than MIN_CALLS calls on record there is nothing to learn and the queue keeps expiry order.
"""

from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import ExtractHour

from outreach.models import CallAttempt, CallOutcome
from registrations.models import Business

# Too little history below this: the queue stays in expiry order.
MIN_CALLS = 100
# Someone picked up: the business heard the desk (a voicemail or no answer reached nobody).
REACHED = [CallOutcome.WILL_RENEW, CallOutcome.ALREADY_APPLIED, CallOutcome.REFUSES, CallOutcome.CALLBACK]
KINDS = ("sole", "individual", "corporation")
# An hour with few calls leans on its kind's rate over all hours: this many calls' worth of weight.
PRIOR_CALLS = 20


def kind_of(prefix: str = "") -> Case:
    """The kind of business ("sole", "individual", "corporation") as an SQL expression."""
    return Case(
        When(Q(**{f"{prefix}is_sole_proprietor": True}), then=Value("sole")),
        When(Q(**{f"{prefix}entity_type": Business.EntityType.INDIVIDUAL}), then=Value("individual")),
        default=Value("corporation"),
    )


def reach_table() -> dict:
    """{kind: {hour: chance}} for every kind and calling hour seen, or {} with too little history.

    One grouped query over the calls; each (kind, hour) rate is smoothed towards its kind's
    rate, and a kind without calls takes the rate of all calls.
    """
    rows = (
        CallAttempt.objects.annotate(hour=ExtractHour("started_at"), kind=kind_of("notice__business__"))
        .values("kind", "hour")
        .annotate(calls=Count("pk"), reached=Count("pk", filter=Q(outcome__in=REACHED)))
        .order_by()
    )
    rows = list(rows)
    total = sum(row["calls"] for row in rows)
    if total < MIN_CALLS:
        return {}
    overall = sum(row["reached"] for row in rows) / total
    by_kind = {}
    for kind in KINDS:
        mine = [row for row in rows if row["kind"] == kind]
        calls = sum(row["calls"] for row in mine)
        base = (sum(row["reached"] for row in mine) + PRIOR_CALLS * overall) / (calls + PRIOR_CALLS)
        hours = {
            str(row["hour"]): round((row["reached"] + PRIOR_CALLS * base) / (row["calls"] + PRIOR_CALLS), 4)
            for row in mine
        }
        by_kind[kind] = {"all": round(base, 4), **hours}
    return {"calls": total, "by_kind": by_kind}


def chance(table: dict, kind: str, hour: int) -> float:
    """The chance of reaching a business of `kind` at `hour`, from a table of reach_table()."""
    rates = table["by_kind"][kind]
    return rates.get(str(hour), rates["all"])
