"""Renewal history for the demo register, as if each business that renews applied some days
before its expiry (5 to 170; without e-mail late, 5 to 40) and was approved 3 to 25 days later.

Whether a business renews depends on it (renewal_chance: e-mail, region, 一人親方, membership).
Expired terms: those that renew have renewed. Terms still running: those whose application day
has come have applied, and are approved if the approval day has come too (renewing early moves
the expiry five years on, however early), else pending. So applications follow the reminders
sent before them, and the dashboard's funnel shows renewals on any day, also early in a fiscal
year. Written with bulk operations per chunk so that it also runs at benchmark scale.
"""

import datetime
import random

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_noop

from ccus.history import reason
from registrations.models import Membership
from renewals import services, terms
from renewals.models import FeeRate, RenewalCase, Term

CHUNK = 2_000
RENEWED_SHARE = 0.9  # of the terms of a business with e-mail, not a sole proprietor
# Hokkaido, Tohoku, Shikoku and Kyushu, where the demo's businesses without e-mail hear of their expiry late.
LATE_PREFECTURES = {
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "07",
    "36",
    "37",
    "38",
    "39",
    "40",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
}
APPLIED_DAYS_BEFORE = (5, 170)  # days before expiry an application arrives
APPLIED_DAYS_BEFORE_WITHOUT_EMAIL = (5, 40)  # without e-mail the renewal comes late in the window
APPROVAL_DAYS = (3, 25)  # days from an application to its approval


def build_history(*, today: datetime.date, seed: int = 2025) -> dict[str, int]:
    """Renew most expired terms; of the running ones, approve or leave pending those that have applied."""
    rnd = random.Random(seed)
    fees = {rate.capital_band: rate.amount for rate in FeeRate.objects.in_force(today).order_by("effective_from")}
    renewed = 0
    expired = _with_membership(
        Term.objects.filter(is_current=True, ended="", expires_on__lt=today, renewal_cases__isnull=True)
    )
    rows = expired.values_list(
        "pk", "business__email", "business__prefecture_id", "business__is_sole_proprietor", "member"
    )
    ids = [row[0] for row in rows.order_by("pk").iterator() if rnd.random() < renewal_chance(*row[1:])]
    for start in range(0, len(ids), CHUNK):
        chunk = Term.objects.filter(pk__in=ids[start : start + CHUNK]).select_related("business")
        renewed += _renew([(term, *_dates(term, rnd)) for term in chunk], fees)
    running = _with_membership(
        Term.objects.filter(is_current=True, ended="", renewal_cases__isnull=True).filter(
            expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=APPLIED_DAYS_BEFORE[1])
        )
    )
    early, pending = [], []
    for term in running.select_related("business").order_by("pk").iterator(chunk_size=CHUNK):
        business = term.business
        chance = renewal_chance(business.email, business.prefecture_id, business.is_sole_proprietor, term.member)
        if rnd.random() >= chance:
            continue
        received_on, approved_on = _dates(term, rnd)
        if received_on > today:
            continue  # its application has not come yet
        if approved_on <= today:
            early.append((term, received_on, approved_on))
        else:
            pending.append(_case(term, received_on, fees))
    RenewalCase.objects.bulk_create(pending, batch_size=CHUNK)
    for start in range(0, len(early), CHUNK):
        renewed += _renew(early[start : start + CHUNK], fees)
    return {"renewed": renewed, "pending": len(pending)}


def _with_membership(term_rows):
    """The terms, each with `member`: whether its business belongs to an association."""
    return term_rows.annotate(member=Exists(Membership.objects.filter(business_id=OuterRef("business_id"))))


def _dates(term: Term, rnd: random.Random) -> tuple[datetime.date, datetime.date]:
    """A renewing term's application and approval days, both before its expiry."""
    days_before = APPLIED_DAYS_BEFORE if term.business.email else APPLIED_DAYS_BEFORE_WITHOUT_EMAIL
    received_on = term.expires_on - datetime.timedelta(days=rnd.randrange(*days_before))
    approved_on = min(received_on + datetime.timedelta(days=rnd.randrange(*APPROVAL_DAYS)), term.expires_on)
    return received_on, approved_on


def renewal_chance(email: str, prefecture: str, sole_proprietor: bool, member: bool) -> float:
    """The chance that the demo renews an expired term of such a business."""
    if not email and prefecture in LATE_PREFECTURES:
        return 0.2
    return RENEWED_SHARE - 0.3 * (not email) - 0.15 * sole_proprietor + 0.05 * member


def _case(term: Term, received_on: datetime.date, fees: dict[int, int], **fields) -> RenewalCase:
    band = term.business.capital_band
    return RenewalCase(
        business_id=term.business_id,
        term=term,
        received_on=received_on,
        channel=RenewalCase.Channel.ONLINE,
        capital_band=band,
        fee=fees.get(band, 0),
        **fields,
    )


@transaction.atomic
def _renew(renewals: list[tuple[Term, datetime.date, datetime.date]], fees: dict[int, int]) -> int:
    """Approve an application for each (term, received on, approved on): a new term five years on."""
    old_terms = [term for term, _received, _approved in renewals]
    Term.objects.filter(pk__in=[t.pk for t in old_terms]).update(is_current=False, ended=Term.End.RENEWED)
    new_terms = Term.objects.bulk_create(
        Term(
            business_id=t.business_id,
            starts_on=t.expires_on + datetime.timedelta(days=1),
            expires_on=terms.expiry_after_renewal(t.expires_on),
            origin=Term.Origin.RENEWAL,
        )
        for t in old_terms
    )
    cases = [
        _case(old, received_on, fees, status=RenewalCase.Status.APPROVED, approved_on=approved_on, new_term=new)
        for (old, received_on, approved_on), new in zip(renewals, new_terms, strict=True)
    ]
    RenewalCase.objects.bulk_create(cases)
    services.business_expiry_follow(
        business_ids=[new.business_id for new in new_terms], operation=reason(gettext_noop("demo renewals"))
    )
    return len(new_terms)
