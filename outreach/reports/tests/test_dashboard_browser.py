"""The dashboard in a real Chromium: a supervisor opens it from the admin home; a screenshot is kept."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach.reports.tests import dashboard_data
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_supervisor_opens_the_dashboard_and_sees_the_numbers(page, tmp_path):
    with time_machine.travel(datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC), tick=True):
        register = dashboard_data.build()
        staff_user(roles.SUPERVISOR, "boss")

        log_in(page, "boss")
        page.click("#dashboard-link a.button")
        page.wait_for_url("**/admin/outreach/dashboard/")
        shot = tmp_path / "var" / "dashboard.png"
        shot.parent.mkdir()
        page.screenshot(path=str(shot), full_page=True)

        assert shot.stat().st_size > 10_000
        assert page.locator("#target-income").inner_text().count("¥78,000") == 1
        assert "¥144,349" in page.locator("#target-forecast").inner_text()
        assert page.locator("#carried-over").is_visible()
        assert page.locator("#calendar-chart svg rect").count() >= 4
        assert page.locator("#funnel-email").inner_text().split()[1:] == ["2", "1", "1", "1"]

        dashboard_data._apply(register["E"], dashboard_data.TODAY)  # a new application, then 再計算
        with page.expect_navigation():  # back to the same URL: wait for the new page, not the URL
            page.click("#snapshot button")
        assert "再計算しました" in page.locator(".messagelist").inner_text()
        assert page.locator("#target-renewals td.num").first.inner_text() == "4"


def test_supervisor_ranks_segments_from_the_snapshot_and_recomputes_it(page, tmp_path):
    with time_machine.travel(datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC), tick=True):
        register = dashboard_data.build()
        staff_user(roles.SUPERVISOR, "boss")

        log_in(page, "boss")
        page.goto(page.url.split("/admin/")[0] + "/admin/outreach/dashboard/segments/?kind=trade_capital_band")
        shot = tmp_path / "segments.png"
        page.screenshot(path=str(shot), full_page=True)

        assert shot.stat().st_size > 10_000
        assert "集計日時 2026-11-27 12:" in page.locator("#snapshot").inner_text()
        assert page.locator("tr.segment").count() == 3
        dashboard_data._apply(register["F"], dashboard_data.TODAY)  # 電気's only business at risk applies

        page.click("#snapshot button")
        page.wait_for_url("**/admin/outreach/dashboard/segments/")
        assert "区分別の集計を再計算しました。" in page.locator(".messagelist").inner_text()
        page.goto(page.url + "?kind=trade_capital_band&order=at_risk")
        assert page.locator("tr.segment").count() == 2
