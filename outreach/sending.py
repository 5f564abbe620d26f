"""Sending notices: claim, re-check, render, send, record. Never twice.

A notice is claimed with a conditional UPDATE (queued → sending) and only the claimer
sends it. A failure before the SMTP server (or the provider's API) accepted the message
puts it back in the queue for a retry; a worker that dies after acceptance leaves it in
`sending`, which the sweeper turns into `uncertain` for the desk: never resent, never
dropped.
"""

import datetime
import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from anymail.message import AnymailMessage
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach import business_days, needed, rendering
from outreach.models import Channel, Notice, ReminderPolicy
from outreach.routing import reroute, unusable_reason


class TemporaryFailure(Exception):
    """Sending failed before the server accepted the message; safe to try again."""


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
        operation=reason(gettext_noop("sender: the wording could not be filled")),
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
    if cancel_reason := needed.cancel_reason(notice.pk):
        update_with_history(
            Notice.objects.filter(pk=notice.pk),
            operation=reason(gettext_noop("sender: no longer needed")),
            status=Notice.Status.CANCELLED,
            reason=cancel_reason,
        )
        return "cancelled"
    if unusable_reason(notice.business, Channel.EMAIL):
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
    # Any backend sends it; a provider's (anymail) also carries the notice id as metadata, which
    # its tracking webhook reports back (outreach.delivery), and answers with its message id.
    message = AnymailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.recipient],
        reply_to=settings.EMAIL_REPLY_TO or None,
        headers={"X-CCUS-Notice": str(notice.pk)},
        metadata={"notice": str(notice.pk)},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError, AnymailAPIError, AnymailRecipientsRefused) as error:
        # Refused or unreachable: the server did not take the message, so it may go again.
        final = notice.attempts >= settings.OUTREACH_EMAIL_MAX_ATTEMPTS
        update_with_history(
            Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING),
            operation=reason(gettext_noop("sender: refused")),
            status=Notice.Status.FAILED if final else Notice.Status.QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(),
        )
        if final:
            return "failed"
        raise TemporaryFailure(str(error)) from error
    update_with_history(
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING),
        operation=reason(gettext_noop("sender: sent")),
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=str(message.anymail_status.message_id or ""),
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
        operation=reason(gettext_noop("sweeper: no confirmation")),
        status=Notice.Status.UNCERTAIN,
        last_error=_("No confirmation after the sending timeout: check whether the message went out."),
        updated_at=now,
    )
    requeue = []
    if business_days.in_sending_hours(now):
        stale_queued = now - datetime.timedelta(minutes=settings.OUTREACH_REQUEUE_AFTER_MINUTES)
        requeue = list(
            Notice.objects.filter(
                status=Notice.Status.QUEUED, channel=Channel.EMAIL, updated_at__lt=stale_queued
            ).values_list("pk", flat=True)[:5_000]
        )
    return {"uncertain": uncertain, "requeue": requeue}
