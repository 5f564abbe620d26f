"""The desk in a real Chromium: log in, search by half-width kana, open the business."""

import pytest

from ccus import roles
from registrations.tests.factories import BusinessFactory, staff_user

# serialized_rollback: the data migrations (roles, prefectures, policy) survive between live-server tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, username, password="pass-Word-1234"):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_desk_finds_a_business_by_half_width_kana(page):
    staff_user(roles.DESK, "desk1")
    business = BusinessFactory(name="株式会社髙橋工務店", name_kana="カブシキガイシャタカハシコウムテン")
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ")

    log_in(page, "desk1")
    assert "CCUS 更新管理" in page.title()
    page.goto("/admin/registrations/business/")
    page.fill("#searchbar", "ﾀｶﾊｼｺｳﾑﾃﾝ")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    page.click("text=株式会社髙橋工務店")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/**")
    assert page.input_value("#id_ccus_id") == business.ccus_id
