"""The phone desk in a real Chromium: take the next call, ask for a callback, see it come back."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach.models import CallTask
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
JST = datetime.timezone(datetime.timedelta(hours=9))
TUESDAY_MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


def test_an_operator_records_a_callback_and_the_call_comes_back_at_that_time(page):
    with time_machine.travel(TUESDAY_MORNING, tick=True) as traveller:
        policy_with_steps(("phone", 45, 15))
        notice = phone_notice(datetime.date(2027, 4, 9), today=TUESDAY_MORNING.date(), name="株式会社髙橋工務店")
        staff_user(roles.OPERATOR, "op1")
        log_in(page, "op1")

        page.goto("/admin/outreach/calltask/")
        page.keyboard.press("Enter")  # the "take the next call" button has the focus
        page.wait_for_url("**/call/")
        assert "株式会社髙橋工務店" in page.inner_text("#call-screen")
        assert "株式会社髙橋工務店" in page.inner_text("#call-script")
        assert page.inner_text("#days-left") == "残り38日"

        page.keyboard.type("担当の方が外出中")  # the note has the focus
        page.keyboard.press("Escape")
        page.keyboard.press("c")
        page.fill("#id_callback_at", "2027-03-02T15:30")
        page.keyboard.press("Escape")
        page.keyboard.press("7")
        page.wait_for_url("**/admin/outreach/calltask/")
        assert "折り返し希望" in page.inner_text(".messagelist")

        callback = CallTask.objects.get(notice=notice, status="open")
        assert (callback.kind, callback.due_at) == ("callback", datetime.datetime(2027, 3, 2, 15, 30, tzinfo=JST))
        assert "15:30" in page.inner_text("#result_list")

        page.click("#take-next")
        assert "現在かける電話はありません" in page.inner_text(".messagelist")

        traveller.move_to(datetime.datetime(2027, 3, 2, 15, 31, tzinfo=JST))
        page.click("#take-next")
        page.wait_for_url(f"**/{callback.pk}/call/")
        screen = page.inner_text("#call-screen")
        assert "折り返し" in screen and "担当の方が外出中" in screen
