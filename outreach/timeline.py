"""The contact timeline: every contact with a business and every step of its renewal, newest first.

Each kind of event is a `Kind`: a query giving the rows of one business (the columns of
TIMELINE_COLUMNS: when, what kind, three free columns) and the words the page shows
for a row. The core's kinds are here; each wing declares its own in its selectors, and
the admin (outreach/admin_timeline.py) puts them together, so the core knows no wing.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import CharField, DateTimeField, F, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from outreach.models import Answer, Assignment, Bounce, Channel, Notice
from renewals.models import RenewalCase, Term

# Every event source yields these columns: when, what kind, and three free columns the
# kind's words turn into text.
TIMELINE_COLUMNS = ["ev_at", "ev_kind", "ev_a", "ev_b", "ev_c"]


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime.datetime
    kind: str
    a: str
    b: str
    c: str
    # The source only knows the day: the timeline shows no time.
    date_only: bool = False


@dataclass(frozen=True)
class Kind:
    """One kind of event: its rows for a business and its words (what, result, details)."""

    name: str
    rows: Callable[[int], QuerySet]
    words: Callable[[TimelineEvent], tuple[str, str, str]]
    date_only: bool = False


def _text(value) -> Value:
    return Value(value, output_field=CharField())


def day(field) -> Cast:
    """A date column as a moment, for kinds whose source only knows the day."""
    return Cast(field, DateTimeField())


def events(queryset: QuerySet, *, at, kind: str, a=None, b=None, c=None) -> QuerySet:
    """A kind's rows in the timeline's columns."""
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


def label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _notices(business_id: int) -> QuerySet:
    return events(
        Notice.objects.filter(business_id=business_id),
        at=Coalesce("sent_at", "created_at"),
        kind="notice",
        a=F("channel"),
        b=F("status"),
        # Why a notice was skipped or cancelled says more than its step's name.
        c=Coalesce(NullIf(F("reason"), _text("")), F("step__name"), _text("")),
    )


def _notice(event):
    reason = label(Notice.Reason, event.c) if event.c in Notice.Reason.values else event.c
    return label(Channel, event.a), label(Notice.Status, event.b), reason


def _bounces(business_id: int) -> QuerySet:
    return events(
        Bounce.objects.filter(business_id=business_id),
        at=F("created_at"),
        kind="bounce",
        a=F("email"),
        b=F("file_name"),
    )


def _bounce(event):
    return _("e-mail bounce"), event.a, event.b


def _applications(business_id: int) -> QuerySet:
    return events(
        RenewalCase.objects.filter(business_id=business_id),
        at=day("received_on"),
        kind="application",
        a=F("channel"),
        b=F("status"),
    )


def _application(event):
    return _("renewal application"), label(RenewalCase.Status, event.b), label(RenewalCase.Channel, event.a)


def _approvals(business_id: int) -> QuerySet:
    return events(
        RenewalCase.objects.filter(business_id=business_id, approved_on__isnull=False),
        at=day("approved_on"),
        kind="approval",
        a=F("new_term__expires_on"),
    )


def _approval(event):
    return _("renewal approved"), _("new expiry %(date)s") % {"date": event.a}, ""


def _lapses(business_id: int) -> QuerySet:
    return events(
        Term.objects.filter(business_id=business_id, ended=Term.End.LAPSED),
        at=day(Coalesce("lapse_recorded_on", "expires_on")),
        kind="lapse",
        a=F("expires_on"),
    )


def _lapse(event):
    return _("lapsed"), _("expired on %(date)s") % {"date": event.a}, ""


def _answers(business_id: int) -> QuerySet:
    return events(
        Answer.objects.filter(business_id=business_id),
        at=F("answered_at"),
        kind="answer",
        a=F("kind"),
        b=F("notice__channel"),
        c=Coalesce(Cast("on_date", CharField()), F("successor")),
    )


def _answer(event):
    what = _("answer (%(channel)s)") % {"channel": label(Channel, event.b)}
    return what, label(Answer.Kind, event.a), event.c


def _answer_decisions(business_id: int) -> QuerySet:
    return events(
        Answer.objects.filter(business_id=business_id, decided_at__isnull=False),
        at=F("decided_at"),
        kind="answer_decision",
        a=F("kind"),
        b=F("status"),
        c=F("reject_reason"),
    )


def _answer_decision(event):
    details = label(Answer.Kind, event.a) + (f"：{event.c}" if event.c else "")
    return _("the desk's decision on an answer"), label(Answer.Status, event.b), details


def _holdouts(business_id: int) -> QuerySet:
    return events(
        Assignment.objects.filter(business_id=business_id).exclude(arm=Assignment.Arm.CONTROL),
        at=day("assigned_on"),
        kind="holdout",
        a=F("arm"),
        b=F("experiment__name"),
        c=F("experiment__step__name"),
    )


def _holdout(event):
    return _("holdout experiment"), label(Assignment.Arm, event.a), f"{event.b}（{event.c}）"


# The core's kinds; a new kind of contact is one more Kind, here or in its wing's selectors.
CORE_KINDS = [
    Kind("notice", _notices, _notice),
    Kind("bounce", _bounces, _bounce),
    Kind("application", _applications, _application, date_only=True),
    Kind("approval", _approvals, _approval, date_only=True),
    Kind("lapse", _lapses, _lapse, date_only=True),
    Kind("answer", _answers, _answer),
    Kind("answer_decision", _answer_decisions, _answer_decision),
    Kind("holdout", _holdouts, _holdout, date_only=True),
]


def contact_timeline(*, business_id: int, kinds: Sequence[Kind], limit: int = 200) -> list[TimelineEvent]:
    """The business's events of these kinds, newest first, in one UNION query."""
    date_only = {kind.name: kind.date_only for kind in kinds}
    first, *others = (kind.rows(business_id) for kind in kinds)
    rows = first.union(*others, all=True).order_by("-ev_at", "ev_kind")[:limit]
    return [
        TimelineEvent(*(row[column] for column in TIMELINE_COLUMNS), date_only=date_only[row["ev_kind"]])
        for row in rows
    ]


def render_timeline(business_id: int, *, kinds: Sequence[Kind]) -> str:
    words = {kind.name: kind.words for kind in kinds}
    rows = [
        {"event": event, "words": words[event.kind](event)}
        for event in contact_timeline(business_id=business_id, kinds=kinds)
    ]
    return render_to_string("admin/outreach/timeline.html", {"rows": rows})
