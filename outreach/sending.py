"""Sending notices: claim, re-check, render, send, record. Never twice.

A notice is claimed with a conditional UPDATE (queued → sending) and only the claimer
sends it. A failure before the SMTP server accepted the message puts it back in the
queue for a retry; a worker that dies after acceptance leaves it in `sending`, which
the sweeper turns into `uncertain` for the desk: never resent, never dropped.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ccus.history import history_record_bulk, update_with_history
from outreach import calendar, graph, listfiles, postcards, rendering, scan
from outreach.models import (
    AssociationStaff,
    Channel,
    ListDelivery,
    Notice,
    NoticeTemplate,
    PostcardBatch,
    PostcardExclusion,
    ReminderPolicy,
    ReturnedMail,
    SubcontractorList,
    SubcontractorListRow,
)
from registrations.models import Association, Business, SubcontractLink
from renewals import selectors as renewal_selectors
from renewals.models import RenewalCase, RenewalStatus, Term

logger = logging.getLogger(__name__)


class OutreachError(Exception):
    """A step the rules do not allow; the message is for the desk."""


class TemporaryFailure(Exception):
    """Sending failed before the server accepted the message; safe to try again."""


def _unusable_reason(business: Business, channel: str) -> str:
    """The first reason a channel cannot reach the business now, or ''."""
    checks = {
        Channel.EMAIL: [
            (not business.email, Notice.Reason.NO_EMAIL),
            (business.do_not_email_since, Notice.Reason.DO_NOT_EMAIL),
            (business.email_bounced_since, Notice.Reason.EMAIL_BOUNCED),
        ],
        Channel.POSTCARD: [
            (not business.postal_code or business.address_undeliverable_since, Notice.Reason.UNDELIVERABLE)
        ],
        Channel.PHONE: [
            (not business.phone_digits, Notice.Reason.NO_PHONE),
            (business.do_not_call_since, Notice.Reason.DO_NOT_CALL),
            (business.phone_invalid_since, Notice.Reason.PHONE_INVALID),
        ],
    }
    return next((reason for failed, reason in checks.get(channel, []) if failed), "")


def _still_needed(notice: Notice) -> str:
    """'' if the notice should still go out, else the reason to cancel it."""
    if not notice.term_id or not notice.step_id:
        return ""
    if not notice.term.is_current:
        return Notice.Reason.TERM_ENDED
    applied = RenewalCase.objects.filter(
        term=notice.term, status__in=[RenewalCase.Status.PENDING, RenewalCase.Status.APPROVED]
    )
    if not notice.step.after_expiry and applied.exists():
        return Notice.Reason.APPLIED
    return ""


def reroute(notice: Notice, policy: ReminderPolicy | None, *, unusable: str = "") -> None:
    """Move a notice down the policy's fallbacks until a channel can reach the business.

    `unusable` is a reason, found by the caller, why the notice's own channel cannot be used.
    """
    policy = policy or ReminderPolicy(name="")
    chain = scan.fallback_chain(policy, notice.channel)
    reasons = []
    for channel in chain:
        reason = (unusable if channel == chain[0] else "") or _unusable_reason(notice.business, channel)
        if not reason:
            notice.channel = channel
            notice.status = Notice.Status.QUEUED
            notice.fallback_reason = ">".join(filter(None, [notice.fallback_reason, *reasons]))
            if channel == Channel.PHONE:
                notice.scheduled_for = calendar.next_business_day(timezone.localdate())
            return
        reasons.append(reason)
    notice.channel = chain[-1]
    notice.status = Notice.Status.SKIPPED
    notice.reason = reasons[-1]


@transaction.atomic
def _render_failed(notice: Notice, error: rendering.RenderError) -> str:
    """The wording could not be filled, so nothing left: the notice failed, with the reason.

    Its rung falls back as for a channel that cannot be used (reroute): a new notice on
    the next channel of the policy that can reach the business takes over the step, so
    the scan's cancellations and the call script still apply to it. Without one, the
    failed notice keeps the step.
    """
    fallback = Notice(
        business=notice.business,
        term=notice.term,
        step=notice.step,
        template=notice.template,
        channel=notice.channel,
        reason=notice.reason,
        fallback_reason=notice.fallback_reason,
        due_on=notice.due_on,
        scheduled_for=notice.scheduled_for,
    )
    reroute(fallback, ReminderPolicy.objects.filter(is_active=True).first(), unusable=Notice.Reason.RENDER_FAILED)
    falls_back = fallback.status == Notice.Status.QUEUED
    failed = update_with_history(
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING),
        operation="sender: the wording could not be filled",
        status=Notice.Status.FAILED,
        reason=Notice.Reason.RENDER_FAILED,
        last_error=str(error)[:2000],
        updated_at=timezone.now(),
        **({"step": None} if falls_back else {}),
    )
    if failed and falls_back:  # not if the sweeper took the notice meanwhile: it keeps its rung
        fallback.save()
    return "failed"


def email_send(*, notice_id: int) -> str:
    """Send one e-mail notice if it is still queued; returns what happened."""
    claimed = Notice.objects.filter(pk=notice_id, status=Notice.Status.QUEUED, channel=Channel.EMAIL).update(
        status=Notice.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if claimed != 1:
        return "not claimed"
    notice = Notice.objects.select_related("business", "term", "step", "template").get(pk=notice_id)
    if cancel_reason := _still_needed(notice):
        update_with_history(
            Notice.objects.filter(pk=notice.pk),
            operation="sender: no longer needed",
            status=Notice.Status.CANCELLED,
            reason=cancel_reason,
        )
        return "cancelled"
    if _unusable_reason(notice.business, Channel.EMAIL):
        reroute(notice, ReminderPolicy.objects.filter(is_active=True).first())
        notice.save(update_fields=["channel", "status", "reason", "fallback_reason", "scheduled_for", "updated_at"])
        return "rerouted"
    today = timezone.localdate()
    try:
        notice.subject, notice.body = rendering.render_notice(notice, today=today)
    except rendering.RenderError as error:
        return _render_failed(notice, error)
    notice.recipient = notice.business.email
    notice.save(update_fields=["subject", "body", "recipient", "updated_at"])
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.recipient],
        reply_to=settings.EMAIL_REPLY_TO or None,
        headers={"X-CCUS-Notice": str(notice.pk)},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        # Refused or unreachable: the server did not take the message, so it may go again.
        final = notice.attempts >= settings.OUTREACH_EMAIL_MAX_ATTEMPTS
        update_with_history(
            Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING),
            operation="sender: refused",
            status=Notice.Status.FAILED if final else Notice.Status.QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(),
        )
        if final:
            return "failed"
        raise TemporaryFailure(str(error)) from error
    update_with_history(
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING),
        operation="sender: sent",
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )
    return "sent"


def sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Find e-mail notices left queued and notices stuck in sending.

    Returns the ids to re-enqueue (only in sending hours) and how many became uncertain.
    """
    now = now or timezone.now()
    stale_sending = now - datetime.timedelta(minutes=settings.OUTREACH_SENDING_TIMEOUT_MINUTES)
    uncertain = update_with_history(
        Notice.objects.filter(status=Notice.Status.SENDING, updated_at__lt=stale_sending),
        operation="sweeper: no confirmation",
        status=Notice.Status.UNCERTAIN,
        last_error=_("No confirmation after the sending timeout: check whether the message went out."),
        updated_at=now,
    )
    requeue = []
    if calendar.in_sending_hours(now):
        stale_queued = now - datetime.timedelta(minutes=settings.OUTREACH_REQUEUE_AFTER_MINUTES)
        requeue = list(
            Notice.objects.filter(
                status=Notice.Status.QUEUED, channel=Channel.EMAIL, updated_at__lt=stale_queued
            ).values_list("pk", flat=True)[:5_000]
        )
    return {"uncertain": uncertain, "requeue": requeue}


