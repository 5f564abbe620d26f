"""Grouped read queries for the dashboard and the committee report.

Every function here is one or two GROUP BY queries over terms and applications;
nothing is loaded per business. Definitions (the numbers the tests check):

- outcome of a term: renewed (application approved), pending (application received,
  not yet approved), lapsed (expired without an application), window open (expiry
  within six months, no application), active (later);
- renewals in a period: applications received in it and not withdrawn; the fee is the
  one on the application;
- new registrations in a period: terms of origin registration or registration after a
  lapse starting in it; the fee is the schedule's rate on the start day;
- targets count businesses that are not 一人親方 (the plan's definition);
- observed renewal rate: of the terms that expired in the 365 days before today,
  the share with an approved or pending application;
- at risk: a current term expiring in the next 90 days without an application.
"""

import datetime

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from registrations.models import CapitalBand
from renewals.fiscal import Period, add_months
from renewals.models import FeeRate, RenewalCase, Term
from renewals.selectors import window_cutoff

# "closed": the business closed or merged (confirmed by the desk), counted apart from lapses.
OUTCOMES = ["renewed", "pending", "lapsed", "window_open", "active", "closed"]
OBSERVED_DAYS = 365
AT_RISK_DAYS = 90
# name → (key column, label column or None when the key is a choice) from a term.
DIMENSIONS = {
    "prefecture": ("business__prefecture_id", "business__prefecture__name"),
    "trade_group": ("business__trades__groups__id", "business__trades__groups__name"),
    "trade": ("business__trades__code", "business__trades__name"),
    "capital_band": ("business__capital_band", None),
}
APPLIED = [RenewalCase.Status.PENDING, RenewalCase.Status.APPROVED]


def _case_exists(*statuses: str):
    return Exists(RenewalCase.objects.filter(term=OuterRef("pk"), status__in=statuses))


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def term_outcome(today: datetime.date) -> Case:
    return Case(
        When(ended__in=Term.GONE, then=Value("closed")),
        When(_case_exists(RenewalCase.Status.APPROVED), then=Value("renewed")),
        When(_case_exists(RenewalCase.Status.PENDING), then=Value("pending")),
        When(Q(ended=Term.End.LAPSED) | Q(expires_on__lt=today), then=Value("lapsed")),
        When(expires_on__lte=window_cutoff(today), then=Value("window_open")),
        default=Value("active"),
        output_field=CharField(),
    )


