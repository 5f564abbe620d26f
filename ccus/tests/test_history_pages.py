"""A record's history page says, in Japanese, who changed what, why, and from which value to which."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from ccus import roles
from ccus.tests.test_japanese_screens import english_words
from registrations.tests.factories import BusinessFactory, staff_user
from renewals import services
from renewals.models import RenewalCase

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_approval_shows_who_why_and_the_expiry_it_moved(client):
    desk = staff_user(roles.DESK, "madoguchi-1")
    client.force_login(desk)
    business = BusinessFactory(expires_on=datetime.date(2026, 12, 31))
    services.terms_sync()
    case = services.renewal_record_application(
        business=business, received_on=datetime.date(2026, 11, 20), channel="online"
    )
    approve = reverse("admin:registrations_business_approve_application", args=[business.pk])
    # A browser asking for English still writes the reason in the project's language.
    response = client.post(approve, {"approved_on": "2026-11-27"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain[0][1] == 302

    page = client.get(reverse("admin:registrations_business_history", args=[business.pk])).content.decode()

    row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if "madoguchi-1" in row)
    assert f"更新承認（申請 {case.pk}）" in row
    assert re.search(r"<strong>有効期限:</strong>\s*2026-12-31\s*&nbsp;&rarr;&nbsp;&nbsp;2031-12-31", row)
    for header in ("対象", "日時", "操作", "変更者", "変更理由", "変更内容"):
        assert f'<th scope="col">{header}</th>' in page
    assert english_words(page) == set()


def test_a_change_by_a_scheduled_job_names_no_user_and_shows_labels(client):
    client.force_login(staff_user(roles.DESK))
    business = BusinessFactory(expires_on=datetime.date(2026, 12, 31))
    services.terms_sync()
    case = services.renewal_record_application(
        business=business, received_on=datetime.date(2026, 11, 20), channel="online"
    )
    services.renewal_withdraw(case=case)  # no user: as a job would

    page = client.get(reverse("admin:renewals_renewalcase_history", args=[case.pk])).content.decode()

    row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if "申請取下げ" in row)
    assert "（自動処理）" in row
    status = dict(RenewalCase.Status.choices)
    assert re.search(
        rf"{status[RenewalCase.Status.PENDING]}\s*&nbsp;&rarr;&nbsp;&nbsp;{status[RenewalCase.Status.WITHDRAWN]}", row
    )
    assert english_words(page) == set()