@transaction.atomic
def notice_send_now(*, business: Business, template: NoticeTemplate | None = None) -> Notice:
    """An ad-hoc reminder through the same outbox, with the policy's fallbacks."""
    policy = ReminderPolicy.objects.filter(is_active=True).first()
    template = template or NoticeTemplate.objects.filter(channel=Channel.EMAIL).order_by("pk").first()
    if template is None:
        raise OutreachError(_("There is no e-mail template to send."))
    today = timezone.localdate()
    notice = Notice(
        business=business,
        term=Term.objects.filter(business=business, is_current=True).first(),
        template=template,
        channel=template.channel,
        reason=Notice.Reason.MANUAL,
        due_on=today,
        scheduled_for=today,
    )
    reroute(notice, policy)
    if notice.status == Notice.Status.SKIPPED:
        raise OutreachError(
            _("%(business)s cannot be reached: %(reason)s")
            % {"business": business, "reason": Notice.Reason(notice.reason).label}
        )
    notice.reason = Notice.Reason.MANUAL
    notice.save()
    if notice.channel == Channel.EMAIL:
        from outreach.tasks import send_email_task

        transaction.on_commit(lambda: send_email_task.delay(notice.pk))
    return notice


def notices_resolve_uncertain(*, notices, went_out: bool) -> int:
    """The desk's verdict on failed or uncertain notices: it went out, or send it again."""
    unresolved = notices.filter(status__in=[Notice.Status.UNCERTAIN, Notice.Status.FAILED])
    if went_out:
        return update_with_history(
            unresolved.filter(status=Notice.Status.UNCERTAIN),
            operation="desk: it went out",
            status=Notice.Status.SENT,
            sent_at=timezone.now(),
            updated_at=timezone.now(),
        )
    ids = list(unresolved.values_list("pk", flat=True))
    update_with_history(
        Notice.objects.filter(pk__in=ids),
        operation="desk: send again",
        status=Notice.Status.QUEUED,
        attempts=0,
        updated_at=timezone.now(),
    )
    from outreach.tasks import send_email_task

    for notice_id in Notice.objects.filter(pk__in=ids, channel=Channel.EMAIL).values_list("pk", flat=True):
        transaction.on_commit(lambda notice_id=notice_id: send_email_task.delay(notice_id))
    return len(ids)


