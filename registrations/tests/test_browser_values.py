"""In Chromium: the desk adds a business whose name reads backwards and whose 登録日 is tomorrow."""

import datetime

import pytest
import time_machine

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
# 00:30 on 2026-11-28 in Tokyo; the clock runs, so the browser's timers do too.
NOW = datetime.datetime(2026, 11, 27, 15, 30, tzinfo=datetime.UTC)


def test_the_desk_form_names_each_wrong_value_in_japanese(page):
    staff_user(roles.DESK, "desk1")
    with time_machine.travel(NOW):
        log_in(page, "desk1")
        page.goto("/admin/registrations/business/add/")
        fields = {
            "#id_ccus_id": "12345678901234",
            "#id_name": "株式会社\u202e店務工橋髙",
            "#id_prefecture": "13",
            "#id_postal_code": "100-0001",
            "#id_address": "千代田区千代田1-1",
            "#id_registered_on": "2026-11-29",
        }
        for selector, value in fields.items():
            if selector == "#id_prefecture":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
        page.select_option("#id_entity_type", "individual")
        with page.expect_navigation():  # the form comes back with its errors
            page.click("input[name=_save]")
        page.screenshot(path="/tmp/values-desk-form.png", full_page=True)

        name_errors = page.locator(".field-name .errorlist").inner_text()
        date_errors = page.locator(".field-registered_on .errorlist").inner_text()
    assert "「商号」に改行または見えない制御文字（U+202E）が含まれています。取り除いてください。" in name_errors
    assert "2026-11-29 は未来の日付です。今日（2026-11-28）より後の日付は入れられません。" in date_errors
    assert "修正してください" in page.locator(".errornote").inner_text()
    assert not Business.objects.exists()
