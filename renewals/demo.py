"""Renewal history for the demo register: most expired businesses renewed, some pending.

Written with bulk operations per chunk so that it also runs at benchmark scale.
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
RENEWED_SHARE = 0.9  # of the expired terms of a business with e-mail, not a sole proprietor
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
PENDING_SHARE = 0.3  # of the terms whose renewal window is open


def build_history(*, today: datetime.date, seed: int = 2025) -> dict[str, int]:
    """Renew most expired terms, and leave applications pending for some open windows."""
    rnd = random.Random(seed)
    fees = {rate.capital_band: rate.amount for rate in FeeRate.objects.in_force(today).order_by("effective_from")}
    renewed = pending = 0
    expired = Term.objects.filter(is_current=True, ended="", expires_on__lt=today, renewal_cases__isnull=True)
    rows = expired.annotate(member=Exists(Membership.objects.filter(business_id=OuterRef("business_id")))).values_list(
        "pk", "business__email", "business__prefecture_id", "business__is_sole_proprietor", "member"
    )
    ids = [row[0] for row in rows.order_by("pk").iterator() if rnd.random() < renewal_chance(*row[1:])]
    for start in range(0, len(ids), CHUNK):
        renewed += _renew(Term.objects.filter(pk__in=ids[start : start + CHUNK]).select_related("business"), fees, rnd)
    window = Term.objects.filter(is_current=True, ended="", expires_on__gte=today, renewal_cases__isnull=True).filter(
        expires_on__lte=today + datetime.timedelta(days=180)
    )
    cases = []
    for term in window.select_related("business").iterator(chunk_size=CHUNK):
        opens = terms.window_opens(term.expires_on)
        if rnd.random() < PENDING_SHARE and opens <= today:
            received_on = opens + datetime.timedelta(days=rnd.randrange(max(1, (today - opens).days + 1)))
            cases.append(_case(term, received_on, fees))
    RenewalCase.objects.bulk_create(cases, batch_size=CHUNK)
    pending = len(cases)
    return {"renewed": renewed, "pending": pending}


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
def _renew(old_terms, fees: dict[int, int], rnd: random.Random) -> int:
    old_terms = list(old_terms)
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
    cases = []
    for old, new in zip(old_terms, new_terms, strict=True):
        # Without e-mail the renewal comes late in the window.
        received_on = old.expires_on - datetime.timedelta(days=rnd.randrange(5, 170 if old.business.email else 40))
        approved_on = min(received_on + datetime.timedelta(days=rnd.randrange(3, 25)), old.expires_on)
        cases.append(
            _case(old, received_on, fees, status=RenewalCase.Status.APPROVED, approved_on=approved_on, new_term=new)
        )
    RenewalCase.objects.bulk_create(cases)
    services.business_expiry_follow(
        business_ids=[new.business_id for new in new_terms], operation=reason(gettext_noop("demo renewals"))
    )
    return len(new_terms)
