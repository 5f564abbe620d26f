"""The renewal dashboard's numbers: targets, fee income, expiry calendar, rates, funnel, lapses.

A dozen grouped queries (renewals.stats, plus the outreach funnel here). The page reads
them from a stored snapshot (outreach.reports.snapshots); the committee report computes them for
its quarter. Both read the same dictionaries.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from outreach.models import CallAttempt, Channel, Notice
from renewals import fiscal, stats
from renewals.models import RenewalCase, Target

FUNNEL_STAGES = ["sent", "reached", "applied", "renewed"]
# The renewal rate tables: one per dimension, computed in one pass.
RATE_SETS = [[name] for name in stats.DIMENSIONS]


def _day_bounds(period: fiscal.Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as a range of instants: from its first day's midnight to the midnight after its last."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


def went_out(period: fiscal.Period) -> list:
    """The notices that went out in the period, as two disjoint querysets each read through an index.

    Sent in the period (notice_sent_idx), and phone notices called in the period that were
    not (from the call attempts): one OR over both made PostgreSQL read every notice.
    """
    start, end = _day_bounds(period)
    sent = Q(status=Notice.Status.SENT, sent_at__gte=start, sent_at__lt=end)
    called = CallAttempt.objects.filter(started_at__gte=start, started_at__lt=end).values("notice_id")
    return [Notice.objects.filter(sent), Notice.objects.filter(channel=Channel.PHONE, pk__in=called).exclude(sent)]


def funnel(period: fiscal.Period) -> list[dict]:
    """Per channel: notices that went out in the period → reached → applied → renewed.

    A notice went out when it was sent (a phone notice: when it was called at least
    once); it reached the business unless the e-mail bounced, the address was
    undeliverable, or no call got through; applied and renewed count applications
    for the notice's term received on or after the day the notice was due.
    """
    reached = (
        Q(channel=Channel.EMAIL, business__email_bounced_since__isnull=True)
        | Q(channel=Channel.POSTCARD, business__address_undeliverable_since__isnull=True)
        | Q(channel=Channel.PHONE, status=Notice.Status.SENT)
        | Q(channel=Channel.PRIME_LIST)
    )
    cases = RenewalCase.objects.filter(term=OuterRef("term"), received_on__gte=OuterRef("due_on"))
    rows = [
        row
        for notices in went_out(period)
        for row in notices.order_by()
        .annotate(
            applied=Exists(cases.filter(status__in=stats.APPLIED)),
            renewed=Exists(cases.filter(status=RenewalCase.Status.APPROVED)),
        )
        .values("channel")
        .annotate(
            sent=Count("pk"),
            reached=Count("pk", filter=reached),
            applied_n=Count("pk", filter=reached & Q(applied=True)),
            renewed_n=Count("pk", filter=reached & Q(renewed=True)),
        )
    ]
    found = {}
    for row in rows:
        total = found.setdefault(row["channel"], dict.fromkeys(("sent", "reached", "applied_n", "renewed_n"), 0))
        for key in total:
            total[key] += row[key]
    result = []
    for channel in Channel:
        row = found.get(channel.value, {})
        result.append(
            {
                "channel": channel.value,
                "label": str(channel.label),
                "sent": row.get("sent", 0),
                "reached": row.get("reached", 0),
                "applied": row.get("applied_n", 0),
                "renewed": row.get("renewed_n", 0),
            }
        )
    return result


def _share(part: int | float, whole: int | float) -> float:
    return part / whole if whole else 0.0


def registrations_forecast(*, fee_to_date: int, year: fiscal.Period, today: datetime.date) -> int:
    """New registrations' fees for the rest of the year at the year-to-date run rate.

    Fees of the new registrations so far ÷ days elapsed (the year's first day to today) ×
    days left (after today to the year's end). New registrations have no calendar to
    forecast from, so the year so far is the best guide; 0 once the year is over.
    """
    if today >= year.end or today < year.start:
        return 0
    elapsed, left = (today - year.start).days + 1, (year.end - today).days
    return round(fee_to_date * left / elapsed)


def year_figures(*, today: datetime.date, until: datetime.date | None = None) -> dict:
    """Renewals, new registrations, fees and forecasts of the fiscal year to `until` (default today).

    Everything of the year's progress except the target, which stays a live read (an
    edited target shows at once, also on a stored snapshot).
    """
    year = fiscal.fiscal_year(fiscal.fiscal_year_of(until or today))
    to_date = fiscal.Period(year.start, min(until or today, year.end), year.label)
    renewals = stats.renewals_in(to_date)
    registrations = stats.new_registrations_in(to_date)
    observed = stats.observed_rate(today)
    forecast = stats.fee_forecast(today=today, until=year.end, rate=observed["rate"]) if today <= year.end else 0
    new_forecast = registrations_forecast(fee_to_date=registrations["fee"], year=year, today=today)
    income = renewals["fee"] + registrations["fee"]
    return {
        "year": year,
        "to_date": to_date,
        "elapsed": _share((to_date.end - year.start).days + 1, (year.end - year.start).days + 1),
        "renewals": renewals,
        "registrations": registrations,
        "income": income,
        "observed": observed,
        "forecast": forecast,
        "registrations_forecast": new_forecast,
        "projected": income + forecast + new_forecast,
    }


def against_target(figures: dict) -> dict:
    """The year's figures with its target (the latest earlier one when it has none) and the shares of it."""
    target, carried_over = Target.objects.for_year(fiscal.fiscal_year_of(figures["year"].start))
    budget = target.fee_budget if target else 0
    return {
        **figures,
        "target": target,
        "carried_over": carried_over,
        "renewals_share": _share(figures["renewals"]["count"], target.renewals if target else 0),
        "registrations_share": _share(figures["registrations"]["count"], target.new_registrations if target else 0),
        "budget": budget,
        "income_share": _share(figures["income"], budget),
        "projected_share": _share(figures["projected"], budget),
    }


def year_progress(*, today: datetime.date, until: datetime.date | None = None) -> dict:
    """The fiscal year to `until` (default today) against its target."""
    return against_target(year_figures(today=today, until=until))


def figures(*, today: datetime.date) -> dict:
    """Every aggregate the dashboard shows, as of `today`: what a snapshot stores (no target)."""
    lapse_months = fiscal.Period(fiscal.add_months(today, -11), today, "")
    return {
        "today": today,
        "progress": year_figures(today=today),
        "calendar": stats.expiry_calendar(today=today),
        "rates": dict(zip(stats.DIMENSIONS, stats.renewal_rates_of(RATE_SETS, today=today), strict=True)),
        "funnel": funnel(fiscal.fiscal_year(fiscal.fiscal_year_of(today))),
        "lapses": stats.lapses_by_month(lapse_months),
    }


def with_target(data: dict) -> dict:
    """The dashboard's aggregates with the year's target read now."""
    return {**data, "progress": against_target(data["progress"])}


def dashboard(*, today: datetime.date) -> dict:
    """Everything the dashboard shows, computed live as of `today`."""
    return with_target(figures(today=today))
