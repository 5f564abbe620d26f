"""Can this channel reach this business? The scan, the sender and the postcard batch give the same answer.

Every case comes from the one table (outreach.routing.UNREACHABLE): each rule broken on
its own, and every rule of a channel broken at once (the table's first reason wins).
The scan decides in SQL, the sender in Python, the batch over the rows it reads; the
three must name the same reason.
"""

import datetime

import pytest
import time_machine

from outreach import routing, scan, sending
from outreach.models import Channel, Notice
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = D(2026, 12, 1)
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning
EXPIRES = D(2027, 1, 31)


def _cases():
    for channel, rules in routing.UNREACHABLE.items():
        for rule in rules:
            yield pytest.param(channel, (rule,), rule.reason, id=f"{channel}-{rule.field}")
        if len(rules) > 1:
            yield pytest.param(channel, rules, rules[0].reason, id=f"{channel}-all")


CASES = list(_cases())
POSTCARD_CASES = [case for case in CASES if case.values[0] == Channel.POSTCARD]


def test_every_channel_but_the_prime_list_has_rules_and_every_reason_is_a_notice_reason():
    assert {channel for channel, rules in routing.UNREACHABLE.items() if rules} == {"email", "postcard", "phone"}
    for rules in routing.UNREACHABLE.values():
        for rule in rules:
            assert rule.reason in Notice.Reason.values and rule.when in (routing.BLANK, routing.SET)


def _break(business: Business, rules) -> None:
    """Make the business fail the rules (a direct UPDATE, as an import or a returned postcard leaves it)."""
    values = {rule.field: "" if rule.when == routing.BLANK else D(2026, 5, 1) for rule in rules}
    Business.objects.filter(pk=business.pk).update(**values)


def _email_then(channel: str) -> None:
    """The active policy: one e-mail step, falling back to `channel` and then to nothing."""
    policy = policy_with_steps(("email", 90, 0))
    policy.email_fallback = "skip" if channel == Channel.EMAIL else channel
    policy.postcard_fallback = policy.phone_fallback = "skip"
    policy.save()


def _unreachable(channel: str, rules) -> list:
    """The rules to break: the case's, and the e-mail channel's own when the case is about a fallback."""
    return list(rules) if channel == Channel.EMAIL else [routing.UNREACHABLE[Channel.EMAIL][0], *rules]


@pytest.mark.parametrize(("channel", "rules", "reason"), CASES)
def test_the_scan_names_the_tables_reason(channel, rules, reason):
    _email_then(channel)
    business = business_expiring(EXPIRES)
    _break(business, _unreachable(channel, rules))
    scan.run_scan(today=TODAY)
    notice = Notice.objects.get(business=business)
    assert (notice.channel, notice.status, notice.reason) == (channel, "skipped", reason)


@pytest.mark.parametrize(("channel", "rules", "reason"), CASES)
def test_the_sender_names_the_tables_reason(channel, rules, reason):
    _email_then(channel)
    business = business_expiring(EXPIRES)
    scan.run_scan(today=TODAY)  # reachable today: an e-mail is queued
    _break(business, _unreachable(channel, rules))  # by the time the worker takes it, it is not
    with time_machine.travel(IN_HOURS, tick=False):
        assert sending.email_send(notice_id=Notice.objects.get(business=business).pk) == "rerouted"
    notice = Notice.objects.get(business=business)
    assert (notice.channel, notice.status, notice.reason) == (channel, "skipped", reason)


@pytest.mark.parametrize(("channel", "rules", "reason"), POSTCARD_CASES)
def test_the_postcard_batch_names_the_tables_reason(channel, rules, reason, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    policy = policy_with_steps(("postcard", 90, 0))
    policy.postcard_fallback = "skip"
    policy.save()
    business = business_expiring(EXPIRES)
    scan.run_scan(today=TODAY)  # reachable today: a postcard is queued
    _break(business, rules)  # returned mail, or an import, before the batch is printed
    batch = postcard_services.postcard_batch_start(for_date=TODAY)
    assert list(batch.exclusions.values_list("reason", flat=True)) == [reason]
    notice = Notice.objects.get(business=business)
    assert (notice.status, notice.reason) == ("skipped", reason)
