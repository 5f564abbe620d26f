"""Wording that cannot be filled is a failure with its reason, and the rung falls back; never `uncertain`."""

import datetime

import pytest
import time_machine
from django.core import mail

from outreach import outbox, scan, sending, tasks
from outreach.models import Notice, NoticeTemplate, PostcardExclusion
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning
AFTER_THE_TIMEOUT = IN_HOURS + datetime.timedelta(hours=2)


def queued_email(**business_fields) -> Notice:
    business = business_expiring(D(2027, 1, 31), email="takahashi@example.jp", **business_fields)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 12, 1))  # before sending hours: it stays queued
    return Notice.objects.get(business=business, channel="email")


@pytest.mark.parametrize(
    ("template", "business_fields", "reason"),
    [
        # Written to the database past the admin's check (an old row, a script, raw SQL).
        ({"body": "{% if %}"}, {}, "本文: 「{% if %}」のようなタグは使えません"),
        ({"body": "{{ business.email }}"}, {}, "本文: 「business.email」という項目はありません"),
        # A value with a line break would make a second mail header.
        (
            {"subject": "{{ business_name }} 様"},
            {"name": "株式会社髙橋工務店\r\nBcc: everyone@example.jp"},
            "件名: 差し込んだ値に改行が含まれるため、件名が1行になりません",
        ),
    ],
)
def test_wording_that_cannot_be_filled_fails_the_notice_and_the_rung_falls_back(template, business_fields, reason):
    policy_with_steps(("email", 90, 0))
    NoticeTemplate.objects.filter(name="test email").update(**template)
    notice = queued_email(**business_fields)
    step = notice.step

    with time_machine.travel(IN_HOURS, tick=False):
        outbox.send_email_task.apply(args=[notice.pk], throw=False)
    with time_machine.travel(AFTER_THE_TIMEOUT, tick=False):
        assert tasks.sweep_outbox_task.apply().get()["uncertain"] == 0

    assert not mail.outbox
    notice.refresh_from_db()
    assert (notice.channel, notice.status, notice.reason) == ("email", "failed", "render_failed")
    assert reason in notice.last_error
    assert notice.history.filter(status="failed").exists()
    # The rung goes on by postcard (the policy's e-mail fallback), as for an unusable address.
    fallback = Notice.objects.exclude(pk=notice.pk).get(business=notice.business)
    assert (fallback.channel, fallback.status, fallback.fallback_reason) == ("postcard", "queued", "render_failed")
    assert (fallback.step, fallback.term, fallback.template) == (step, notice.term, notice.template)
    assert fallback.history.exists()


def test_without_a_usable_fallback_the_failed_notice_keeps_its_rung():
    policy = policy_with_steps(("email", 90, 0))
    policy.email_fallback = "skip"
    policy.save()
    NoticeTemplate.objects.filter(name="test email").update(body="{{ nope }}")
    notice = queued_email()
    step = notice.step
    with time_machine.travel(IN_HOURS, tick=False):
        assert sending.email_send(notice_id=notice.pk) == "failed"
    notice.refresh_from_db()
    assert (notice.status, notice.reason, notice.step) == ("failed", "render_failed", step)
    assert Notice.objects.filter(business=notice.business).count() == 1
    # The scan does not make the rung again.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 12, 2))
    assert Notice.objects.filter(business=notice.business).count() == 1


def test_a_postcard_whose_wording_cannot_be_filled_is_left_out_and_the_batch_prints_the_rest():
    policy_with_steps(("postcard", 90, 0))
    broken = business_expiring(D(2027, 1, 31), name="株式会社壊れ文面")
    fine = business_expiring(D(2027, 1, 30), name="株式会社正常文面")
    scan.run_scan(today=D(2026, 12, 1))
    broken_notice = Notice.objects.get(business=broken)
    broken_notice.template = NoticeTemplate.objects.create(
        name="壊れたはがき", channel="postcard", subject="件名", body="{% if %}"
    )  # objects.create: no clean(), as raw SQL would
    broken_notice.save()

    batch = postcard_services.postcard_batch_build(
        batch_id=postcard_services.postcard_batch_start(for_date=D(2026, 12, 1)).pk
    )

    assert (batch.status, batch.done, batch.excluded) == ("ready", 1, 1)
    assert PostcardExclusion.objects.get(batch=batch).reason == "render_failed"
    broken_notice.refresh_from_db()
    assert (broken_notice.channel, broken_notice.status, broken_notice.fallback_reason) == (
        "phone",
        "queued",
        "render_failed",
    )
    assert Notice.objects.get(business=fine).status == "printing"
