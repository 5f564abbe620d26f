import datetime
import socket

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from outreach import outbox, scan, sending, services
from outreach.models import Notice
from outreach.tests.factories import business_expiring, policy_with_steps
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning


@pytest.fixture
def queued_email():
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋工務店", email="takahashi@example.jp")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 12, 1))  # 07:00 JST: before sending hours, so it stays queued
    return Notice.objects.get(business=business, channel="email")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_sends_a_japanese_notice_once(queued_email):
    with time_machine.travel(IN_HOURS, tick=False):
        assert outbox.send_email_task.delay(queued_email.pk).get() == "sent"
        assert outbox.send_email_task.delay(queued_email.pk).get() == "not claimed"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "CCUS事業者登録更新のお願い"
    assert message.to == ["takahashi@example.jp"]
    assert "株式会社髙橋工務店 御中" in message.body
    assert "2027年1月31日" in message.body and queued_email.business.ccus_id in message.body
    queued_email.refresh_from_db()
    assert (queued_email.status, queued_email.attempts) == ("sent", 1)
    assert queued_email.body == message.body and queued_email.recipient == "takahashi@example.jp"


def test_outside_sending_hours_it_stays_queued(queued_email):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 20, 0, tzinfo=JST)):
        assert outbox.send_email_task.delay(queued_email.pk).get() == "outside sending hours"
    queued_email.refresh_from_db()
    assert queued_email.status == "queued" and not mail.outbox


def test_the_sender_rechecks_the_term_before_sending(queued_email):
    with time_machine.travel(D(2026, 12, 1)):  # an application cannot be dated in the future
        renewal_services.renewal_record_application(
            business=queued_email.business, received_on=D(2026, 12, 1), channel="online"
        )
    assert sending.email_send(notice_id=queued_email.pk) == "cancelled"
    queued_email.refresh_from_db()
    assert (queued_email.status, queued_email.reason) == ("cancelled", "applied")
    assert not mail.outbox


def test_a_bounce_since_the_scan_reroutes_to_postcard(queued_email):
    business = queued_email.business
    business.email_bounced_since = D(2026, 12, 1)
    business.save()
    assert sending.email_send(notice_id=queued_email.pk) == "rerouted"
    queued_email.refresh_from_db()
    assert (queued_email.channel, queued_email.status, queued_email.fallback_reason) == (
        "postcard",
        "queued",
        "email_bounced",
    )


def test_a_refusing_server_means_retry_then_failure(queued_email):
    backend = "django.core.mail.backends.smtp.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend, EMAIL_PORT=closed_port(), OUTREACH_EMAIL_MAX_ATTEMPTS=2):
        with pytest.raises(sending.TemporaryFailure):
            sending.email_send(notice_id=queued_email.pk)
        queued_email.refresh_from_db()
        assert (queued_email.status, queued_email.attempts) == ("queued", 1)
        assert "ConnectionRefusedError" in queued_email.last_error
        assert sending.email_send(notice_id=queued_email.pk) == "failed"
    queued_email.refresh_from_db()
    assert (queued_email.status, queued_email.attempts) == ("failed", 2)


def test_sweeper_requeues_lost_sends_and_flags_stuck_ones(queued_email):
    stuck = Notice.objects.create(
        business=queued_email.business,
        template=queued_email.template,
        channel="email",
        status="sending",
        due_on=D(2026, 12, 1),
        scheduled_for=D(2026, 12, 1),
    )
    Notice.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))
    Notice.objects.filter(pk=queued_email.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    result = sending.sweep(now=datetime.datetime(2026, 12, 1, 11, 0, tzinfo=JST))
    stuck.refresh_from_db()
    assert stuck.status == "uncertain"
    assert result["uncertain"] == 1
    assert result["requeue"] == [queued_email.pk]


def test_the_desk_resolves_uncertain_notices(queued_email):
    Notice.objects.filter(pk=queued_email.pk).update(status="uncertain")
    assert services.notices_resolve_uncertain(notices=Notice.objects.all(), went_out=True) == 1
    queued_email.refresh_from_db()
    assert queued_email.status == "sent"


def test_send_now_goes_through_the_outbox(django_capture_on_commit_callbacks):
    policy_with_steps(("email", 30, 0))
    business = business_expiring(D(2027, 1, 31))
    with time_machine.travel(IN_HOURS, tick=False), django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_send_now(business=business)
    notice.refresh_from_db()
    assert (notice.status, notice.reason, notice.step) == ("sent", "manual", None)
    assert len(mail.outbox) == 1


def test_send_now_says_when_nothing_can_reach_the_business():
    business = business_expiring(
        D(2027, 1, 31), email="", address_undeliverable_since=D(2026, 1, 1), do_not_call_since=D(2026, 1, 1)
    )
    with pytest.raises(services.OutreachError, match="電話連絡を希望しない"):
        services.notice_send_now(business=business)
    assert not Notice.objects.exists()
