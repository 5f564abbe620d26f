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
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import calendar, postcards, rendering, scan
from outreach.models import (
    Channel,
    Notice,
    NoticeTemplate,
    PostcardBatch,
    PostcardExclusion,
    ReminderPolicy,
    ReturnedMail,
)
from registrations.models import Business
from renewals.models import RenewalCase, Term

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


def email_send(*, notice_id: int) -> str:
    """Send one e-mail notice if it is still queued; returns what happened."""
    claimed = Notice.objects.filter(pk=notice_id, status=Notice.Status.QUEUED, channel=Channel.EMAIL).update(
        status=Notice.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if claimed != 1:
        return "not claimed"
    notice = Notice.objects.select_related("business", "term", "step", "template").get(pk=notice_id)
    if cancel_reason := _still_needed(notice):
        Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.CANCELLED, reason=cancel_reason)
        return "cancelled"
    if _unusable_reason(notice.business, Channel.EMAIL):
        reroute(notice, ReminderPolicy.objects.filter(is_active=True).first())
        notice.save(update_fields=["channel", "status", "reason", "fallback_reason", "scheduled_for", "updated_at"])
        return "rerouted"
    today = timezone.localdate()
    notice.subject, notice.body = rendering.render_notice(notice, today=today)
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
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
            status=Notice.Status.FAILED if final else Notice.Status.QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(),
        )
        if final:
            return "failed"
        raise TemporaryFailure(str(error)) from error
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
        status=Notice.Status.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
    return "sent"


def sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Find e-mail notices left queued and notices stuck in sending.

    Returns the ids to re-enqueue (only in sending hours) and how many became uncertain.
    """
    now = now or timezone.now()
    stale_sending = now - datetime.timedelta(minutes=settings.OUTREACH_SENDING_TIMEOUT_MINUTES)
    uncertain = Notice.objects.filter(status=Notice.Status.SENDING, updated_at__lt=stale_sending).update(
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
        return unresolved.filter(status=Notice.Status.UNCERTAIN).update(
            status=Notice.Status.SENT, sent_at=timezone.now(), updated_at=timezone.now()
        )
    ids = list(unresolved.values_list("pk", flat=True))
    Notice.objects.filter(pk__in=ids).update(status=Notice.Status.QUEUED, attempts=0, updated_at=timezone.now())
    from outreach.tasks import send_email_task

    for notice_id in Notice.objects.filter(pk__in=ids, channel=Channel.EMAIL).values_list("pk", flat=True):
        transaction.on_commit(lambda notice_id=notice_id: send_email_task.delay(notice_id))
    return len(ids)


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


def _release(batch: PostcardBatch) -> int:
    return batch.notices.filter(status=Notice.Status.PRINTING).update(
        status=Notice.Status.QUEUED, batch=None, updated_at=timezone.now()
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
    return batch.notices.filter(status=Notice.Status.PRINTING).update(
        status=Notice.Status.SENT, sent_at=posted_at, updated_at=timezone.now()
    )


@transaction.atomic
def postcard_batch_cancel(*, batch: PostcardBatch, user=None) -> int:
    """Call off a batch before posting: its notices return to the queue for the next one."""
    moved = PostcardBatch.objects.filter(pk=batch.pk, status=PostcardBatch.Status.READY).update(
        status=PostcardBatch.Status.CANCELLED, cancelled_at=timezone.now(), cancelled_by=user
    )
    if moved != 1:
        raise OutreachError(_("Only a batch that is ready to print and not yet posted can be cancelled."))
    return _release(batch)


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
    Business.objects.filter(pk__in=ids, address_undeliverable_since__isnull=True).update(
        address_undeliverable_since=returned_on, updated_at=timezone.now()
    )
    return len(ids)
