"""E-mail bounces from an uploaded list, the fall back to postcard, opt-out and the sender's headers."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ccus import roles
from outreach import scan, sending, services
from outreach.models import Bounce, Notice
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/admin/outreach/bounce/upload/"


@pytest.fixture
def desk(client):
    staff_user(roles.DESK, "desk1")
    client.login(username="desk1", password="pass-Word-1234")
    return client


def upload(client, text: str, encoding: str = "utf-8", bounced_on: str = "2027-01-05"):
    file = SimpleUploadedFile("bounces.csv", text.encode(encoding), content_type="text/csv")
    return client.post(URL, {"file": file, "bounced_on": bounced_on}, follow=True)


def test_a_bounce_list_flags_businesses_by_address_or_id(desk):
    by_address = BusinessFactory(email="Sato@Example.jp")
    by_id = BusinessFactory(email="kato@example.jp")
    untouched = BusinessFactory()
    response = upload(desk, f"メールアドレス\nsato@example.jp\n{by_id.ccus_id}\n", encoding="cp932")
    assert "2件" in response.content.decode()
    flagged = dict(Business.objects.values_list("pk", "email_bounced_since"))
    assert flagged == {by_address.pk: D(2027, 1, 5), by_id.pk: D(2027, 1, 5), untouched.pk: None}
    assert sorted(Bounce.objects.values_list("email", "file_name")) == [
        ("Sato@Example.jp", "bounces.csv"),
        ("kato@example.jp", "bounces.csv"),
    ]


def test_a_list_with_a_bad_row_records_nothing_and_names_each_row(desk):
    good = BusinessFactory(email="good@example.jp")
    response = upload(desk, f"{good.email}\nnobody@example.jp\n5.1E+13\nabc\n99999999999999\n")
    page = response.content.decode()
    assert "何も登録していません" in page
    for row in ("2行目", "3行目", "4行目", "5行目"):
        assert row in page
    assert "指数" in page
    assert not Bounce.objects.exists()
    assert Business.objects.get(pk=good.pk).email_bounced_since is None


def test_the_upload_needs_the_desks_permission(client):
    staff_user(roles.OPERATOR, "op1")
    client.login(username="op1", password="pass-Word-1234")
    assert client.get(URL).status_code == 403


def test_a_bounced_address_gets_a_postcard_from_the_next_scan(desk):
    policy_with_steps(("email", 60, 31))
    business = business_expiring(D(2027, 3, 31), email="bounce@example.jp")
    upload(desk, "bounce@example.jp\n")
    scan.run_scan(today=D(2027, 1, 30))
    notice = Notice.objects.get(business=business)
    assert (notice.channel, notice.status, notice.fallback_reason) == ("postcard", "queued", "email_bounced")


def test_a_business_that_opted_out_of_email_gets_a_postcard_instead():
    policy_with_steps(("email", 60, 31))
    business = business_expiring(D(2027, 3, 31), do_not_email_since=D(2026, 6, 1))
    scan.run_scan(today=D(2027, 1, 30))
    notice = Notice.objects.get(business=business)
    assert (notice.channel, notice.fallback_reason) == ("postcard", "do_not_email")
    assert not mail.outbox


@override_settings(DEFAULT_FROM_EMAIL="窓口 <desk@ccus.example>", EMAIL_REPLY_TO=["reply@ccus.example"])
def test_notices_go_out_from_and_reply_to_the_configured_addresses():
    business = BusinessFactory(email="office@example.jp")
    notice = services.notice_send_now(business=business)
    assert sending.email_send(notice_id=notice.pk) == "sent"
    notice.refresh_from_db()
    assert notice.status == "sent"
    message = mail.outbox[0]
    assert (message.from_email, message.reply_to, message.to) == (
        "窓口 <desk@ccus.example>",
        ["reply@ccus.example"],
        ["office@example.jp"],
    )
