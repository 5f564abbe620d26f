"""Weak segments: where renewal lags, as lists the desk can export or hand to the phone desk.

A segment is a combination of prefecture × trade group or trade × capital band. Its
list holds the businesses of the segment at risk (a current term expiring in the next
90 days without an application) on the day it was saved; the rows are written with
one INSERT … SELECT, and the call tasks too (outreach.calls picks them up).
"""

import datetime
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from ccus.history import CREATED, history_record_bulk, reason
from ccus.tabular import neutralise
from outreach import business_days, routing
from outreach.calls.services import call_tasks_create
from outreach.models import Channel, Notice, NoticeTemplate, ReminderPolicy, SegmentList, SegmentListEntry
from registrations.models import CapitalBand, Prefecture, Trade, TradeGroup
from renewals import stats

SEGMENTINGS = {
    "prefecture_trade_group": (["prefecture", "trade_group"], gettext_lazy("prefecture × trade group")),
    "trade_capital_band": (["trade", "capital_band"], gettext_lazy("trade × capital band")),
}
ORDERS = {"rate": gettext_lazy("lowest renewal rate"), "at_risk": gettext_lazy("most businesses at risk")}


class TargetingError(Exception):
    """A segment step that cannot be done; the message is for the desk."""


def segments(kind: str, *, today: datetime.date, order: str = "rate", min_terms: int | None = None) -> list[dict]:
    """Each segment with its observed renewal rate and its businesses at risk, ranked (computed live)."""
    return ranked(segment_figures([kind], today=today)[kind], order=order, min_terms=min_terms)


def segment_figures(kinds: list[str], *, today: datetime.date) -> dict[str, list[dict]]:
    """Per segmenting, each segment's observed terms, renewals, rate and businesses at risk, unranked.

    Two grouped queries for all the segmentings at once: what a snapshot stores.
    """
    sets = [SEGMENTINGS[kind][0] for kind in kinds]
    rates = stats.renewal_rates_of(sets, today=today)
    at_risk = stats.at_risk_counts_of(sets, today=today)
    found = {}
    for kind, dimensions, kind_rates, kind_at_risk in zip(kinds, sets, rates, at_risk, strict=True):
        rows = {row["keys"]: {**row, "at_risk": 0} for row in kind_rates}
        for keys, count in kind_at_risk.items():
            if keys not in rows:
                rows[keys] = {"keys": keys, "labels": _labels(dimensions, keys), "terms": 0, "renewed": 0, "rate": None}
            rows[keys]["at_risk"] = count
        found[kind] = list(rows.values())
    return found


def ranked(rows: list[dict], *, order: str = "rate", min_terms: int | None = None) -> list[dict]:
    """The segments ranked by `order`.

    A segment with fewer than `min_terms` observed terms (default settings.SEGMENT_MIN_TERMS) is
    marked `small`: its rate says little (two businesses at 0% are not the weakest segment), so the
    rate ranking puts it after every segment large enough to measure.
    """
    min_terms = settings.SEGMENT_MIN_TERMS if min_terms is None else min_terms
    found = [{**row, "small": row["terms"] < min_terms} for row in rows]
    if order == "at_risk":
        found.sort(key=lambda row: (-row["at_risk"], row["labels"]))
    else:  # then small segments, then those without an expiry to observe
        found.sort(
            key=lambda row: (row["rate"] is None, row["small"], row["rate"] or 0, -row["at_risk"], row["labels"])
        )
    return found


def _labels(dimensions: list[str], keys: tuple) -> tuple[str, ...]:
    models = {"prefecture": Prefecture, "trade_group": TradeGroup, "trade": Trade}
    return tuple(
        str(CapitalBand(key).label) if name == "capital_band" else str(models[name].objects.get(pk=key))
        for name, key in zip(dimensions, keys, strict=True)
    )


def parse_keys(kind: str, raw: str) -> tuple:
    """Segment keys from a form ('13|2'); a wrong value raises TargetingError."""
    if kind not in SEGMENTINGS:
        raise TargetingError(_("Unknown segmentation."))
    dimensions = SEGMENTINGS[kind][0]
    parts = (raw or "").split("|")
    if len(parts) != len(dimensions) or not all(parts):
        raise TargetingError(_("Choose a segment from the table."))
    keys = []
    for name, part in zip(dimensions, parts, strict=True):
        if name in ("trade_group", "capital_band"):
            if not part.isdigit():
                raise TargetingError(_("Choose a segment from the table."))
            keys.append(int(part))
        else:
            keys.append(part)
    try:
        _labels(dimensions, tuple(keys))
    except (LookupError, ValueError) as error:
        raise TargetingError(_("Choose a segment from the table.")) from error
    return tuple(keys)


def segment_list_of_day(*, kind: str, keys: tuple, today: datetime.date) -> SegmentList | None:
    """The list already saved today for this segment, if any (saving it again would only repeat it)."""
    dimensions = ",".join(SEGMENTINGS[kind][0])
    saved = SegmentList.objects.filter(dimensions=dimensions, as_of=today).order_by("pk")
    return next((segment_list for segment_list in saved if tuple(segment_list.keys) == tuple(keys)), None)