def expiry_calendar(
    *, today: datetime.date, first: datetime.date | None = None, months: int = 18
) -> list[tuple[datetime.date, dict[str, int]]]:
    """Terms expiring in each month from `first` (default: this month), by their outcome as of today."""
    first = (first or today).replace(day=1)
    calendar = {add_months(first, i): dict.fromkeys(OUTCOMES, 0) for i in range(months)}
    rows = (
        Term.objects.filter(expires_on__gte=first, expires_on__lt=add_months(first, months))
        .order_by()
        .annotate(month=TruncMonth("expires_on"), outcome=term_outcome(today))
        .values("month", "outcome")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        calendar[_as_date(row["month"])][row["outcome"]] += row["n"]
    return list(calendar.items())


def _fee_on(day_column: str):
    """The schedule's fee for the business's capital band on the day in `day_column`."""
    rate = FeeRate.objects.filter(
        capital_band=OuterRef("business__capital_band"), effective_from__lte=OuterRef(day_column)
    ).order_by("-effective_from")
    return Subquery(rate.values("amount")[:1])


def renewals_in(period: Period) -> dict[str, int]:
    """Applications received in the period: counted without 一人親方, fees of all."""
    cases = RenewalCase.objects.filter(received_on__gte=period.start, received_on__lte=period.end).exclude(
        status=RenewalCase.Status.WITHDRAWN
    )
    counted = Q(business__is_sole_proprietor=False)
    return cases.aggregate(
        count=Count("pk", filter=counted),
        approved=Count("pk", filter=counted & Q(status=RenewalCase.Status.APPROVED)),
        fee=Coalesce(Sum("fee"), 0),
    )


def new_registrations_in(period: Period) -> dict[str, int]:
    terms = Term.objects.filter(
        origin__in=[Term.Origin.REGISTRATION, Term.Origin.REREGISTRATION],
        starts_on__gte=period.start,
        starts_on__lte=period.end,
    ).order_by()
    counts = terms.aggregate(count=Count("pk", filter=Q(business__is_sole_proprietor=False)))
    fee = terms.annotate(fee=_fee_on("starts_on")).aggregate(total=Coalesce(Sum("fee"), 0))
    return {"count": counts["count"], "fee": fee["total"]}


def observed_terms(today: datetime.date):
    """Terms that expired in the last OBSERVED_DAYS, the base of renewal rates: a business that
    closed or merged could not renew and is left out."""
    return (
        Term.objects.filter(expires_on__gte=today - datetime.timedelta(days=OBSERVED_DAYS), expires_on__lt=today)
        .exclude(ended__in=Term.GONE)
        .order_by()
    )


def observed_rate(today: datetime.date) -> dict[str, float | int]:
    counts = observed_terms(today).aggregate(
        terms=Count("pk", distinct=True),
        renewed=Count("pk", distinct=True, filter=Q(renewal_cases__status__in=APPLIED)),
    )
    return {**counts, "rate": counts["renewed"] / counts["terms"] if counts["terms"] else 0.0}


def at_risk_terms(today: datetime.date):
    return (
        Term.objects.filter(
            is_current=True,
            ended="",
            expires_on__gte=today,
            expires_on__lt=today + datetime.timedelta(days=AT_RISK_DAYS),
        )
        .exclude(_case_exists(*APPLIED))
        .order_by()
    )


def fee_forecast(*, today: datetime.date, until: datetime.date, rate: float) -> int:
    """Fees expected from terms expiring from today to `until` without an application yet."""
    open_terms = (
        Term.objects.filter(is_current=True, ended="", expires_on__gte=today, expires_on__lte=until)
        .exclude(_case_exists(*APPLIED))
        .order_by()
    )
    rate_today = FeeRate.objects.filter(
        capital_band=OuterRef("business__capital_band"), effective_from__lte=today
    ).order_by("-effective_from")
    total = open_terms.annotate(fee=Subquery(rate_today.values("amount")[:1])).aggregate(total=Coalesce(Sum("fee"), 0))[
        "total"
    ]
    return round(total * rate)


def _label(dimension: str, row: dict) -> str:
    key, label = DIMENSIONS[dimension]
    if label is None:
        return str(CapitalBand(row[key]).label)
    return row[label]


def grouped(queryset, dimensions: list[str], **aggregates) -> list[dict]:
    """Aggregates of the terms in `queryset` per combination of dimensions, each row with keys and labels.

    A business with several trades counts once in each of its trades (and groups),
    never twice in one: the counts are of distinct terms.
    """
    columns = [column for name in dimensions for column in DIMENSIONS[name] if column]
    keys = [DIMENSIONS[name][0] for name in dimensions]
    rows = queryset.filter(**{f"{key}__isnull": False for key in keys}).values(*columns).annotate(**aggregates)
    return [
        {
            "keys": tuple(row[key] for key in keys),
            "labels": tuple(_label(name, row) for name in dimensions),
            **{name: row[name] for name in aggregates},
        }
        for row in rows
    ]


def renewal_rates(dimensions: list[str], *, today: datetime.date) -> list[dict]:
    """Observed renewal rate per combination of dimensions, lowest first."""
    rows = grouped(
        observed_terms(today),
        dimensions,
        terms=Count("pk", distinct=True),
        renewed=Count("pk", distinct=True, filter=Q(renewal_cases__status__in=APPLIED)),
    )
    for row in rows:
        row["rate"] = row["renewed"] / row["terms"]
    return sorted(rows, key=lambda row: (row["rate"], row["labels"]))


def at_risk_counts(dimensions: list[str], *, today: datetime.date) -> dict[tuple, int]:
    rows = grouped(at_risk_terms(today), dimensions, at_risk=Count("pk", distinct=True))
    return {row["keys"]: row["at_risk"] for row in rows}


def lapses_by_month(period: Period) -> list[tuple[datetime.date, int]]:
    """Terms that lapsed, by the month they expired at the end of."""
    months, month = {}, period.start.replace(day=1)
    while month <= period.end:
        months[month] = 0
        month = add_months(month, 1)
    rows = (
        Term.objects.filter(ended=Term.End.LAPSED, expires_on__gte=period.start, expires_on__lte=period.end)
        .order_by()
        .annotate(month=TruncMonth("expires_on"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        months[_as_date(row["month"])] = row["n"]
    return list(months.items())


def segment_terms(dimensions: list[str], keys: tuple, *, today: datetime.date):
    """The at-risk terms of one segment."""
    filters = {DIMENSIONS[name][0]: key for name, key in zip(dimensions, keys, strict=True)}
    return at_risk_terms(today).filter(**filters).distinct()
