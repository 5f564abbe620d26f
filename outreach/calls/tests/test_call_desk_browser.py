"""The phone desk in a real Chromium: take the next call, ask for a callback, see it come back."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from ccus import roles
from outreach.models import CallTask
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
JST = datetime.timezone(datetime.timedelta(hours=9))
TUESDAY_MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


CONTRAST = """selector => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const element = document.querySelector(selector);
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && rgb(background)[3] === 0) {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  if (rgb(background)[3] === 0) { background = "rgb(255, 255, 255)"; }
  const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(rgb(background))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(page, selector: str) -> float:
    """The WCAG contrast ratio of an element's text against the first opaque background behind it."""
    return page.evaluate(CONTRAST, selector)


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
        name = page.locator("#call-business")
        assert name.is_visible() and name.inner_text().startswith("株式会社髙橋工務店")
        assert contrast(page, "#call-business") > 4.5, "the name is readable on its background"
        assert page.evaluate("document.activeElement.id") == "outcomes"  # where the 1–7 keys work
        assert page.input_value("#id_callback_at") == "2027/03/03 09:00"  # the next business day
        page.screenshot(path="/tmp/desk18-call-screen.png", full_page=True)

        page.keyboard.press("n")
        page.keyboard.type("担当の方が外出中")
        page.keyboard.press("Escape")
        page.keyboard.press("c")
        page.keyboard.type("2027/03/02 15:30")  # the default is selected: typing replaces it
        page.keyboard.press("Escape")
        page.keyboard.press("7")
        page.wait_for_url("**/admin/outreach/calltask/")
        assert "折り返し希望" in page.inner_text(".messagelist")

        callback = CallTask.objects.get(notice=notice, status="open")
        assert (callback.kind, callback.due_at) == ("callback", datetime.datetime(2027, 3, 2, 15, 30, tzinfo=JST))
        assert "15:30" in page.inner_text("#result_list")
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path="/tmp/desk18-call-queue.png", full_page=True)
        table, results = page.locator("#result_list").bounding_box(), page.locator(".results").bounding_box()
        assert table["width"] >= results["width"] - 1, "the queue table uses the width"
        assert page.eval_on_selector(".results", "div => div.scrollWidth <= div.clientWidth"), "no column cut off"
        for cell in ("td.field-phone", "td.field-status"):
            assert page.eval_on_selector(f"#result_list {cell}", "td => getComputedStyle(td).whiteSpace") == "nowrap"

        page.click("#take-next")
        expect(page.locator(".messagelist")).to_contain_text("現在かける電話はありません")

        traveller.move_to(datetime.datetime(2027, 3, 2, 15, 31, tzinfo=JST))
        page.click("#take-next")
        page.wait_for_url(f"**/{callback.pk}/call/")
        screen = page.inner_text("#call-screen")
        assert "折り返し" in screen and "担当の方が外出中" in screen
