"""The mail provider's reports: Mailgun's and Postmark's real sample payloads posted to the webhook.

Each is posted signed as the provider signs it (basic auth from the webhook URL, and
Mailgun's HMAC signature) and with a wrong signature, which records nothing.
"""

import datetime
import http.server
import json
import logging
import threading
import urllib.parse

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from ccus import roles
from outreach import scan, sending, services
from outreach.models import Bounce, DeliveryEvent, Notice, NoticeTemplate
from outreach.tests.factories import business_expiring, policy_with_steps
from outreach.tests.provider_posts import (
    ANYMAIL_SETTINGS,
    authorization,
    mailgun_signed,
    sample,
    url,
)
from outreach.tests.test_sending import closed_port
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailWarning")]
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture(autouse=True)
def provider_secrets():
    with override_settings(ANYMAIL=ANYMAIL_SETTINGS):
        yield


def post(client, provider: str, payload: dict, *, auth: str | None = None):
    body = json.dumps(mailgun_signed(payload) if provider == "mailgun" else payload)
    return client.post(url(provider), body, content_type="application/json", HTTP_AUTHORIZATION=auth or authorization())


def sent_email(business: Business, message_id: str = "") -> Notice:
    """An e-mail notice the provider accepted, as the sender leaves it."""
    notice = Notice.objects.create(
        business=business,
        template=NoticeTemplate.objects.filter(channel="email").first(),
        channel="email",
        status="sent",
        due_on=D(2026, 12, 1),
        scheduled_for=D(2026, 12, 1),
        recipient=business.email,
        provider_message_id=message_id,
    )
    return notice


def test_a_mailgun_hard_bounce_flags_the_address_and_the_next_rung_goes_by_postcard(client):
    policy_with_steps(("email", 90, 61), ("email", 60, 31))
    business = business_expiring(D(2027, 3, 31), email="Invalid@Example.com")
    with time_machine.travel(datetime.datetime(2026, 12, 31, 10, 0, tzinfo=JST), tick=False):
        scan.run_scan(today=D(2026, 12, 31))
        first = Notice.objects.get(business=business)
        with override_settings(EMAIL_BACKEND="anymail.backends.test.EmailBackend"):
            assert sending.email_send(notice_id=first.pk) == "sent"
    assert mail.outbox[0].anymail_test_params["metadata"] == {"notice": str(first.pk)}
    payload = sample("mailgun_failed_permanent")
    payload["event-data"]["user-variables"] = {"notice": str(first.pk)}  # what our sender gave Mailgun

    assert post(client, "mailgun", payload).status_code == 200

    business.refresh_from_db()
    first.refresh_from_db()
    assert business.email_bounced_since == D(2018, 8, 13)  # the event's day in Japan
    assert (first.delivery, first.delivery_at.year) == ("hard_bounce", 2018)
    bounce = Bounce.objects.get()
    assert (bounce.business, bounce.source, bounce.email) == (business, "provider", "Invalid@Example.com")
    assert business.history.first().history_change_reason.startswith("メール配信事業者 Mailgun")
    scan.run_scan(today=D(2027, 1, 30))  # the second rung
    second = Notice.objects.exclude(pk=first.pk).get(business=business)
    assert (second.channel, second.status, second.fallback_reason) == ("postcard", "queued", "email_bounced")


def test_a_postmark_hard_bounce_does_exactly_what_a_bounce_list_does(client):
    business = BusinessFactory(email="bounce@example.com")
    notice = sent_email(business, message_id="2706ee8a-737c-4285-b032-ccd317af53ed")
    assert post(client, "postmark", sample("postmark_bounce")).status_code == 200
    business.refresh_from_db()
    notice.refresh_from_db()
    assert business.email_bounced_since == D(2016, 4, 28)
    assert notice.delivery == "hard_bounce"
    assert list(Bounce.objects.values_list("business", "source", "file_name")) == [
        (business.pk, "provider", "Postmark")
    ]


def recorded(notice: Notice) -> tuple:
    """Everything an event may write: events, bounces, business history, the notice's delivery."""
    return (
        list(DeliveryEvent.objects.values_list("pk", "kind")),
        list(Bounce.objects.values_list("pk", flat=True)),
        list(Business.history.values_list("pk", flat=True)),
        Notice.objects.values_list("delivery", "delivery_at").get(pk=notice.pk),
    )


@pytest.mark.parametrize(
    ("provider", "name"),
    [("mailgun", "mailgun_failed_permanent"), ("postmark", "postmark_bounce"), ("postmark", "postmark_delivery")],
)
def test_the_same_event_twice_changes_nothing(client, provider, name):
    BusinessFactory(email="invalid@example.com")
    BusinessFactory(email="bounce@example.com")
    business = BusinessFactory(email="recipient@example.com")
    notice = sent_email(business, message_id="883953f4-6105-42a2-a16a-77a8eac79483")
    assert post(client, provider, sample(name)).status_code == 200
    before = recorded(notice)
    assert post(client, provider, sample(name)).status_code == 200
    after = recorded(notice)
    assert len(before[0]) == 1
    assert after == before


