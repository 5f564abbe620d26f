"""Read queries about renewals, for the admin, the ladder and reports."""

import datetime

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from registrations.expiry import end_of_month
from renewals import terms
from renewals.models import RenewalCase, RenewalStatus, Term


def window_cutoff(today: datetime.date) -> datetime.date:
    """The latest expiry whose renewal window is open on `today`."""
    month = today.month + terms.RENEWAL_WINDOW_MONTHS
    year, month = today.year + (month - 1) // 12, (month - 1) % 12 + 1
    day = min(today.day, end_of_month(year, month).day)
    return datetime.date(year, month, day) - datetime.timedelta(days=1)


def _pending():
    return Exists(RenewalCase.objects.filter(business=OuterRef("pk"), status=RenewalCase.Status.PENDING))


def _renewed_term():
    return Exists(Term.objects.filter(business=OuterRef("pk"), is_current=True, origin=Term.Origin.RENEWAL))


def _gone():
    return Exists(Term.objects.filter(business=OuterRef("pk"), is_current=True, ended__in=Term.GONE))


def status_conditions(today: datetime.date) -> dict[str, Q]:
    """A condition on businesses for each status; together they cover each business once.

    Each is a range on the indexed expiry plus an EXISTS, so a filter stays cheap on
    the full register.
    """
    pending, cutoff, gone = _pending(), window_cutoff(today), _gone()
    expired, beyond_window = Q(expires_on__lt=today), Q(expires_on__gt=cutoff)
    return {
        RenewalStatus.CLOSED: Q(gone),
        RenewalStatus.EXPIRED_PENDING: ~gone & pending & expired,
        RenewalStatus.PENDING: ~gone & pending & ~expired,
        RenewalStatus.LAPSED: ~gone & ~pending & expired,
        RenewalStatus.WINDOW_OPEN: ~gone & ~pending & Q(expires_on__gte=today, expires_on__lte=cutoff),
        RenewalStatus.RENEWED: ~gone & ~pending & beyond_window & _renewed_term(),
        RenewalStatus.ACTIVE: ~gone & ~pending & beyond_window & ~_renewed_term(),
    }


def filter_by_status(businesses: QuerySet, status: str, *, today: datetime.date) -> QuerySet:
    return businesses.filter(status_conditions(today)[status])


def with_status(businesses: QuerySet, *, today: datetime.date) -> QuerySet:
    """Annotate `renewal_status` on a business queryset."""
    whens = [When(condition, then=Value(status.value)) for status, condition in status_conditions(today).items()]
    return businesses.annotate(renewal_status=Case(*whens, default=Value(RenewalStatus.ACTIVE.value)))


def status_of(business, *, today: datetime.date) -> RenewalStatus:
    value = with_status(type(business).objects.filter(pk=business.pk), today=today).values_list(
        "renewal_status", flat=True
    )
    return RenewalStatus(value.get())


def pending_applications() -> QuerySet:
    """Applications waiting for approval (read through the partial unique index on pending rows)."""
    return RenewalCase.objects.filter(status=RenewalCase.Status.PENDING)


def expiring_unapplied(businesses: QuerySet, *, today: datetime.date, days: int) -> QuerySet:
    """Of `businesses`, those whose registration expires within `days` without an application
    (the changelist's 残り日数 ≤ days and 更新状況 = renewal window open)."""
    soon = businesses.filter(expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days))
    return filter_by_status(soon, RenewalStatus.WINDOW_OPEN, today=today)
