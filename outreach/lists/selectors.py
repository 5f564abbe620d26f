"""Subcontractor lists on the contact timeline (the pressure that came through a business's primes),
lists built but not yet delivered, and a user's latest list."""

from django.db.models import F, Min, QuerySet
from django.utils.translation import gettext as _

from outreach.lists import scoping
from outreach.models import SubcontractorList, SubcontractorListRow
from outreach.timeline import Kind, events


def _prime_lists(business_id: int) -> QuerySet:
    """Every built list the business appeared on."""
    return events(
        SubcontractorListRow.objects.filter(business_id=business_id, subcontractor_list__built_at__isnull=False),
        at=F("subcontractor_list__built_at"),
        kind="prime_list",
        a=F("prime__name"),
        b=F("distance"),
        c=F("subcontractor_list__delivered_at"),
    )


def _prime_list(event):
    delivered = _("delivered") if event.c else _("not delivered yet")
    return (
        _("on a prime's subcontractor list"),
        delivered,
        _("%(prime)s (tier %(tier)s)") % {"prime": event.a, "tier": event.b},
    )


LIST_KINDS = [Kind("prime_list", _prime_lists, _prime_list)]


def lists_to_deliver() -> QuerySet:
    """Lists built and never downloaded nor announced: nobody has passed them on yet."""
    return SubcontractorList.objects.filter(status=SubcontractorList.Status.DONE, delivered_at__isnull=True)


def latest_list(user) -> SubcontractorList | None:
    """The newest list `user` may see (association staff: their association's), or None."""
    lists = scoping.scoped(SubcontractorList.objects.select_related("prime", "association"), user)
    return lists.order_by("-created_at", "-pk").first()


def association_lists_progress(lists: QuerySet) -> tuple[int, int] | None:
    """While association lists are queued or being built: (done, total) of the lists of that run,
    those requested since the earliest unfinished one; None when none is unfinished."""
    association_lists = lists.filter(scope=SubcontractorList.Scope.ASSOCIATION)
    unfinished = association_lists.filter(
        status__in=[SubcontractorList.Status.QUEUED, SubcontractorList.Status.BUILDING]
    ).aggregate(since=Min("created_at"))["since"]
    if unfinished is None:
        return None
    run = association_lists.filter(created_at__gte=unfinished)
    return run.filter(status=SubcontractorList.Status.DONE).count(), run.count()
