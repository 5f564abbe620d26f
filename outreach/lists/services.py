"""Subcontractor renewal lists: request, build once into files, deliver, announce.

A list is a dated record of the subcontractors of one prime, or of an association's
member primes, and their renewal status; pages and downloads read the stored rows and
files, never the live graph.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach.lists import files, graph
from outreach.models import (
    AssociationStaff,
    Channel,
    ListDelivery,
    Notice,
    SubcontractorList,
    SubcontractorListRow,
)
from outreach.services import OutreachError
from registrations.models import Association, Business, SubcontractLink
from renewals import selectors as renewal_selectors
from renewals.models import RenewalStatus

logger = logging.getLogger(__name__)
RETRYABLE = [SubcontractorList.Status.QUEUED, SubcontractorList.Status.FAILED]


def list_primes(subcontractor_list: SubcontractorList) -> QuerySet:
    """The ids of the primes a list covers: its prime, or the association's members with subcontractors."""
    if subcontractor_list.scope == SubcontractorList.Scope.PRIME:
        return Business.objects.filter(pk=subcontractor_list.prime_id).values_list("pk", flat=True)
    has_subs = SubcontractLink.objects.filter(prime=OuterRef("pk"))
    return (
        Business.objects.filter(memberships__association=subcontractor_list.association_id)
        .filter(Exists(has_subs))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def subcontractor_list_request(
    *,
    prime: Business | None = None,
    association: Association | None = None,
    row_filter: str = SubcontractorList.Filter.EXPIRING,
    days: int = 90,
    as_of: datetime.date | None = None,
    user=None,
) -> SubcontractorList:
    """A queued list for one prime or one association; build it with subcontractor_list_build."""
    if (prime is None) == (association is None):
        raise OutreachError(_("Choose either one prime contractor or one association."))
    return SubcontractorList.objects.create(
        scope=SubcontractorList.Scope.PRIME if prime else SubcontractorList.Scope.ASSOCIATION,
        prime=prime,
        association=association,
        row_filter=row_filter,
        days=days,
        as_of=as_of or timezone.localdate(),
        requested_by=user,
    )


def association_lists_request(*, association_code: str | None = None, **options) -> list[SubcontractorList]:
    """A queued list for every association, or for the one with this code."""
    associations = Association.objects.order_by("code")
    if association_code is not None:
        associations = associations.filter(code=association_code)
        if not associations.exists():
            raise OutreachError(_("There is no association with code %(code)s.") % {"code": association_code})
    return [subcontractor_list_request(association=association, **options) for association in associations]


def subcontractor_list_build(*, list_id: int) -> SubcontractorList:
    """Build one queued list now, in this process: its rows, then its files; a list another
    process is building, or one already built, is returned as it is."""
    if expand_lists(list_ids=[list_id]):
        return subcontractor_list_files(list_id=list_id)
    subcontractor_list = SubcontractorList.objects.select_related("prime", "association").filter(pk=list_id).first()
    if subcontractor_list is None:
        raise OutreachError(_("There is no subcontractor list %(id)s.") % {"id": list_id})
    return subcontractor_list


def expand_lists(*, list_ids: list[int]) -> list[int]:
    """Claim queued (or failed) lists and write the rows of all of them from one graph expansion;
    returns the ids whose rows are written, ready for subcontractor_list_files.

    Steps:
    1. claim each list (queued or failed → building) with a conditional UPDATE;
    2. every list's primes into one temporary table, the graph walked tier by tier once for
       all lists sharing a filter (outreach.lists.graph);
    3. per group of lists sharing a filter and date, one INSERT … SELECT of the reachable
       subcontractors passing the expiry filter, each with its last contact;
    4. one UPDATE freezes each row's renewal status, computed once per listed business; the lapsed filter drops the rows
       that are not lapsed. All in one transaction: a failure is recorded on every claimed
       list, never half-built rows. The files' progress then shows (subcontractor_list_files).
    """
    claimed = []
    for list_id in list_ids:
        if SubcontractorList.objects.filter(pk=list_id, status__in=RETRYABLE).update(
            status=SubcontractorList.Status.BUILDING, progress=0, primes_done=0, row_count=0, error=""
        ):
            claimed.append(list_id)
    lists = list(SubcontractorList.objects.filter(pk__in=claimed).order_by("pk"))
    try:
        with transaction.atomic():  # all lists' rows or none
            _expand(lists)
    except Exception as error:
        logger.exception("subcontractor lists %s failed", claimed)
        SubcontractorList.objects.filter(pk__in=claimed).update(
            status=SubcontractorList.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        return []
    return claimed


def _expand(lists: list[SubcontractorList]) -> None:
    ids = [subcontractor_list.pk for subcontractor_list in lists]
    rows = SubcontractorListRow.objects.filter(subcontractor_list__in=ids)
    rows.delete()  # a failed earlier attempt may have left some
    groups: dict[tuple, list[int]] = {}
    with graph.Reach() as reach:
        for subcontractor_list in lists:
            primes_sql, primes_params = list_primes(subcontractor_list).query.sql_with_params()
            total = reach.add_roots(subcontractor_list.pk, primes_sql, primes_params)
            SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(primes_total=total)
            key = (subcontractor_list.row_filter, subcontractor_list.as_of, subcontractor_list.days)
            groups.setdefault(key, []).append(subcontractor_list.pk)
        for (row_filter, as_of, days), group in groups.items():
            reach.expand(group, row_filter=row_filter, as_of=as_of, days=days)
            reach.insert_rows(group, row_filter=row_filter, as_of=as_of, days=days)
    for as_of in {subcontractor_list.as_of for subcontractor_list in lists}:
        dated = [each.pk for each in lists if each.as_of == as_of]
        listed = Business.objects.filter(pk__in=rows.filter(subcontractor_list__in=dated).values("business_id"))
        statuses = renewal_selectors.with_status(listed, today=as_of).values("pk", "renewal_status")
        graph.freeze_statuses(dated, *statuses.query.sql_with_params())
    lapsed_only = [each.pk for each in lists if each.row_filter == SubcontractorList.Filter.LAPSED]
    rows.filter(subcontractor_list__in=lapsed_only).exclude(renewal_status=RenewalStatus.LAPSED).delete()
    counts = dict(rows.values("subcontractor_list").annotate(n=Count("pk")).values_list("subcontractor_list", "n"))
    for list_id in ids:
        SubcontractorList.objects.filter(pk=list_id).update(progress=70, row_count=counts.get(list_id, 0))


def subcontractor_list_files(*, list_id: int) -> SubcontractorList:
    """Write an expanded list's files (streaming), mark it done, announce it if configured."""
    subcontractor_list = SubcontractorList.objects.select_related("prime", "association").filter(pk=list_id).first()
    if subcontractor_list is None:
        raise OutreachError(_("There is no subcontractor list %(id)s.") % {"id": list_id})
    if subcontractor_list.status != SubcontractorList.Status.BUILDING:
        return subcontractor_list
    try:
        written = files.write(subcontractor_list, on_progress=_file_progress(subcontractor_list))
    except Exception as error:
        logger.exception("subcontractor list %s failed", list_id)
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).delete()
        SubcontractorList.objects.filter(pk=list_id).update(
            status=SubcontractorList.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        subcontractor_list.refresh_from_db()
        return subcontractor_list
    SubcontractorList.objects.filter(pk=list_id).update(
        status=SubcontractorList.Status.DONE,
        progress=100,
        primes_done=F("primes_total"),
        xlsx_file=written.xlsx,
        csv_file=written.csv,
        csv_cp932_file=written.csv_cp932,
        cp932_problems="\n".join(written.cp932_problems),
        built_at=timezone.now(),
    )
    subcontractor_list.refresh_from_db()
    if settings.SUBCONTRACTOR_LIST_ANNOUNCE and subcontractor_list.scope == SubcontractorList.Scope.ASSOCIATION:
        subcontractor_list_announce(subcontractor_list=subcontractor_list)
    return subcontractor_list


def _file_progress(subcontractor_list: SubcontractorList):
    """Record the primes and rows written so far: 70 % at the start of the files, 99 % at their end."""
    total = max(subcontractor_list.row_count, 1)

    def report(primes_done: int, rows_done: int) -> None:
        SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(
            primes_done=primes_done, progress=70 + 29 * min(rows_done, total) // total
        )

    return report


def subcontractor_list_deliver(
    *, subcontractor_list: SubcontractorList, kind: str, user=None, file_format: str = "", recipient: str = ""
) -> ListDelivery:
    """Log a download or e-mail of a list; the first one passes the ladder's list step.

    Queued prime_list notices of every subcontractor on the list are marked sent, with
    the list as their recipient: the pressure went out through their primes.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = ListDelivery.objects.create(
            subcontractor_list=subcontractor_list, kind=kind, user=user, file_format=file_format, recipient=recipient
        )
        first = SubcontractorList.objects.filter(pk=subcontractor_list.pk, delivered_at__isnull=True).update(
            delivered_at=now
        )
        if first:
            update_with_history(
                Notice.objects.filter(
                    channel=Channel.PRIME_LIST,
                    status=Notice.Status.QUEUED,
                    business_id__in=SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).values(
                        "business_id"
                    ),
                ),
                operation=reason(gettext_noop("subcontractor list %(list)s delivered"), list=subcontractor_list.pk),
                user=user,
                status=Notice.Status.SENT,
                sent_at=now,
                updated_at=now,
                recipient=str(subcontractor_list)[:300],
            )
    return delivery


def subcontractor_list_announce(*, subcontractor_list: SubcontractorList) -> int:
    """E-mail the association's staff a link to a finished list; returns how many were sent."""
    staff = AssociationStaff.objects.filter(association=subcontractor_list.association_id).exclude(user__email="")
    link = settings.SITE_URL.rstrip("/") + reverse(
        "admin:outreach_subcontractorlist_change", args=[subcontractor_list.pk]
    )
    sent = 0
    for member in staff.select_related("user"):
        message = EmailMessage(
            subject=_("Subcontractor renewal list %(list)s") % {"list": subcontractor_list},
            body=_("A new subcontractor renewal list is ready (as of %(as_of)s, %(rows)s rows):\n%(link)s\n")
            % {"as_of": subcontractor_list.as_of, "rows": subcontractor_list.row_count, "link": link},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.user.email],
        )
        message.send()
        subcontractor_list_deliver(
            subcontractor_list=subcontractor_list,
            kind=ListDelivery.Kind.EMAIL,
            user=member.user,
            recipient=member.user.email,
        )
        sent += 1
    return sent
