"""One contact timeline per business, newest first, on the business page."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach import admin_timeline, scan
from outreach.lists import services as list_services
from outreach.models import Bounce, CallAttempt, Notice
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import LinkFactory, staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=JST)


@pytest.fixture
def contacted():
    """A business e-mailed, bounced, called, then renewed; plus every step's date."""
    policy = policy_with_steps(("email", 180, 0), ("phone", 45, 0))
    email_step, phone_step = policy.steps.order_by("-days_before")
    business = business_expiring(D(2027, 1, 31), email="office@example.jp")
    term = business.terms.get()
    common = {"business": business, "term": term, "due_on": D(2026, 12, 1), "scheduled_for": D(2026, 12, 1)}
    Notice.objects.create(
        **common,
        step=email_step,
        template=email_step.template,
        channel="email",
        status="sent",
        sent_at=at(D(2026, 12, 1)),
    )
    phone = Notice.objects.create(**common, step=phone_step, template=phone_step.template, channel="phone")
    bounce = Bounce.objects.create(
        business=business, email=business.email, bounced_on=D(2026, 12, 2), file_name="b.csv"
    )
    Bounce.objects.filter(pk=bounce.pk).update(created_at=at(D(2026, 12, 2)))
    Notice.objects.filter(pk=phone.pk).update(created_at=at(D(2026, 12, 2), 7))
    CallAttempt.objects.create(
        notice=phone,
        operator=staff_user(roles.OPERATOR, "op1"),
        started_at=at(D(2026, 12, 3), 11),
        ended_at=at(D(2026, 12, 3), 11),
        outcome="will_renew",
        note="今月中に申請",
    )
    with time_machine.travel(D(2026, 12, 20)):  # both dates have come (they cannot be in the future)
        case = renewal_services.renewal_record_application(
            business=business, received_on=D(2026, 12, 15), channel="post"
        )
        renewal_services.renewal_approve(case=case, approved_on=D(2026, 12, 20))
    return business


def test_the_timeline_lists_every_kind_of_event_newest_first(contacted):
    events = admin_timeline.contact_timeline(business_id=contacted.pk)
    assert [(e.kind, e.at.astimezone(JST).date()) for e in events] == [
        ("approval", D(2026, 12, 20)),
        ("application", D(2026, 12, 15)),
        ("call", D(2026, 12, 3)),
        ("bounce", D(2026, 12, 2)),
        ("notice", D(2026, 12, 2)),
        ("notice", D(2026, 12, 1)),
    ]
    call = events[2]
    assert (call.a, call.b, call.c) == ("will_renew", "op1", "今月中に申請")
    assert events[0].a == "2032-01-31"


def test_a_lapse_is_on_the_timeline():
    business = business_expiring(D(2026, 10, 31))
    renewal_services.mark_lapsed(today=D(2026, 11, 2))
    [event] = admin_timeline.contact_timeline(business_id=business.pk)
    assert (event.kind, event.a, event.at.astimezone(JST).date()) == ("lapse", "2026-10-31", D(2026, 11, 2))


def test_the_business_page_shows_the_timeline_in_japanese(client, contacted):
    staff_user(roles.DESK, "desk1")
    client.login(username="desk1", password="pass-Word-1234")
    page = client.get(f"/admin/registrations/business/{contacted.pk}/change/").content.decode()
    assert "連絡履歴" in page
    for words in ("到達・更新予定", "今月中に申請", "メール不達", "更新承認", "2026-12-03 11:00", "送信済"):
        assert words in page


def test_postcards_returned_mail_and_prime_lists_are_on_the_timeline(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    policy_with_steps(("postcard", 90, 0))
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋工務店")
    prime = LinkFactory(subcontractor=business).prime
    scan.run_scan(today=D(2026, 11, 2))
    batch = postcard_services.postcard_batch_start(for_date=D(2026, 11, 2))
    postcard_services.postcard_batch_build(batch_id=batch.pk)
    postcard_services.returned_mail_record(business_ids=[business.pk], returned_on=D(2026, 11, 10))
    subcontractor_list = list_services.subcontractor_list_request(prime=prime, row_filter="all", as_of=D(2026, 11, 11))
    list_services.subcontractor_list_build(list_id=subcontractor_list.pk)

    kinds = [event.kind for event in admin_timeline.contact_timeline(business_id=business.pk)]
    assert {"postcard_batch", "returned_mail", "prime_list"} <= set(kinds)
    client.force_login(staff_user(roles.DESK))
    page = client.get(f"/admin/registrations/business/{business.pk}/change/").content.decode()
    assert "宛所不明" in page and "はがき印刷バッチ" in page and prime.name in page
