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
from django.db.models import Exists, OuterRef, QuerySet, Subquery
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
    """Build a queued list once; a failure is recorded on it, never half-built files.

    Steps:
    1. claim it (queued or failed → building) with a conditional UPDATE;
    2. for each batch of primes, one recursive-CTE INSERT … SELECT of the reachable
       subcontractors passing the expiry filter, each with its last contact
       (outreach.lists.contacts); each batch commits: progress shows;
    3. one UPDATE freezes each row's renewal status; the lapsed filter drops the rows
       that are not lapsed;
    4. stream the XLSX and the two CSV files (UTF-8 with BOM, CP932), mark done; announce by e-mail if
       configured.
    """
    claimed = SubcontractorList.objects.filter(
        pk=list_id, status__in=[SubcontractorList.Status.QUEUED, SubcontractorList.Status.FAILED]
    ).update(status=SubcontractorList.Status.BUILDING, progress=0, primes_done=0, error="")
    subcontractor_list = SubcontractorList.objects.select_related("prime", "association").filter(pk=list_id).first()
    if subcontractor_list is None:
        raise OutreachError(_("There is no subcontractor list %(id)s.") % {"id": list_id})
    if claimed != 1:
        return subcontractor_list
    try:
        _build(subcontractor_list)
    except Exception as error:
        logger.exception("subcontractor list %s failed", list_id)
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).delete()
        SubcontractorList.objects.filter(pk=list_id).update(
            status=SubcontractorList.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        subcontractor_list.refresh_from_db()
        return subcontractor_list
    subcontractor_list.refresh_from_db()
    if settings.SUBCONTRACTOR_LIST_ANNOUNCE and subcontractor_list.scope == SubcontractorList.Scope.ASSOCIATION:
        subcontractor_list_announce(subcontractor_list=subcontractor_list)
    return subcontractor_list


def _build(subcontractor_list: SubcontractorList) -> None:
    rows = SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
    rows.delete()  # a failed earlier attempt may have left some
    primes = list(list_primes(subcontractor_list))
    SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(primes_total=len(primes))
    size = settings.SUBCONTRACTOR_LIST_PRIMES_PER_BATCH
    for start in range(0, len(primes), size):
        batch = primes[start : start + size]
        graph.insert_reach(
            list_id=subcontractor_list.pk,
            prime_ids=batch,
            row_filter=subcontractor_list.row_filter,
            as_of=subcontractor_list.as_of,
            days=subcontractor_list.days,
        )
        done = start + len(batch)
        SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(
            primes_done=done, progress=80 * done // len(primes)
        )
    status = renewal_selectors.with_status(
        Business.objects.filter(pk=OuterRef("business_id")), today=subcontractor_list.as_of
    )
    rows.update(renewal_status=Subquery(status.values("renewal_status")[:1]))
    if subcontractor_list.row_filter == SubcontractorList.Filter.LAPSED:
        rows.exclude(renewal_status=RenewalStatus.LAPSED).delete()
    SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(progress=85)
    subcontractor_list.refresh_from_db()
    written = files.write(subcontractor_list)
    SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(
        status=SubcontractorList.Status.DONE,
        progress=100,
        row_count=rows.count(),
        xlsx_file=written.xlsx,
        csv_file=written.csv,
        csv_cp932_file=written.csv_cp932,
        cp932_problems="\n".join(written.cp932_problems),
        built_at=timezone.now(),
    )


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