def test_a_postmark_delivery_is_recorded_on_the_notice_its_metadata_names(client):
    business = BusinessFactory(email="recipient@example.com")
    notice = sent_email(business)
    payload = sample("postmark_delivery")
    payload["Metadata"] = {"notice": str(notice.pk)}
    assert post(client, "postmark", payload).status_code == 200
    notice.refresh_from_db()
    assert notice.delivery == "delivered"
    assert notice.delivery_at == datetime.datetime(2014, 8, 1, 17, 28, 10, 273539, tzinfo=datetime.UTC)
    assert Business.objects.get(pk=business.pk).email_bounced_since is None


def test_a_mailgun_delivery_is_recorded_on_the_notice_by_its_message_id(client):
    business = BusinessFactory(email="recipient@example.com")
    notice = sent_email(business, message_id="<20180812211713.1.DF5966851B4BAA99@example.org>")
    assert post(client, "mailgun", sample("mailgun_delivered")).status_code == 200
    notice.refresh_from_db()
    assert notice.delivery == "delivered"


@pytest.mark.parametrize(
    ("provider", "name"), [("mailgun", "mailgun_complained"), ("postmark", "postmark_spam_complaint")]
)
def test_a_spam_complaint_stops_e_mail_to_the_business(client, provider, name):
    business = BusinessFactory(email=sample(name).get("Email", "recipient@example.com"))
    other = BusinessFactory(email="someone-else@example.com")
    assert post(client, provider, sample(name)).status_code == 200
    business.refresh_from_db()
    assert business.do_not_email_since is not None
    assert business.email_bounced_since is None
    assert Business.objects.get(pk=other.pk).do_not_email_since is None


@override_settings(OUTREACH_SOFT_BOUNCE_LIMIT=2)
def test_soft_bounces_are_counted_and_flag_the_address_at_the_limit(client):
    business = BusinessFactory(email="bounce@example.com")
    first = sample("postmark_soft_bounce")
    assert post(client, "postmark", first).status_code == 200
    assert Business.objects.get(pk=business.pk).email_bounced_since is None
    same_message_again = sample("postmark_soft_bounce") | {"ID": 901542560}
    assert post(client, "postmark", same_message_again).status_code == 200
    assert Business.objects.get(pk=business.pk).email_bounced_since is None  # one message, however often
    second_message = sample("postmark_soft_bounce") | {"ID": 901542561, "MessageID": "another-message"}
    assert post(client, "postmark", second_message).status_code == 200
    business.refresh_from_db()
    assert business.email_bounced_since == D(2016, 4, 28)
    assert DeliveryEvent.objects.filter(kind="soft_bounce").count() == 3


@override_settings(OUTREACH_SOFT_BOUNCE_LIMIT=2)
def test_a_delivery_starts_the_soft_bounce_count_again(client):
    business = BusinessFactory(email="undeliverable@nomx.example.com")
    assert post(client, "mailgun", sample("mailgun_failed_temporary")).status_code == 200
    delivered = sample("mailgun_delivered")
    delivered["event-data"] |= {"recipient": business.email, "timestamp": 1534111999.0}
    assert post(client, "mailgun", delivered).status_code == 200
    later = sample("mailgun_failed_temporary")
    later["signature"]["token"] = "another-token"
    later["event-data"] |= {"timestamp": 1534112999.0}
    later["event-data"]["message"]["headers"]["message-id"] = "another@example.org"
    assert post(client, "mailgun", later).status_code == 200
    assert Business.objects.get(pk=business.pk).email_bounced_since is None
    assert DeliveryEvent.objects.filter(kind="soft_bounce").count() == 2


def test_an_unknown_recipient_is_logged_not_an_error(client, caplog):
    with caplog.at_level(logging.WARNING, logger="outreach.delivery"):
        assert post(client, "postmark", sample("postmark_bounce")).status_code == 200
    assert "bounce@example.com" in caplog.text
    event = DeliveryEvent.objects.get()
    assert (event.kind, event.notice, event.recipient) == ("hard_bounce", None, "bounce@example.com")
    assert not Bounce.objects.exists()


@pytest.mark.parametrize(
    ("provider", "name"), [("mailgun", "mailgun_failed_permanent"), ("postmark", "postmark_bounce")]
)
def test_a_wrong_basic_auth_is_refused_and_records_nothing(client, provider, name):
    BusinessFactory(email="invalid@example.com")
    response = post(client, provider, sample(name), auth=authorization("provider:wrong"))
    assert response.status_code == 400
    assert not DeliveryEvent.objects.exists()
    assert not Business.objects.filter(email_bounced_since__isnull=False).exists()


def test_a_wrong_mailgun_signature_is_refused_and_records_nothing(client):
    BusinessFactory(email="invalid@example.com")
    payload = mailgun_signed(sample("mailgun_failed_permanent"), key="not the signing key")
    response = client.post(
        url("mailgun"), json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=authorization()
    )
    assert response.status_code == 400
    tampered = mailgun_signed(sample("mailgun_failed_permanent"))
    tampered["signature"]["token"] = "replayed-with-another-token"
    response = client.post(
        url("mailgun"), json.dumps(tampered), content_type="application/json", HTTP_AUTHORIZATION=authorization()
    )
    assert response.status_code == 400
    assert not DeliveryEvent.objects.exists()


