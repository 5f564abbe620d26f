"""Read queries about outreach: a business's contact timeline and the call desk's numbers."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, Count, DateTimeField, F, Min, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, TruncDate

from outreach.models import (
    Bounce,
    CallAttempt,
    CallOutcome,
    Channel,
    Heartbeat,
    Notice,
    ReturnedMail,
    ScanRun,
    SubcontractorListRow,
)
from renewals.models import RenewalCase, Term

# Every event source yields these columns: when, what kind, and three free columns the
# kind's formatter in the admin turns into words.
TIMELINE_COLUMNS = ["ev_at", "ev_kind", "ev_a", "ev_b", "ev_c"]
# Kinds whose source only knows the day; the timeline shows no time for them.
DATE_ONLY_KINDS = {"application", "approval", "lapse", "returned_mail"}


def _text(value) -> Value:
    return Value(value, output_field=CharField())


def _day(field: str) -> Cast:
    return Cast(field, DateTimeField())


def _events(queryset: QuerySet, *, at, kind: str, a=None, b=None, c=None) -> QuerySet:
    empty = _text("")
    return (
        queryset.order_by()
        .annotate(
            ev_at=at,
            ev_kind=_text(kind),
            ev_a=Cast(a, CharField()) if a is not None else empty,
            ev_b=Cast(b, CharField()) if b is not None else empty,
            ev_c=Cast(c, CharField()) if c is not None else empty,
        )
        .values(*TIMELINE_COLUMNS)
    )


def _notices(business_id: int) -> QuerySet:
    return _events(
        Notice.objects.filter(business_id=business_id),
        at=Coalesce("sent_at", "created_at"),
        kind="notice",
        a=F("channel"),
        b=F("status"),
        c=Coalesce(F("step__name"), F("reason")),
    )


def _calls(business_id: int) -> QuerySet:
    return _events(
        CallAttempt.objects.filter(notice__business_id=business_id),
        at=F("started_at"),
        kind="call",
        a=F("outcome"),
        b=F("operator__username"),
        c=F("note"),
    )


def _bounces(business_id: int) -> QuerySet:
    return _events(
        Bounce.objects.filter(business_id=business_id),
        at=F("created_at"),
        kind="bounce",
        a=F("email"),
        b=F("file_name"),
    )


def _applications(business_id: int) -> QuerySet:
    return _events(
        RenewalCase.objects.filter(business_id=business_id),
        at=_day("received_on"),
        kind="application",
        a=F("channel"),
        b=F("status"),
    )


def _approvals(business_id: int) -> QuerySet:
    return _events(
        RenewalCase.objects.filter(business_id=business_id, approved_on__isnull=False),
        at=_day("approved_on"),
        kind="approval",
        a=F("new_term__expires_on"),
    )


def _lapses(business_id: int) -> QuerySet:
    return _events(
        Term.objects.filter(business_id=business_id, ended=Term.End.LAPSED),
        at=_day(Coalesce("lapse_recorded_on", "expires_on")),
        kind="lapse",
        a=F("expires_on"),
    )


def _returned_mail(business_id: int) -> QuerySet:
    return _events(
        ReturnedMail.objects.filter(business_id=business_id),
        at=_day("returned_on"),
        kind="returned_mail",
        a=F("batch_id"),
    )


def _postcard_batches(business_id: int) -> QuerySet:
    return _events(
        Notice.objects.filter(business_id=business_id, batch__isnull=False),
        at=Coalesce("batch__built_at", "batch__created_at"),
        kind="postcard_batch",
        a=F("batch_id"),
        b=F("batch__status"),
    )


def _prime_lists(business_id: int) -> QuerySet:
    """The pressure through primes: every built list the business appeared on."""
    return _events(
        SubcontractorListRow.objects.filter(business_id=business_id, snapshot__built_at__isnull=False),
        at=F("snapshot__built_at"),
        kind="prime_list",
        a=F("prime__name"),
        b=F("distance"),
        c=F("snapshot__delivered_at"),
    )


# A new kind of contact (returned mail, postcard batches, …) is one more function here
# and one more formatter where the timeline is shown.
TIMELINE_SOURCES: list[Callable[[int], QuerySet]] = [
    _notices,
    _calls,
    _bounces,
    _applications,
    _approvals,
    _lapses,
    _returned_mail,
    _postcard_batches,
    _prime_lists,
]


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime.datetime
    kind: str
    a: str
    b: str
    c: str

    @property
    def date_only(self) -> bool:
        return self.kind in DATE_ONLY_KINDS


def contact_timeline(*, business_id: int, limit: int = 200) -> list[TimelineEvent]:
    """Every contact with a business and every step of its renewal, newest first, in one UNION query."""
    first, *others = (source(business_id) for source in TIMELINE_SOURCES)
    rows = first.union(*others, all=True).order_by("-ev_at", "ev_kind")[:limit]
    return [TimelineEvent(*(row[column] for column in TIMELINE_COLUMNS)) for row in rows]


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


def last_finished_scan():
    """The latest real (not dry) scan that finished, or None."""
    return ScanRun.objects.filter(dry_run=False, finished_at__isnull=False).first()


def notices_troubled(*, since: datetime.datetime) -> dict[str, int]:
    """Notices that became uncertain or failed since a moment: what the desk must look at."""
    rows = Notice.objects.filter(status__in=[Notice.Status.UNCERTAIN, Notice.Status.FAILED], updated_at__gte=since)
    counts = dict(rows.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in (Notice.Status.UNCERTAIN, Notice.Status.FAILED)}


def _created_per_channel(counts: dict) -> str:
    """'e-mail 120, postcard 8' from a scan's counts."""
    return ", ".join(
        f"{Channel(channel).label} {entry['created']}"
        for channel, entry in counts.items()
        if channel in Channel.values and entry["created"]
    )


@dataclass
class MorningCheckData:
    """What the desk looks at each morning (see MorningCheckAdmin)."""

    scans: list
    sent: list[dict]
    failed: list
    uncertain: list
    uncertain_total: int
    waiting: list[dict]
    heartbeats: dict


def morning_check(*, today: datetime.date, limit: int = 50) -> MorningCheckData:
    """Yesterday's and today's scans, yesterday's sends per channel, failures, uncertain notices, batches waiting."""
    yesterday = today - datetime.timedelta(days=1)
    sent = (
        Notice.objects.filter(status=Notice.Status.SENT, sent_at__date=yesterday)
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by("channel")
    )
    problems = Notice.objects.select_related("business").order_by("-updated_at")
    failed = problems.filter(status=Notice.Status.FAILED, updated_at__date__gte=yesterday)
    uncertain = problems.filter(status=Notice.Status.UNCERTAIN)
    waiting = (
        Notice.objects.filter(status=Notice.Status.QUEUED, channel__in=[Channel.POSTCARD, Channel.PRIME_LIST])
        .values("channel")
        .annotate(n=Count("pk"), oldest=Min("due_on"))
        .order_by("channel")
    )
    scans = ScanRun.objects.filter(for_date__gte=yesterday, dry_run=False).order_by("-started_at")[:10]
    return MorningCheckData(
        scans=[(run, _created_per_channel(run.counts)) for run in scans],
        sent=[{**row, "channel": Channel(row["channel"]).label} for row in sent],
        failed=list(failed[:limit]),
        uncertain=list(uncertain[:limit]),
        uncertain_total=uncertain.count(),
        waiting=[{**row, "channel": Channel(row["channel"]).label} for row in waiting],
        heartbeats={name.label: Heartbeat.last(name) for name in Heartbeat.Name},
    )
