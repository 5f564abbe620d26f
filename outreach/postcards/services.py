"""Postcards: open a print batch, write its files, mark it posted or call it off; returned mail."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import history_record_bulk, reason, update_with_history
from outreach import scan
from outreach.models import Channel, Notice, PostcardBatch, PostcardExclusion, ReminderPolicy, ReturnedMail
from outreach.postcards import printing, sender
from outreach.routing import reroute
from outreach.services import OutreachError
from registrations.models import Business


def postcard_batch_start(*, for_date: datetime.date, user=None) -> PostcardBatch:
    """Open a print batch: claim the queued postcards up to a date and leave out the unprintable.

    Notices no longer needed (outreach.needed) are cancelled first, as the daily scan
    does, and stay cancelled even when nothing is left to print. Left-out notices are
    listed on the batch and re-routed per the active policy (to phone by default).
    Raises OutreachError, claiming nothing, when the sender or the postage is not
    configured (outreach/postcards/sender.py) or when nothing is queued.
    """
    sender_check()
    with transaction.atomic():
        scan.cancel_unneeded(today=for_date)
    return _batch_open(for_date=for_date, user=user)


@transaction.atomic
def _batch_open(*, for_date: datetime.date, user=None) -> PostcardBatch:
    batch = PostcardBatch.objects.create(for_date=for_date, created_by=user)
    claimed = printing.claim(batch)
    if not claimed:
        raise OutreachError(_("No postcards are waiting to be printed up to %(date)s.") % {"date": for_date})
    left_out = dict(printing.unprintable(batch))
    policy = ReminderPolicy.objects.filter(is_active=True).first()
    notices = list(Notice.objects.select_related("business").filter(pk__in=left_out))
    for notice in notices:
        reroute(notice, policy, unusable=left_out[notice.pk])
        notice.batch, notice.updated_at = None, timezone.now()
    Notice.objects.bulk_update(
        notices, ["channel", "status", "reason", "fallback_reason", "scheduled_for", "batch", "updated_at"]
    )
    history_record_bulk(
        Notice.objects.filter(pk__in=list(left_out)),
        operation=reason(gettext_noop("postcard batch %(batch)s: left out"), batch=batch.pk),
        user=user,
    )
    PostcardExclusion.objects.bulk_create(
        PostcardExclusion(batch=batch, notice=notice, reason=left_out[notice.pk]) for notice in notices
    )
    batch.total, batch.excluded = claimed - len(notices), len(notices)
    batch.save(update_fields=["total", "excluded"])
    return batch


def sender_check() -> None:
    """Raise OutreachError naming every missing setting when cards cannot be printed yet."""
    if found := sender.problems():
        raise OutreachError(
            _("Postcards cannot be printed until the sender and the postage are configured: %(problems)s")
            % {"problems": " ".join(found)}
        )


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
        sender_check()  # the settings may have changed since the batch was started
        result = printing.write_files(batch, today=today, progress=progress)
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
        operation=reason(gettext_noop("postcard batch %(batch)s released"), batch=batch.pk),
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
        operation=reason(gettext_noop("postcard batch %(batch)s posted"), batch=batch.pk),
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
        operation=reason(gettext_noop("returned mail")),
        user=user,
        address_undeliverable_since=returned_on,
        updated_at=timezone.now(),
    )
    return len(ids)
