"""In a real Chromium: the desk's business page has no date fields; a supervisor corrects one, with a reason.

Screenshots go to SCREENSHOT_DIR (default /tmp) for a person to look at.
"""

import datetime
import os
from pathlib import Path

import pytest

from ccus import roles
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.test_browser import log_in
from renewals import services
from renewals.models import Term

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
D = datetime.date
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
REASON = "登録時に有効期限を誤入力（申請書の写しで確認）"


@pytest.fixture
def business():
    business = BusinessFactory(name="株式会社髙橋工務店", registered_on=D(2021, 12, 10), expires_on=D(2031, 12, 31))
    services.terms_sync(business_ids=[business.pk])
    return business


def test_the_desk_sees_the_dates_read_only_and_adds_with_a_registration_date_only(page, business):
    staff_user(roles.DESK, "desk1")
    log_in(page, "desk1")
    page.goto(f"/admin/registrations/business/{business.pk}/change/")
    assert page.locator("input[name=registered_on], input[name=expires_on]").count() == 0
    assert "2031年12月31日" in page.inner_text(".field-expires_on")
    assert page.locator("text=登録日・有効期限の訂正").count() == 0
    page.locator("fieldset", has_text="有効期限").first.screenshot(path=str(SHOTS / "expiry-desk-change.png"))
    page.goto("/admin/registrations/business/add/")
    assert page.locator("input[name=registered_on]").count() == 1
    assert page.locator("input[name=expires_on]").count() == 0
    assert "有効期限は登録日から計算されます" in page.inner_text(".field-registered_on")
    page.screenshot(path=str(SHOTS / "expiry-desk-add.png"), full_page=True)


def test_a_supervisor_corrects_the_expiry_with_a_reason(page, business):
    staff_user(roles.SUPERVISOR, "sv1")
    log_in(page, "sv1")
    page.goto(f"/admin/registrations/business/{business.pk}/change/")
    page.click(".object-tools >> text=登録日・有効期限の訂正")
    page.wait_for_url(f"**/{business.pk}/correct-dates/")
    page.fill("#id_expires_on", "2026-12-31")
    page.fill("#id_reason", "   ")  # only spaces: past the browser's check, refused by the form
    with page.expect_navigation():  # the form comes back with its error
        page.click("input[type=submit]")
    assert "訂正の理由を入力してください（履歴に残ります）。" in page.inner_text(".errorlist")
    page.screenshot(path=str(SHOTS / "expiry-supervisor-no-reason.png"), full_page=True)
    assert Term.objects.get(business=business).expires_on == D(2031, 12, 31)
    page.fill("#id_reason", REASON)
    page.screenshot(path=str(SHOTS / "expiry-supervisor-correct.png"), full_page=True)
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/registrations/business/{business.pk}/change/")
    assert "日付を訂正しました。登録日 2021-12-10、有効期限 2026-12-31 です" in page.inner_text(".messagelist")
    history = page.inner_text(".field-corrections")
    assert REASON in history and "2031-12-31 → 2026-12-31" in history
    page.locator("fieldset", has_text="登録期間の履歴").first.screenshot(path=str(SHOTS / "expiry-term-history.png"))
    business.refresh_from_db()
    assert business.expires_on == Term.objects.get(business=business).expires_on == D(2026, 12, 31)
