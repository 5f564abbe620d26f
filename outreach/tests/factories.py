import datetime

from outreach.models import NoticeTemplate, ReminderPolicy, ReminderStep
from registrations.tests.factories import BusinessFactory
from renewals import services as renewal_services


def active_policy() -> ReminderPolicy:
    return ReminderPolicy.objects.get(is_active=True)


def business_expiring(expires_on: datetime.date, **fields):
    """A business with its current term synced, expiring on a date."""
    business = BusinessFactory(expires_on=expires_on, **fields)
    renewal_services.terms_sync(business_ids=[business.pk])
    return business


def policy_with_steps(*steps: tuple[str, int, int], name: str = "test policy") -> ReminderPolicy:
    """An active policy replacing the seeded one; steps are (channel, days_before, last_days_before)."""
    ReminderPolicy.objects.update(is_active=False)
    policy = ReminderPolicy.objects.create(name=name, is_active=True)
    for channel, days_before, last_days_before in steps:
        template, _ = NoticeTemplate.objects.get_or_create(
            name=f"test {channel}", defaults={"channel": channel, "subject": "件名", "body": "{{ business_name }}"}
        )
        ReminderStep.objects.create(
            policy=policy,
            name=f"{channel} {days_before}",
            channel=channel,
            days_before=days_before,
            last_days_before=last_days_before,
            template=template,
        )
    return policy


def phone_notice(expires_on: datetime.date, *, today: datetime.date, **fields):
    """A queued phone notice with its first call task, from the daily scan (an active phone step is needed)."""
    from outreach import scan
    from outreach.models import Notice

    business = business_expiring(expires_on, **fields)
    scan.run_scan(today=today)
    return Notice.objects.get(business=business, channel="phone")