@transaction.atomic
def segment_list_create(*, kind: str, keys: tuple, today: datetime.date, user=None) -> SegmentList:
    """Save the segment's businesses at risk today as a list."""
    dimensions = SEGMENTINGS[kind][0]
    name = " × ".join(_labels(dimensions, keys))
    segment_list = SegmentList.objects.create(
        name=_("%(segment)s, at risk on %(date)s") % {"segment": name, "date": today},
        dimensions=",".join(dimensions),
        keys=list(keys),
        as_of=today,
        created_by=user,
    )
    terms = stats.segment_terms(dimensions, keys, today=today).values_list("business_id", "pk")
    sql, params = terms.query.sql_with_params()
    entries = SegmentListEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entries} (segment_list_id, business_id, term_id) SELECT %s, s.* FROM ({sql}) s",
            [segment_list.pk, *params],
        )
    return segment_list


def _phone_template() -> NoticeTemplate:
    policy = ReminderPolicy.objects.filter(is_active=True).first()
    step = policy.steps.filter(channel=Channel.PHONE).select_related("template").first() if policy else None
    template = step.template if step else NoticeTemplate.objects.filter(channel=Channel.PHONE).first()
    if template is None:
        raise TargetingError(_("There is no phone template: add one under notice templates first."))
    return template


@transaction.atomic
def segment_list_calls(*, segment_list: SegmentList, today: datetime.date | None = None) -> dict[str, int]:
    """Hand the list to the phone desk: a phone notice with its first call task per business.

    Businesses that have applied since, whose term ended, that cannot be called (no or
    wrong number, asked not to be called) or that already wait for a call are left out.
    """
    today = today or timezone.localdate()
    template = _phone_template()
    now = timezone.now()
    params = {
        "template": template.pk,
        "phone": Channel.PHONE.value,
        "queued": Notice.Status.QUEUED.value,
        "manual": Notice.Reason.MANUAL.value,
        "today": today,
        "day": business_days.next_business_day(today),
        "now": connection.ops.adapt_datetimefield_value(now),
        "list": segment_list.pk,
        "true": True,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO outreach_notice (
                business_id, term_id, step_id, template_id, channel, status, reason, fallback_reason, due_on,
                scheduled_for, recipient, subject, body, attempts, last_error, scan_run_id, created_at, updated_at)
            SELECT e.business_id, e.term_id, NULL, %(template)s, %(phone)s, %(queued)s, %(manual)s, '', %(today)s,
                %(day)s, '', '', '', 0, '', NULL, %(now)s, %(now)s
            FROM outreach_segmentlistentry e
            JOIN renewals_term t ON t.id = e.term_id
            JOIN registrations_business b ON b.id = e.business_id
            WHERE e.segment_list_id = %(list)s AND t.is_current = %(true)s AND t.ended = ''
              AND {routing.sql_usable(Channel.PHONE)}
              AND NOT EXISTS (
                  SELECT 1 FROM renewals_renewalcase c WHERE c.term_id = t.id AND c.status IN ('pending', 'approved'))
              AND NOT EXISTS (
                  SELECT 1 FROM outreach_notice n
                  WHERE n.term_id = t.id AND n.channel = %(phone)s AND n.status = %(queued)s)
            """,
            params,
        )
        created = cursor.rowcount
    new = Notice.objects.filter(created_at=now, channel=Channel.PHONE, reason=Notice.Reason.MANUAL, step=None)
    history_record_bulk(
        new,
        operation=reason(gettext_noop("segment list %(list)s: calls"), list=segment_list.pk),
        user=segment_list.created_by,
        history_type=CREATED,
    )
    call_tasks_create()
    SegmentList.objects.filter(pk=segment_list.pk).update(calls_created=F("calls_created") + created)
    return {"created": created, "left_out": segment_list.entries.count() - created}


def export_headers() -> list[str]:
    return [
        _("business ID (事業者ID)"),
        _("trade name (商号)"),
        _("prefecture"),
        _("phone"),
        _("e-mail"),
        _("capital band"),
        _("expires on (有効期限)"),
    ]


def export_rows(segment_list: SegmentList) -> Iterator[list]:
    """A saved list's rows for a file."""
    entries = (
        segment_list.entries.select_related("business__prefecture", "term")
        .order_by("term__expires_on", "pk")
        .iterator(chunk_size=2_000)
    )
    return _rows((entry.business, entry.term.expires_on) for entry in entries)


def segment_rows(kind: str, keys: tuple, *, today: datetime.date) -> Iterator[list]:
    """The segment's businesses at risk today as rows for a file, read live: nothing is saved."""
    terms = (
        stats.segment_terms(SEGMENTINGS[kind][0], keys, today=today)
        .select_related("business__prefecture")
        .order_by("expires_on", "pk")
        .iterator(chunk_size=2_000)
    )
    return _rows((term.business, term.expires_on) for term in terms)


def _rows(businesses: Iterable[tuple]) -> Iterator[list]:
    """(business, expiry) pairs as file rows, with text cells made safe from spreadsheet formulas."""
    for business, expires_on in businesses:
        yield [
            business.ccus_id,
            neutralise(business.name),
            business.prefecture.name,
            neutralise(business.phone),
            neutralise(business.email),
            str(CapitalBand(business.capital_band).label),
            expires_on,
        ]
