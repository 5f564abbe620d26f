"""A year of the seeded ladder in time travel: every business gets each contact once."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date


def run_every_day(first: datetime.date, last: datetime.date, *, before_each=None):
    day = first
    while day <= last:
        if before_each:
            before_each(day)
        scan.run_scan(today=day)
        day += datetime.timedelta(days=1)


def ladder(business):
    return sorted(
        (n.step.days_before, n.step.channel, n.channel, n.status, n.fallback_reason, n.due_on)
        for n in Notice.objects.filter(business=business).select_related("step")
    )


@override_settings(OUTREACH_SENDING_HOURS=(0, 0))  # keep e-mail queued: this test is about the scan
def test_a_year_of_the_ladder():
    expiry = D(2027, 3, 31)
    with_email = business_expiring(expiry)
    without_email = business_expiring(expiry, email="")
    early = business_expiring(expiry)
    late = business_expiring(expiry)
    lapsing = business_expiring(expiry)

    def desk_work(day):
        with time_machine.travel(day):  # the desk records an application on the day it comes
            if day == D(2026, 11, 1):
                renewal_services.renewal_record_application(business=early, received_on=day, channel="online")
            if day == D(2027, 3, 25):
                renewal_services.renewal_record_application(business=late, received_on=day, channel="post")

    run_every_day(D(2026, 9, 1), D(2027, 6, 30), before_each=desk_work)

    full = [
        (-7, "email", "email", "queued", "", D(2027, 4, 7)),
        (-7, "postcard", "postcard", "queued", "", D(2027, 4, 7)),
        (14, "phone", "phone", "queued", "", D(2027, 3, 17)),
        (30, "email", "email", "queued", "", D(2027, 3, 1)),
        (45, "phone", "phone", "queued", "", D(2027, 2, 14)),
        (60, "email", "email", "queued", "", D(2027, 1, 30)),
        (90, "postcard", "postcard", "queued", "", D(2026, 12, 31)),
        (90, "prime_list", "prime_list", "queued", "", D(2026, 12, 31)),
        (180, "email", "email", "queued", "", D(2026, 10, 2)),
    ]
    assert ladder(lapsing) == full
    assert [row for row in ladder(with_email) if row[0] >= 0] == [row for row in full if row[0] >= 0]
    # Without an address every e-mail step becomes a postcard, and says why.
    assert [(r[0], r[2], r[4]) for r in ladder(without_email) if r[1] == "email"] == [
        (-7, "postcard", "no_email"),
        (30, "postcard", "no_email"),
        (60, "postcard", "no_email"),
        (180, "postcard", "no_email"),
    ]
    # Applied on 2026-11-01: only the 180-day e-mail was due, and as it was still
    # waiting for sending hours it is cancelled; nothing comes after it.
    assert ladder(early) == [(180, "email", "email", "cancelled", "", D(2026, 10, 2))]
    assert Notice.objects.get(business=early).reason == "applied"
    # Applied 2027-03-25, before expiry: the whole pre-expiry ladder, then no lapse notices.
    assert [r[0] for r in ladder(late)] == [14, 30, 45, 60, 90, 90, 180]
    assert not mail.outbox


def test_running_the_scan_twice_creates_nothing_new():
    business_expiring(D(2027, 1, 31))
    first = scan.run_scan(today=D(2026, 12, 1))
    second = scan.run_scan(today=D(2026, 12, 1))
    assert first.counts["email"]["created"] == 1
    assert "email" not in second.counts
    assert Notice.objects.count() == 3  # e-mail 60, postcard 90, prime list 90
