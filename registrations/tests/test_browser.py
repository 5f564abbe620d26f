"""The desk in a real Chromium: log in, search by half-width kana, open the business."""

import pytest

from ccus import roles
from ccus.paginator import SearchCountPaginator
from registrations.tests.factories import BusinessFactory, staff_user

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
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    page.click("text=株式会社髙橋工務店")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/**")
    assert page.input_value("#id_ccus_id") == business.ccus_id


def test_desk_finds_a_place_name_as_the_caller_spells_it(page):
    """Issue 23: registered as 霞ケ浦センター, typed as heard: 霞が浦 and a half-width dash."""
    staff_user(roles.DESK, "desk1")
    business = BusinessFactory(name="株式会社霞ケ浦センター", name_kana="カブシキガイシャカスミガウラセンター")
    BusinessFactory(name="株式会社霞浦建設", name_kana="カブシキガイシャカスミウラケンセツ")

    log_in(page, "desk1")
    page.goto("/admin/registrations/business/")
    page.fill("#searchbar", "霞が浦ｾﾝﾀ-")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "株式会社霞ケ浦センター" in rows.first.inner_text()
    assert "霞浦建設" not in page.inner_text("#result_list")
    assert page.input_value("#searchbar") == "霞が浦ｾﾝﾀ-"  # the query stays as typed
    page.click("text=株式会社霞ケ浦センター")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/**")


def test_desk_reads_more_than_the_cap_for_a_common_name(page, monkeypatch):
    """Issue 23: a search counted to its cap says 「N 件以上」 and lists the first page of matches."""
    monkeypatch.setattr(SearchCountPaginator, "count_cap", 2)
    staff_user(roles.DESK, "desk1")
    for number in range(3):
        BusinessFactory(ccus_id=f"2000000000000{number}", name="山本興業", name_kana="ヤマモトコウギョウ")
    log_in(page, "desk1")
    page.goto("/admin/registrations/business/")
    page.fill("#searchbar", "やまもとこうぎょう")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    page.screenshot(path="var/screens/search-over-cap.png", full_page=True)
    assert page.locator("#result_list tbody tr").count() == 3
    assert "結果 2 件以上" in page.inner_text("#changelist-search")
    assert "2 件以上の事業者" in page.inner_text("p.paginator")
