"""In Chromium: the desk imports a CP932 file with one bad row, sees the error, fixes it, imports."""

import pytest

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import staff_user
from registrations.tests.files import business_row, csv_bytes
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def upload(page, data: bytes):
    page.goto("/admin/registrations/business/")
    page.click("a.import_link")
    page.wait_for_url("**/admin/registrations/business/import/")
    page.set_input_files("#id_import_file", {"name": "register.csv", "mimeType": "text/csv", "buffer": data})
    with page.expect_navigation():
        page.click("form[enctype] input[type=submit]")


def test_desk_fixes_a_bad_row_of_a_cp932_file_and_imports_it(page):
    staff_user(roles.DESK, "desk1")
    log_in(page, "desk1")
    good = business_row(商号="株式会社髙田工務店")
    bad = business_row(事業者ID="12345678901235", 商号="有限会社佐藤塗装", 法人番号="5835678256247", 業種="塗")

    upload(page, csv_bytes([good, bad], "cp932"))
    errors = page.locator("table.import-preview tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text().strip() == "3"
    assert "法人番号" in errors.first.inner_text()
    assert "法人番号のチェックデジットが正しくありません" in errors.first.inner_text()
    assert "何も取り込んでいません" in page.content()
    assert page.locator("input[name=confirm]").count() == 0

    bad["法人番号"] = bad["資本金"] = ""  # an individual (個人): no corporate number, no capital
    upload(page, csv_bytes([good, bad], "cp932"))
    assert "2行: 新規 2件、更新 0件、変更なし 0件" in page.content()
    page.click("input[name=confirm]")
    page.wait_for_url("**/admin/registrations/business/")
    assert "2行: 新規 2件" in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr").count() == 2
    assert Business.objects.get(ccus_id="12345678901235").entity_type == Business.EntityType.INDIVIDUAL
