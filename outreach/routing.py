"""Which channel reaches a business: why a channel cannot, and the policy's fallbacks."""

from django.utils import timezone

from outreach import business_days
from outreach.models import Channel, Notice, ReminderPolicy
from registrations.models import Business


def unusable_reason(business: Business, channel: str) -> str:
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


def reroute(notice: Notice, policy: ReminderPolicy | None, *, unusable: str = "") -> None:
    """Move a notice down the policy's fallbacks until a channel can reach the business.

    `unusable` is a reason, found by the caller, why the notice's own channel cannot be used.
    """
    policy = policy or ReminderPolicy(name="")
    chain = policy.fallback_chain(notice.channel)
    reasons = []
    for channel in chain:
        reason = (unusable if channel == chain[0] else "") or unusable_reason(notice.business, channel)
        if not reason:
            notice.channel = channel
            notice.status = Notice.Status.QUEUED
            notice.fallback_reason = ">".join(filter(None, [notice.fallback_reason, *reasons]))
            if channel == Channel.PHONE:
                notice.scheduled_for = business_days.next_business_day(timezone.localdate())
            return
        reasons.append(reason)
    notice.channel = chain[-1]
    notice.status = Notice.Status.SKIPPED
    notice.reason = reasons[-1]