def list_primes(snapshot: SubcontractorList) -> QuerySet:
    """The ids of the primes a snapshot covers: its prime, or the association's members with subcontractors."""
    if snapshot.scope == SubcontractorList.Scope.PRIME:
        return Business.objects.filter(pk=snapshot.prime_id).values_list("pk", flat=True)
    has_subs = SubcontractLink.objects.filter(prime=OuterRef("pk"))
    return (
        Business.objects.filter(memberships__association=snapshot.association_id)
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
    """A queued snapshot for one prime or one association; build it with subcontractor_list_build."""
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
    """A queued snapshot for every association, or for the one with this code."""
    associations = Association.objects.order_by("code")
    if association_code is not None:
        associations = associations.filter(code=association_code)
        if not associations.exists():
            raise OutreachError(_("There is no association with code %(code)s.") % {"code": association_code})
    return [subcontractor_list_request(association=association, **options) for association in associations]


def subcontractor_list_build(*, list_id: int) -> SubcontractorList:
    """Build a queued snapshot once; a failure is recorded on it, never half-built files.

    Steps:
    1. claim it (queued or failed → building) with a conditional UPDATE;
    2. for each batch of primes, one recursive-CTE INSERT … SELECT of the reachable
       subcontractors passing the expiry filter (each batch commits: progress shows);
    3. one UPDATE freezes each row's renewal status and last contact; the lapsed filter
       drops the rows that are not lapsed;
    4. stream the XLSX and CSV files, mark done; announce by e-mail if configured.
    """
    claimed = SubcontractorList.objects.filter(
        pk=list_id, status__in=[SubcontractorList.Status.QUEUED, SubcontractorList.Status.FAILED]
    ).update(status=SubcontractorList.Status.BUILDING, progress=0, primes_done=0, error="")
    snapshot = SubcontractorList.objects.select_related("prime", "association").filter(pk=list_id).first()
    if snapshot is None:
        raise OutreachError(_("There is no subcontractor list %(id)s.") % {"id": list_id})
    if claimed != 1:
        return snapshot
    try:
        _build(snapshot)
    except Exception as error:
        logger.exception("subcontractor list %s failed", list_id)
        SubcontractorListRow.objects.filter(snapshot=snapshot).delete()
        SubcontractorList.objects.filter(pk=list_id).update(
            status=SubcontractorList.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        snapshot.refresh_from_db()
        return snapshot
    snapshot.refresh_from_db()
    if settings.SUBCONTRACTOR_LIST_ANNOUNCE and snapshot.scope == SubcontractorList.Scope.ASSOCIATION:
        subcontractor_list_announce(snapshot=snapshot)
    return snapshot


def _build(snapshot: SubcontractorList) -> None:
    rows = SubcontractorListRow.objects.filter(snapshot=snapshot)
    rows.delete()  # a failed earlier attempt may have left some
    primes = list(list_primes(snapshot))
    SubcontractorList.objects.filter(pk=snapshot.pk).update(primes_total=len(primes))
    size = settings.SUBCONTRACTOR_LIST_PRIMES_PER_BATCH
    for start in range(0, len(primes), size):
        batch = primes[start : start + size]
        graph.insert_reach(
            snapshot_id=snapshot.pk, prime_ids=batch, row_filter=snapshot.row_filter, as_of=snapshot.as_of,
            days=snapshot.days,
        )  # fmt: skip
        done = start + len(batch)
        SubcontractorList.objects.filter(pk=snapshot.pk).update(primes_done=done, progress=80 * done // len(primes))
    contacts = Notice.objects.filter(business=OuterRef("business_id")).exclude(
        status__in=[Notice.Status.QUEUED, Notice.Status.SKIPPED, Notice.Status.CANCELLED]
    )
    latest = contacts.order_by("-created_at", "-pk")
    status = renewal_selectors.with_status(Business.objects.filter(pk=OuterRef("business_id")), today=snapshot.as_of)
    rows.update(
        renewal_status=Subquery(status.values("renewal_status")[:1]),
        last_contact_at=Subquery(latest.values(at=Coalesce("sent_at", "created_at"))[:1]),
        last_contact_channel=Coalesce(Subquery(latest.values("channel")[:1]), Value("")),
        last_contact_status=Coalesce(Subquery(latest.values("status")[:1]), Value("")),
    )
    if snapshot.row_filter == SubcontractorList.Filter.LAPSED:
        rows.exclude(renewal_status=RenewalStatus.LAPSED).delete()
    SubcontractorList.objects.filter(pk=snapshot.pk).update(progress=85)
    snapshot.refresh_from_db()
    xlsx_name, csv_name = listfiles.write(snapshot)
    SubcontractorList.objects.filter(pk=snapshot.pk).update(
        status=SubcontractorList.Status.DONE,
        progress=100,
        row_count=rows.count(),
        xlsx_file=xlsx_name,
        csv_file=csv_name,
        built_at=timezone.now(),
    )


def subcontractor_list_deliver(
    *, snapshot: SubcontractorList, kind: str, user=None, file_format: str = "", recipient: str = ""
) -> ListDelivery:
    """Log a download or e-mail of a snapshot; the first one passes the ladder's list step.

    Queued prime_list notices of every subcontractor on the list are marked sent, with
    the list as their recipient: the pressure went out through their primes.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = ListDelivery.objects.create(
            snapshot=snapshot, kind=kind, user=user, file_format=file_format, recipient=recipient
        )
        first = SubcontractorList.objects.filter(pk=snapshot.pk, delivered_at__isnull=True).update(delivered_at=now)
        if first:
            update_with_history(
                Notice.objects.filter(
                    channel=Channel.PRIME_LIST,
                    status=Notice.Status.QUEUED,
                    business_id__in=SubcontractorListRow.objects.filter(snapshot=snapshot).values("business_id"),
                ),
                operation=f"subcontractor list {snapshot.pk} delivered",
                user=user,
                status=Notice.Status.SENT,
                sent_at=now,
                updated_at=now,
                recipient=str(snapshot)[:300],
            )
    return delivery


def subcontractor_list_announce(*, snapshot: SubcontractorList) -> int:
    """E-mail the association's staff a link to a finished list; returns how many were sent."""
    staff = AssociationStaff.objects.filter(association=snapshot.association_id).exclude(user__email="")
    link = settings.SITE_URL.rstrip("/") + reverse("admin:outreach_subcontractorlist_change", args=[snapshot.pk])
    sent = 0
    for member in staff.select_related("user"):
        message = EmailMessage(
            subject=_("Subcontractor renewal list %(list)s") % {"list": snapshot},
            body=_("A new subcontractor renewal list is ready (as of %(as_of)s, %(rows)s rows):\n%(link)s\n")
            % {"as_of": snapshot.as_of, "rows": snapshot.row_count, "link": link},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.user.email],
        )
        message.send()
        subcontractor_list_deliver(
            snapshot=snapshot, kind=ListDelivery.Kind.EMAIL, user=member.user, recipient=member.user.email
        )
        sent += 1
    return sent


@transaction.atomic
def postcard_batch_start(*, for_date: datetime.date, user=None) -> PostcardBatch:
    """Open a print batch: claim the queued postcards up to a date and leave out the unprintable.

    Notices of businesses that applied or whose term ended are cancelled first, as the
    daily scan does. Left-out notices are listed on the batch and re-routed per the
    active policy (to phone by default). Raises OutreachError when nothing is queued.
    """
    scan.cancel_unneeded(today=for_date)
    batch = PostcardBatch.objects.create(for_date=for_date, created_by=user)
    claimed = postcards.claim(batch)
    if not claimed:
        raise OutreachError(_("No postcards are waiting to be printed up to %(date)s.") % {"date": for_date})
    left_out = dict(postcards.unprintable(batch))
    policy = ReminderPolicy.objects.filter(is_active=True).first()
    notices = list(Notice.objects.select_related("business").filter(pk__in=left_out))
    for notice in notices:
        reroute(notice, policy, unusable=left_out[notice.pk])
        notice.batch, notice.updated_at = None, timezone.now()
    Notice.objects.bulk_update(
        notices, ["channel", "status", "reason", "fallback_reason", "scheduled_for", "batch", "updated_at"]
    )
    history_record_bulk(
        Notice.objects.filter(pk__in=list(left_out)), operation=f"postcard batch {batch.pk}: left out", user=user
    )
    PostcardExclusion.objects.bulk_create(
        PostcardExclusion(batch=batch, notice=notice, reason=left_out[notice.pk]) for notice in notices
    )
    batch.total, batch.excluded = claimed - len(notices), len(notices)
    batch.save(update_fields=["total", "excluded"])
    return batch


def postcard_batch_build(*, batch_id: int) -> PostcardBatch:
    """Write a building batch's PDF and CSVs, with progress; on failure its notices go back to the queue.

    Runs outside a transaction so the desk sees the progress while it builds.
    """
    batch = PostcardBatch.objects.get(pk=batch_id)
    if batch.status != PostcardBatch.Status.BUILDING:
        return batch
    today = timezone.localdate()

    def progress(done: int) -> None:
        PostcardBatch.objects.filter(pk=batch.pk).update(done=done)

    try:
        result = postcards.write_files(batch, today=today, progress=progress)
    except Exception as error:
        with transaction.atomic():
            _release(batch)
            PostcardBatch.objects.filter(pk=batch.pk).update(
                status=PostcardBatch.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
            )
        raise
    batch.pdf.name, batch.csv_cp932.name, batch.csv_utf8.name = result["pdf"], result["csv_cp932"], result["csv_utf8"]
    batch.done = result["written"]
    batch.char_problems = result["problems"]
    batch.status = PostcardBatch.Status.READY
    batch.built_at = timezone.now()
    batch.save(update_fields=["pdf", "csv_cp932", "csv_utf8", "done", "char_problems", "status", "built_at"])
    return batch


def _release(batch: PostcardBatch, user=None) -> int:
    return update_with_history(
        batch.notices.filter(status=Notice.Status.PRINTING),
        operation=f"postcard batch {batch.pk} released",
        user=user,
        status=Notice.Status.QUEUED,
        batch=None,
        updated_at=timezone.now(),
    )


@transaction.atomic
def postcard_batch_mark_posted(*, batch: PostcardBatch, posted_on: datetime.date, user=None) -> int:
    """The batch went into the post: its notices are sent on the posting date. Returns how many."""
    moved = PostcardBatch.objects.filter(pk=batch.pk, status=PostcardBatch.Status.READY).update(
        status=PostcardBatch.Status.POSTED, posted_on=posted_on, posted_by=user
    )
    if moved != 1:
        raise OutreachError(_("Only a batch that is ready to print can be marked posted."))
    posted_at = timezone.make_aware(datetime.datetime.combine(posted_on, datetime.time(12)))
    return update_with_history(
        batch.notices.filter(status=Notice.Status.PRINTING),
        operation=f"postcard batch {batch.pk} posted",
        user=user,
        status=Notice.Status.SENT,
        sent_at=posted_at,
        updated_at=timezone.now(),
    )


@transaction.atomic
def postcard_batch_cancel(*, batch: PostcardBatch, user=None) -> int:
    """Call off a batch before posting: its notices return to the queue for the next one."""
    moved = PostcardBatch.objects.filter(pk=batch.pk, status=PostcardBatch.Status.READY).update(
        status=PostcardBatch.Status.CANCELLED, cancelled_at=timezone.now(), cancelled_by=user
    )
    if moved != 1:
        raise OutreachError(_("Only a batch that is ready to print and not yet posted can be cancelled."))
    return _release(batch, user=user)


@transaction.atomic
def returned_mail_record(*, business_ids: list[int], returned_on: datetime.date, user=None) -> int:
    """Record postcards returned undeliverable (宛所不明) and flag the businesses' addresses.

    Each record points at the business's latest posted postcard, when there is one. With
    the flag set, the daily scan and the next print batch fall back per the policy.
    """
    ids = list(dict.fromkeys(business_ids))
    latest = {}
    posted = Notice.objects.filter(business_id__in=ids, channel=Channel.POSTCARD, status=Notice.Status.SENT)
    for notice_id, business_id, batch_id in posted.order_by("business_id", "sent_at", "pk").values_list(
        "pk", "business_id", "batch_id"
    ):
        latest[business_id] = (notice_id, batch_id)
    ReturnedMail.objects.bulk_create(
        ReturnedMail(
            business_id=business_id,
            returned_on=returned_on,
            notice_id=latest.get(business_id, (None, None))[0],
            batch_id=latest.get(business_id, (None, None))[1],
            recorded_by=user,
        )
        for business_id in ids
    )
    update_with_history(
        Business.objects.filter(pk__in=ids, address_undeliverable_since__isnull=True),
        operation="returned mail",
        user=user,
        address_undeliverable_since=returned_on,
        updated_at=timezone.now(),
    )
    return len(ids)
