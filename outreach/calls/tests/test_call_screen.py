"""The call screen and the queue as an operator reads them: the business's name, the callback
field in Japanese order with a sensible default, the queue's filter, and a business that applied
or renewed leaving the queue at that moment."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User

from ccus import roles
from outreach import scan
from outreach.calls import services as calls
from outreach.models import CallTask, Notice
from outreach.tests.factories import business_expiring, phone_notice, policy_with_steps
from registrations.tests.factories import staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
D = datetime.date


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def open_call(client, now: datetime.datetime, **fields):
    """An operator logged in, holding the call of a business expiring in 40 days; returns (task, page)."""
    policy_with_steps(("phone", 45, 15))
    phone_notice(now.date() + datetime.timedelta(days=40), today=now.date(), **fields)
    operator = staff_user(roles.OPERATOR, "op1")
    client.force_login(operator)
    task = calls.call_claim_next(operator=operator, now=now)
    return task, client.get(f"/admin/outreach/calltask/{task.pk}/call/").content.decode()


def test_the_call_screen_shows_the_business_name_as_text_not_as_a_link_on_the_blue_bar(client):
    now = at(D(2027, 3, 2), 10)
    with time_machine.travel(now, tick=False):
        task, page = open_call(client, now, name="株式会社髙橋工務店")
    heading = re.search(r'<p id="call-business"[^>]*>(.*?)</p>', page, re.S)
    assert heading, "the business name has its own heading"
    assert heading.group(1).lstrip().startswith("株式会社髙橋工務店")
    assert task.notice.business.ccus_id in heading.group(1)
    assert not re.search(r"<h2[^>]*><a [^>]*>株式会社髙橋工務店", page)


@pytest.mark.parametrize(
    ("now", "offered"),
    [
        (at(D(2027, 3, 5), 10), "2027/03/08 09:00"),  # a Friday: Monday
        (at(D(2027, 7, 16), 16), "2027/07/20 09:00"),  # a Friday before 海の日 (Monday 19th): Tuesday
        (at(D(2027, 4, 28), 11), "2027/04/30 09:00"),  # the day before 昭和の日 (Thursday 29th): Friday
        (at(D(2027, 12, 28), 10), "2028/01/04 09:00"),  # the year-end closing, 12/29–1/3
    ],
)
def test_the_callback_field_is_in_japanese_order_and_offers_the_next_business_day(client, now, offered):
    with time_machine.travel(now, tick=False):
        task, page = open_call(client, now)
        field = re.search(r'<input[^>]*name="callback_at"[^>]*>', page).group(0)
        assert f'value="{offered}"' in field
        assert 'type="text"' in field  # not datetime-local, which follows the browser's language
        assert "年/月/日 時:分" in page
        response = client.post(
            f"/admin/outreach/calltask/{task.pk}/call/", {"outcome": "callback", "callback_at": offered, "note": ""}
        )
    assert response.status_code == 302
    callback = CallTask.objects.get(notice=task.notice, status="open")
    assert timezone_text(callback.due_at) == offered


def timezone_text(moment: datetime.datetime) -> str:
    return moment.astimezone(JST).strftime("%Y/%m/%d %H:%M")


def test_the_status_filter_offers_all_once(client):
    staff_user(roles.OPERATOR, "op1")
    client.login(username="op1", password="pass-Word-1234")
    page = client.get("/admin/outreach/calltask/").content.decode()
    status_filter = re.search(r'<details data-filter-title="(?:状態|ステータス)".*?</details>', page, re.S).group(0)
    choices = re.findall(r"<li[^>]*>\s*<a[^>]*>(.*?)</a>", status_filter, re.S)
    assert [choice.strip() for choice in choices] == ["未架電", "完了", "全て"]
    page = client.get("/admin/outreach/calltask/?state=all").content.decode()
    status_filter = re.search(r'<details data-filter-title="(?:状態|ステータス)".*?</details>', page, re.S).group(0)
    assert re.search(r'<li class="selected">\s*<a[^>]*>全て</a>', status_filter)


def test_the_queue_table_uses_the_width_and_does_not_wrap_phones_or_statuses(client):
    staff_user(roles.OPERATOR, "op1")
    client.login(username="op1", password="pass-Word-1234")
    page = client.get("/admin/outreach/calltask/").content.decode()
    assert re.search(r"#result_list\s*\{\s*width:\s*100%", page)
    nowrap = re.search(r"([^{}]*)\{\s*white-space:\s*nowrap", page).group(1)
    assert "td.field-phone" in nowrap and "td.field-status" in nowrap


@pytest.fixture
def renewing():
    """A business with a call in the queue and a postcard waiting, 40 days before its expiry."""
    policy_with_steps(("phone", 45, 15), ("postcard", 45, 15))
    business = business_expiring(D(2027, 4, 11), name="株式会社更新工務店")
    scan.run_scan(today=D(2027, 3, 2))
    assert set(Notice.objects.filter(business=business).values_list("channel", "status")) == {
        ("phone", "queued"),
        ("postcard", "queued"),
    }
    return business


def queue_page(client):
    operator = User.objects.filter(username="op1").first() or staff_user(roles.OPERATOR, "op1")
    client.force_login(operator)
    return client.get("/admin/outreach/calltask/").content.decode()


def test_an_application_recorded_at_the_desk_takes_the_business_out_of_the_queue_at_once(client, renewing):
    with time_machine.travel(at(D(2027, 3, 2), 11), tick=False):
        assert "株式会社更新工務店" in queue_page(client)
        client.force_login(staff_user(roles.DESK, "desk1"))
        response = client.post(
            f"/admin/registrations/business/{renewing.pk}/record-application/",
            {"received_on": "2027-03-02", "channel": "desk", "note": ""},
        )
        assert response.status_code == 302
        notices = Notice.objects.filter(business=renewing)
        assert set(notices.values_list("channel", "status", "reason")) == {
            ("phone", "cancelled", "applied"),
            ("postcard", "cancelled", "applied"),
        }
        history = Notice.history.filter(id=notices.first().pk).first()
        assert history.history_change_reason == "窓口が更新を記録した時点で取消"
        assert "株式会社更新工務店" not in queue_page(client)


def test_an_application_recorded_elsewhere_leaves_the_queue_before_any_scan(client, renewing):
    """The queue reads renewals' state: no admin step and no scan needed."""
    with time_machine.travel(at(D(2027, 3, 2), 11), tick=False):
        renewal_services.renewal_record_application(business=renewing, received_on=D(2027, 3, 2), channel="post")
        assert "株式会社更新工務店" not in queue_page(client)
        assert calls.call_claim_next(operator=staff_user(roles.OPERATOR, "op2")) is None


def test_an_approval_from_the_applications_list_cancels_what_the_new_term_no_longer_needs(client, renewing):
    with time_machine.travel(at(D(2027, 3, 2), 11), tick=False):
        case = renewal_services.renewal_record_application(business=renewing, received_on=D(2027, 3, 2), channel="post")
        Notice.objects.filter(business=renewing).update(status="queued", reason="")  # as if queued after
        supervisor = staff_user(roles.SUPERVISOR, "sv1")
        client.force_login(supervisor)
        response = client.post(
            "/admin/renewals/renewalcase/", {"action": "approve_today", "_selected_action": [case.pk]}
        )
        assert response.status_code == 302
        assert set(Notice.objects.filter(business=renewing).values_list("status", flat=True)) == {"cancelled"}
        assert "株式会社更新工務店" not in queue_page(client)
