"""What the reminders achieved: outcomes per expiry month, the last contact before each
application, and the renewal rate by the mix of channels a business received.

Three grouped queries over the terms expiring in the chosen months; nothing is loaded
per business.

- outcome of a term: renewed (application approved), pending (application received),
  lapsed, or open (neither, not yet lapsed);
- a channel counts as received when a notice of the term by that channel was sent;
- the last contact before an application is the latest notice sent on or before the
  day the application was received ("none" when there was none);
- the renewal rate of a mix is (renewed + pending) / terms with that mix;
- per kind of answer from the answer page (outreach.answers) given on a notice of those
  terms: how many answered (a rejected answer does not count), how many of their terms
  renewed (an approved application), and the postcards and calls the answers saved: rungs
  of those terms written skipped or cancelled because an answer paused the ladder or the
  business closed, each counted for the latest answer its business gave by then.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import TruncMonth

from outreach.models import Answer, Channel, Notice
from renewals.models import RenewalCase, Term

OUTCOMES = ["renewed", "pending", "lapsed", "open"]
MIX_CHANNELS = [Channel.EMAIL, Channel.POSTCARD, Channel.PHONE, Channel.PRIME_LIST]


@dataclass
class MonthRow:
    month: datetime.date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    last_contacts: list[tuple[str, str, int]] = field(default_factory=list)  # (channel, step name, applications)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class MixRow:
    channels: tuple[str, ...]
    terms: int
    renewed: int

    @property
    def rate(self) -> float:
        return self.renewed / self.terms if self.terms else 0.0


@dataclass
class AnswerRow:
    kind: str
    answered: int = 0
    renewed: int = 0
    postcards_saved: int = 0
    calls_saved: int = 0


@dataclass
class EffectFigures:
    """The effect report's figures for a range of months (the admin page and its workbook show them)."""

    first_month: datetime.date
    last_month: datetime.date
    months: list[MonthRow]
    mixes: list[MixRow]
    answers: list[AnswerRow] = field(default_factory=list)


def _month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _cases(status: str):
    return Exists(RenewalCase.objects.filter(term=OuterRef("pk"), status=status))


def _sent(channel: str):
    return Exists(Notice.objects.filter(term=OuterRef("pk"), channel=channel, status=Notice.Status.SENT))


def effect_report(*, first_month: datetime.date, last_month: datetime.date) -> EffectFigures:
    """The report for terms expiring from the first day of `first_month` to the end of `last_month`."""
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    terms = Term.objects.filter(expires_on__gte=first_month, expires_on__lt=_month_after(last_month)).order_by()
    outcome = Case(
        When(_cases(RenewalCase.Status.APPROVED), then=Value("renewed")),
        When(_cases(RenewalCase.Status.PENDING), then=Value("pending")),
        When(ended=Term.End.LAPSED, then=Value("lapsed")),
        default=Value("open"),
        output_field=CharField(),
    )
    months: dict[datetime.date, MonthRow] = {}
    for row in (
        terms.annotate(month=TruncMonth("expires_on"), outcome=outcome)
        .values("month", "outcome")
        .annotate(n=Count("pk"))
    ):
        month = _as_date(row["month"])
        months.setdefault(month, MonthRow(month)).counts[row["outcome"]] += row["n"]

    last = Notice.objects.filter(
        term=OuterRef("term"), status=Notice.Status.SENT, sent_at__date__lte=OuterRef("received_on")
    ).order_by("-sent_at", "-pk")
    applications = (
        RenewalCase.objects.filter(term__in=terms)
        .exclude(status=RenewalCase.Status.WITHDRAWN)
        .annotate(
            month=TruncMonth("term__expires_on"),
            last_channel=Subquery(last.values("channel")[:1]),
            last_step=Subquery(last.values("step__name")[:1]),
        )
        .values("month", "last_channel", "last_step")
        .annotate(n=Count("pk"))
        .order_by("month", "-n", "last_channel", "last_step")
    )
    for row in applications:
        month = _as_date(row["month"])
        entry = months.setdefault(month, MonthRow(month))
        entry.last_contacts.append((row["last_channel"] or "", row["last_step"] or "", row["n"]))

    flags = {f"got_{channel}": _sent(channel) for channel in MIX_CHANNELS}
    applied = Q(_cases(RenewalCase.Status.APPROVED)) | Q(_cases(RenewalCase.Status.PENDING))
    mixes = [
        MixRow(
            channels=tuple(channel for channel in MIX_CHANNELS if row[f"got_{channel}"]),
            terms=row["terms"],
            renewed=row["renewed"],
        )
        for row in terms.annotate(**flags)
        .values(*flags)
        .annotate(terms=Count("pk"), renewed=Count("pk", filter=applied))
    ]
    mixes.sort(key=lambda mix: (len(mix.channels), [MIX_CHANNELS.index(c) for c in mix.channels]))
    return EffectFigures(first_month, last_month, [months[m] for m in sorted(months)], mixes, _answer_rows(terms))


SAVED = {Channel.POSTCARD: "postcards_saved", Channel.PHONE: "calls_saved"}


def _answer_rows(terms) -> list[AnswerRow]:
    """One row per kind of answer (see the module docstring): two grouped queries."""
    rows = {kind: AnswerRow(kind) for kind in Answer.Kind.values}
    renewed = Exists(RenewalCase.objects.filter(term=OuterRef("notice__term"), status=RenewalCase.Status.APPROVED))
    given = Answer.objects.filter(notice__term__in=terms).exclude(status=Answer.Status.REJECTED).order_by()
    for row in given.values("kind").annotate(answered=Count("pk"), renewed=Count("pk", filter=Q(renewed))):
        rows[row["kind"]].answered, rows[row["kind"]].renewed = row["answered"], row["renewed"]
    latest = Answer.objects.filter(business=OuterRef("business"), answered_at__lte=OuterRef("updated_at"))
    saved = (
        Notice.objects.filter(
            term__in=terms, channel__in=SAVED, reason__in=[Notice.Reason.ANSWERED, Notice.Reason.CLOSED]
        )
        .order_by()
        .annotate(kind=Subquery(latest.order_by("-answered_at", "-pk").values("kind")[:1]))
        .values("kind", "channel")
        .annotate(n=Count("pk"))
    )
    for row in saved:
        if row["kind"] in rows:
            setattr(rows[row["kind"]], SAVED[row["channel"]], row["n"])
    return list(rows.values())
