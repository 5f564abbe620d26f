"""The order of the call queue: hard rules first, then the calls expected to save the most renewals.

1. callbacks whose time has come (the business asked for that time);
2. businesses whose registration expires before the next business day (today is the last chance);
3. the rest by expected saves: the term's lapse risk, given that it has not applied yet with so
   few days left (the model's not_applied_share), × the chance a call reaches a business of its
   kind at this hour; ties by expiry. A term the model has not scored counts at the average risk.

With no usable model (none trained, or its file failed to load at the last scoring) or too
little call history to learn the reach from, step 3 is plain expiry order, as before.
"""

import datetime

from django.db.models import Case, F, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from outreach import business_days
from outreach.calls import reach
from outreach.models import CallTask, LapseModel, LapseRisk
from registrations.models import Business

EXPIRY_ORDER = ["urgency", "expires_on", "due_at", "pk"]


def usable_model() -> LapseModel | None:
    """The latest model, if it was scored and its file loaded; None otherwise."""
    model = LapseModel.objects.only("pk", "load_error", "scored_at", "reach", "metrics", "spec").first()
    if model is None or model.load_error or model.scored_at is None:
        return None
    return model


def _urgency(today: datetime.date) -> Case:
    last_chance = business_days.next_business_day(today, include_today=False)
    return Case(
        When(kind=CallTask.Kind.CALLBACK, then=Value(0)),
        When(expires_on__lt=last_chance, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def ordered(tasks: QuerySet, *, now: datetime.datetime) -> QuerySet:
    """`tasks` (CallTask rows) in the order operators should call them at `now`."""
    tasks = tasks.annotate(urgency=_urgency(timezone.localdate(now)))
    model = usable_model()
    if model is None or not model.reach:
        return tasks.order_by(*EXPIRY_ORDER)
    hour = timezone.localtime(now).hour
    risk = Subquery(LapseRisk.objects.filter(term_id=OuterRef("notice__term_id"), model_id=model.pk).values("risk")[:1])
    chances = {kind: reach.chance(model.reach, kind, hour) for kind in reach.KINDS}
    chance = Case(
        When(notice__business__is_sole_proprietor=True, then=Value(chances["sole"])),
        When(notice__business__entity_type=Business.EntityType.INDIVIDUAL, then=Value(chances["individual"])),
        default=Value(chances["corporation"]),
        output_field=FloatField(),
    )
    average = model.metrics.get("average_rate", 0.0)
    still_out = _not_applied_share(model.spec.get("not_applied_share"), timezone.localdate(now))
    return tasks.annotate(
        lapse_risk=Coalesce(risk, Value(average), output_field=FloatField()),
        risk_now=F("lapse_risk") / (F("lapse_risk") + (1 - F("lapse_risk")) * still_out),
        expected_saves=F("risk_now") * chance,
    ).order_by("urgency", "-expected_saves", "expires_on", "due_at", "pk")


def _not_applied_share(shares: list[float] | None, today: datetime.date) -> Case | Value:
    """The share of renewing terms without an application yet at each task's days left (1: unknown)."""
    if not shares:
        return Value(1.0)
    return Case(
        *(
            When(expires_on__lte=today + datetime.timedelta(days=days), then=Value(share))
            for days, share in enumerate(shares)
        ),
        default=Value(1.0),
        output_field=FloatField(),
    )


def risk_of(term_id: int | None) -> LapseRisk | None:
    """The stored risk of a term under the usable model (None: no model, or the term is not scored)."""
    model = usable_model()
    if model is None or term_id is None:
        return None
    return LapseRisk.objects.filter(term_id=term_id, model_id=model.pk).first()
