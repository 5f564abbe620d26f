"""The main flow of each role in a real Chromium, each ending in rows checked in the database.

Flows that live beside their feature are not repeated here:
- the operator's callback, with the call coming back at that time: outreach/tests/test_call_desk_browser.py;
- association staff download their own list and fail to reach another association's:
  outreach/tests/test_association_browser.py;
- the desk builds, downloads and posts a print batch: outreach/tests/test_postcard_browser.py.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from ccus import roles
from outreach import scan
from outreach.models import CallAttempt, CallTask, Notice
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, phone_notice, policy_with_steps
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.test_browser import log_in
from renewals.models import RenewalCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
JST = datetime.timezone(datetime.timedelta(hours=9))
TUESDAY_MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


def test_desk_finds_a_business_and_records_its_renewal_application(page):
    today = timezone.localdate()
    desk = staff_user(roles.DESK, "desk1")
    expires_on = (today.replace(day=1) + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(days=1)
    business = business_expiring(expires_on, name="株式会社髙橋工務店", name_kana="カブシキガイシャタカハシコウムテン")
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ")

    log_in(page, "desk1")
    page.goto("/admin/registrations/business/")
    page.fill("#searchbar", business.ccus_id)
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    assert page.locator("#result_list tbody tr").count() == 1
    page.click("text=株式会社髙橋工務店")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/**")
    page.click(".object-tools >> text=更新申請を受け付ける")
    page.wait_for_url(f"**/{business.pk}/record-application/")
    page.fill("#id_received_on", today.isoformat())
    page.fill("#id_note", "窓口で受付")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/")
    assert "更新申請を受け付けました（手数料 24,000円）" in page.inner_text(".messagelist")

    case = RenewalCase.objects.get(business=business)
    assert (case.status, case.received_on, case.received_by, case.note) == ("pending", today, desk, "窓口で受付")
    assert case.term.expires_on == expires_on


def test_operator_takes_the_next_call_and_records_that_the_business_will_renew(page):
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        policy_with_steps(("phone", 45, 15))
        notice = phone_notice(datetime.date(2027, 4, 9), today=TUESDAY_MORNING.date(), name="株式会社髙橋工務店")
        operator = staff_user(roles.OPERATOR, "op1")

        log_in(page, "op1")
        page.goto("/admin/outreach/calltask/")
        page.click("#take-next")
        page.wait_for_url("**/call/")
        assert "株式会社髙橋工務店" in page.inner_text("#call-screen")
        page.fill("#id_note", "来週申請するとのこと")
        page.click("#outcomes button[value=will_renew]")
        page.wait_for_url("**/admin/outreach/calltask/")

    task = CallTask.objects.get(notice=notice)
    assert (task.status, task.assigned_to) == ("done", operator)
    call = CallAttempt.objects.get(notice=notice)
    assert (call.outcome, call.note, call.operator, call.task) == ("will_renew", "来週申請するとのこと", operator, task)


def test_supervisor_marks_a_batch_posted(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    supervisor = staff_user(roles.SUPERVISOR, "sv1")
    policy_with_steps(("postcard", 3650, 0))
    first, second = (business_expiring(datetime.date(2030, 1, 31)) for _ in range(2))
    scan.run_scan(today=timezone.localdate())
    batch = postcard_services.postcard_batch_start(for_date=timezone.localdate())
    postcard_services.postcard_batch_build(batch_id=batch.pk)

    log_in(page, "sv1")
    page.goto(f"/admin/outreach/postcardbatch/{batch.pk}/change/")
    page.fill("#id_posted_on", "2026-11-04")
    page.click("#mark-posted")
    expect(page.locator(".messagelist")).to_contain_text("2件のはがきを送付済みにしました")

    batch.refresh_from_db()
    assert (batch.status, batch.posted_on, batch.posted_by) == ("posted", datetime.date(2026, 11, 4), supervisor)
    sent = Notice.objects.filter(business__in=[first, second], status="sent", sent_at__date=datetime.date(2026, 11, 4))
    assert sent.count() == 2
