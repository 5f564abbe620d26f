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

from django.db import connection
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
# name → the key's lookup from a term.
DIMENSIONS = {
    "prefecture": "business__prefecture_id",
    "trade_group": "business__trades__groups__id",
    "trade": "business__trades__code",
    "capital_band": "business__capital_band",
}
# The same dimensions in the SQL of grouped_sets: (key, label or None).
DIMENSION_SQL = {
    "prefecture": ("b.prefecture_id", "p.name"),
    "trade_group": ("gt.tradegroup_id", "g.name"),
    "trade": ("bt.trade_id", "tr.name"),
    "capital_band": ("b.capital_band", None),
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


def _label(dimension: str, key, label: str | None) -> str:
    return str(CapitalBand(key).label) if dimension == "capital_band" else label


def grouped_sets(queryset, sets: list[list[str]], **aggregates: str) -> list[list[dict]]:
    """Aggregates of the terms in `queryset` per combination of dimensions, for several combinations in one pass.

    `queryset` (of terms) selects `id`, `business_id` and any flags the aggregates read (`t.name` in
    their SQL); one GROUP BY GROUPING SETS query joins business, trades and groups once
    and returns, per set in `sets`, rows with keys, labels and the aggregates. A business
    with several trades counts once in each of its trades (and groups), never twice in
    one: the counts are of distinct terms (aggregates are SQL over `t`, e.g.
    "COUNT(DISTINCT t.id)"). Combinations with a missing key (no trade, no capital) are left out.
    """
    names = list(dict.fromkeys(name for dimensions in sets for name in dimensions))
    keys = [DIMENSION_SQL[name][0] for name in names]
    labels = [DIMENSION_SQL[name][1] or "NULL" for name in names]
    grouping_sets = ", ".join(
        "(" + ", ".join(column for name in dimensions for column in DIMENSION_SQL[name] if column) + ")"
        for dimensions in sets
    )
    terms_sql, params = queryset.query.sql_with_params()
    sql = f"""
        SELECT {", ".join(keys)}, {", ".join(labels)}, GROUPING({", ".join(keys)}),
               {", ".join(aggregates.values())}
        FROM ({terms_sql}) t
        JOIN registrations_business b ON b.id = t.business_id
        LEFT JOIN registrations_prefecture p ON p.code = b.prefecture_id
        LEFT JOIN registrations_business_trades bt ON bt.business_id = b.id
        LEFT JOIN registrations_trade tr ON tr.code = bt.trade_id
        LEFT JOIN registrations_tradegroup_trades gt ON gt.trade_id = bt.trade_id
        LEFT JOIN registrations_tradegroup g ON g.id = gt.tradegroup_id
        GROUP BY GROUPING SETS ({grouping_sets})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # GROUPING(...) has a bit per key, most significant first, set when the key is not grouped.
    masks = [sum(1 << (len(names) - 1 - names.index(name)) for name in names if name not in dims) for dims in sets]
    result = [[] for _ in sets]
    for row in found:
        index = masks.index(row[2 * len(names)])
        dimensions = sets[index]
        key_of = {name: row[names.index(name)] for name in dimensions}
        if any(value is None for value in key_of.values()):
            continue
        result[index].append(
            {
                "keys": tuple(key_of[name] for name in dimensions),
                "labels": tuple(_label(name, key_of[name], row[len(names) + names.index(name)]) for name in dimensions),
                **dict(zip(aggregates, row[2 * len(names) + 1 :], strict=True)),
            }
        )
    return result


def renewal_rates_of(sets: list[list[str]], *, today: datetime.date) -> list[list[dict]]:
    """Observed renewal rate per combination of dimensions, for each set of dimensions, lowest first."""
    terms = observed_terms(today).annotate(renewed=_case_exists(*APPLIED)).values("id", "business_id", "renewed")
    found = grouped_sets(
        terms, sets, terms="COUNT(DISTINCT t.id)", renewed="COUNT(DISTINCT t.id) FILTER (WHERE t.renewed)"
    )
    for rows in found:
        for row in rows:
            row["rate"] = row["renewed"] / row["terms"]
        rows.sort(key=lambda row: (row["rate"], row["labels"]))
    return found


def renewal_rates(dimensions: list[str], *, today: datetime.date) -> list[dict]:
    """Observed renewal rate per combination of dimensions, lowest first."""
    return renewal_rates_of([dimensions], today=today)[0]


def at_risk_counts_of(sets: list[list[str]], *, today: datetime.date) -> list[dict[tuple, int]]:
    """Terms at risk per combination of dimensions, for each set of dimensions."""
    terms = at_risk_terms(today).values("id", "business_id")
    found = grouped_sets(terms, sets, at_risk="COUNT(DISTINCT t.id)")
    return [{row["keys"]: row["at_risk"] for row in rows} for rows in found]


def at_risk_counts(dimensions: list[str], *, today: datetime.date) -> dict[tuple, int]:
    return at_risk_counts_of([dimensions], today=today)[0]


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
    filters = {DIMENSIONS[name]: key for name, key in zip(dimensions, keys, strict=True)}
    return at_risk_terms(today).filter(**filters).distinct()
