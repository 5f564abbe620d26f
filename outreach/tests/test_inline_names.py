"""The business page's inline rows are titled with names and dates a clerk reads, not internal keys."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ccus import roles
from outreach.models import Channel, Notice, NoticeTemplate, ReturnedMail
from outreach.tests.factories import business_expiring
from registrations.tests.factories import AssociationFactory, MembershipFactory, staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


def _notice(business, channel, due_on):
    template = NoticeTemplate.objects.order_by("pk").first()
    return Notice.objects.create(
        business=business, template=template, channel=channel, status="sent", due_on=due_on, scheduled_for=due_on
    )


def test_inline_rows_read_as_names_and_dates(client):
    client.force_login(staff_user(roles.DESK))
    with time_machine.travel(NOW, tick=False):
        business = business_expiring(D(2027, 1, 31), name="株式会社髙橋建設")
        _notice(business, Channel.PRIME_LIST, D(2026, 11, 28))
        ReturnedMail.objects.create(business=business, returned_on=D(2026, 11, 20))
        MembershipFactory(business=business, association=AssociationFactory(name="東京建設業協会"))
        renewal_services.renewal_record_application(business=business, received_on=D(2026, 11, 27), channel="desk")
        url = reverse("admin:registrations_business_change", args=[business.pk])
        page = client.get(url).content.decode()
        titles = [
            " ".join(re.sub(r"<[^>]+>", " ", title).split())
            for title in re.findall(r'<td class="original">\s*<p>(.*?)</p>', page, re.S)
        ]
        assert "株式会社髙橋建設：元請への更新状況リスト（2026-11-28）" in titles
        assert "株式会社髙橋建設：2026-11-20 返送" in titles
        assert "株式会社髙橋建設（東京建設業協会 会員）" in titles
        assert "株式会社髙橋建設：2026-11-27 申請" in titles
        assert not any(str(business.pk) in title.split() or business.ccus_id in title for title in titles), titles

        for day in range(5):  # more rows cost no more queries: the inlines read the business with their rows
            _notice(business, Channel.EMAIL, D(2026, 11, day + 1))
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for day in range(10):
            _notice(business, Channel.POSTCARD, D(2026, 10, day + 1))
        with CaptureQueriesContext(connection) as many:
            client.get(url)
        assert len(many) == len(few)