def test_the_refusal_is_a_japanese_page(client):
    response = post(client, "postmark", sample("postmark_bounce"), auth=authorization("x:y"))
    assert response.status_code == 400
    assert "要求を処理できませんでした" in response.content.decode()


def test_a_provider_without_its_secrets_has_no_webhook(client):
    with override_settings(ANYMAIL={"WEBHOOK_SECRET": ["provider:webhook-secret"]}):
        assert post(client, "mailgun", sample("mailgun_delivered")).status_code == 404
    with override_settings(ANYMAIL={}):
        assert post(client, "postmark", sample("postmark_delivery")).status_code == 404
    assert post(client, "sendgrid", {}).status_code == 404
    assert not DeliveryEvent.objects.exists()


def test_opens_and_clicks_are_not_kept(client):
    payload = sample("postmark_delivery") | {"RecordType": "Open"}
    assert post(client, "postmark", payload).status_code == 200
    assert not DeliveryEvent.objects.exists()


def test_the_desk_sees_the_providers_report_on_the_notice(client):
    business = BusinessFactory(email="bounce@example.com")
    notice = sent_email(business, message_id="2706ee8a-737c-4285-b032-ccd317af53ed")
    assert post(client, "postmark", sample("postmark_bounce")).status_code == 200
    staff_user(roles.DESK, "desk1")
    client.login(username="desk1", password="pass-Word-1234")
    page = client.get(f"/admin/outreach/notice/{notice.pk}/change/").content.decode()
    assert "配信結果" in page and "ハードバウンス（恒久的な不達）" in page
    listing = client.get("/admin/outreach/notice/?delivery__exact=hard_bounce", follow=True).content.decode()
    assert f"/admin/outreach/notice/{notice.pk}/change/" in listing
    timeline = client.get(f"/admin/registrations/business/{business.pk}/change/").content.decode()
    assert "Postmark" in timeline


class FakeMailgunApi(http.server.BaseHTTPRequestHandler):
    """Mailgun's messages API at the outside edge: answers as Mailgun does and keeps each request body."""

    bodies: list[bytes] = []

    def do_POST(self):
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps({"id": "<20261201010000.1.ABCDEF@mg.example.jp>", "message": "Queued. Thank you."})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def mailgun_api():
    FakeMailgunApi.bodies = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeMailgunApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v3"
    server.shutdown()


def test_a_notice_sent_through_mailgun_keeps_its_message_id_and_the_report_finds_it(client, mailgun_api):
    business = BusinessFactory(email="recipient@example.com")
    notice = services.notice_send_now(business=business)
    mailgun = {**ANYMAIL_SETTINGS, "MAILGUN_API_KEY": "key", "MAILGUN_SENDER_DOMAIN": "mg.example.jp"}
    with override_settings(
        EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend", ANYMAIL=mailgun | {"MAILGUN_API_URL": mailgun_api}
    ):
        assert sending.email_send(notice_id=notice.pk) == "sent"
    notice.refresh_from_db()
    assert notice.provider_message_id == "<20261201010000.1.ABCDEF@mg.example.jp>"
    sent = urllib.parse.parse_qs(FakeMailgunApi.bodies[0].decode())
    assert (sent["to"], sent["v:notice"]) == (["recipient@example.com"], [str(notice.pk)])
    delivered = sample("mailgun_delivered")
    delivered["event-data"]["message"]["headers"]["message-id"] = "20261201010000.1.ABCDEF@mg.example.jp"
    assert post(client, "mailgun", delivered).status_code == 200
    notice.refresh_from_db()
    assert notice.delivery == "delivered"


def test_a_provider_api_that_cannot_be_reached_puts_the_notice_back_in_the_queue():
    business = BusinessFactory(email="recipient@example.com")
    notice = services.notice_send_now(business=business)
    closed = {**ANYMAIL_SETTINGS, "MAILGUN_API_KEY": "key", "MAILGUN_SENDER_DOMAIN": "mg.example.jp"}
    closed["MAILGUN_API_URL"] = f"http://127.0.0.1:{closed_port()}/v3"
    backend = "anymail.backends.mailgun.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend, ANYMAIL=closed), pytest.raises(sending.TemporaryFailure):
        sending.email_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.provider_message_id) == ("queued", "")
    assert "AnymailRequestsAPIError" in notice.last_error


@pytest.mark.parametrize("provider", ["mailgun", "postmark"])
def test_a_body_that_is_not_json_is_refused_in_japanese(client, provider):
    response = client.post(
        url(provider), b"\xff{not json", content_type="application/json", HTTP_AUTHORIZATION=authorization()
    )
    assert response.status_code == 400
    assert "要求を処理できませんでした" in response.content.decode()
    assert not DeliveryEvent.objects.exists()
