"""The desk's actions on notices: a reminder sent now, a verdict on failed or uncertain ones.

Both go through the outbox: the notice is a row first, its send is enqueued on commit.
And the cancellation of a business's notices the moment the desk records its renewal.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach import needed
from outreach.models import Channel, Notice, NoticeTemplate, ReminderPolicy
from outreach.outbox import send_email_task
from outreach.routing import reroute
from registrations.models import Business
from renewals.models import Term


class OutreachError(Exception):
    """A step the rules do not allow; the message is for the desk."""


def notices_cancel_unneeded(*, business_ids: list[int], user=None) -> int:
    """Cancel at once the queued notices of these businesses that are no longer needed
    (outreach.needed): the admin calls it after a renewal step (application, approval,
    registration again, corrected dates), so the business leaves the call queue and its
    postcards and e-mails are not sent, without waiting for the next scan. Returns how many."""
    operation = reason(gettext_noop("cancelled when the desk recorded the renewal"))
    return needed.cancel(Notice.objects.filter(business_id__in=business_ids), operation=operation, user=user)


def notice_send_now_plan(*, business: Business, template: NoticeTemplate | None = None) -> Notice:
    """The ad-hoc reminder `notice_send_now` would queue, unsaved: its channel after the policy's
    fallbacks, for the desk to confirm. Raises OutreachError when nothing can reach the business."""
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
    return notice


@transaction.atomic
def notice_send_now(*, business: Business, template: NoticeTemplate | None = None) -> Notice:
    """An ad-hoc reminder through the same outbox, with the policy's fallbacks."""
    notice = notice_send_now_plan(business=business, template=template)
    notice.save()
    if notice.channel == Channel.EMAIL:
        transaction.on_commit(lambda: send_email_task.delay(notice.pk))
    return notice


def notices_resolve_uncertain(*, notices, went_out: bool) -> int:
    """The desk's verdict on failed or uncertain notices: it went out, or send it again."""
    unresolved = notices.filter(status__in=[Notice.Status.UNCERTAIN, Notice.Status.FAILED])
    if went_out:
        return update_with_history(
            unresolved.filter(status=Notice.Status.UNCERTAIN),
            operation=reason(gettext_noop("desk: it went out")),
            status=Notice.Status.SENT,
            sent_at=timezone.now(),
            updated_at=timezone.now(),
        )
    ids = list(unresolved.values_list("pk", flat=True))
    update_with_history(
        Notice.objects.filter(pk__in=ids),
        operation=reason(gettext_noop("desk: send again")),
        status=Notice.Status.QUEUED,
        attempts=0,
        updated_at=timezone.now(),
    )
    for notice_id in Notice.objects.filter(pk__in=ids, channel=Channel.EMAIL).values_list("pk", flat=True):
        transaction.on_commit(lambda notice_id=notice_id: send_email_task.delay(notice_id))
    return len(ids)
