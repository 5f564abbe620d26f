"""In Chromium: a file the import cannot use, and a confirm sent twice, each explained in Japanese."""

import re

import pytest

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import staff_user
from registrations.tests.files import business_row, csv_bytes
from registrations.tests.test_browser import log_in
from registrations.tests.test_browser_import import upload
from registrations.tests.test_import_admin_faults import leftovers, private_directories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
# Names of formats and encodings (and 事業者ID), the only Latin words the import screen may show.
NAMES = {"CSV", "XLSX", "UTF", "BOM", "Shift_JIS", "CP", "Excel", "MB", "CCUS", "ID"}
SCREENSHOT = "/tmp/ops-import-bad-file.png"


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z_]+", text)) - NAMES


def test_a_bad_file_and_a_second_confirm_are_explained_in_japanese(page, tmp_path, settings, monkeypatch):
    spool = private_directories(tmp_path, settings, monkeypatch)
    staff_user(roles.DESK, "desk1")
    log_in(page, "desk1")

    upload(page, csv_bytes([]))
    content = page.locator("#content").inner_text()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert "見出し行の下に取り込む行がありません。" in content
    assert f"{settings.IMPORT_MAX_UPLOAD_MB}MBまで" in content
    assert english_words(content) == set()
    assert page.locator("input[name=confirm]").count() == 0

    upload(page, csv_bytes([business_row()]))
    confirm = page.locator("form:has(input[name=confirm])")
    action = confirm.get_attribute("action")
    fields = confirm.evaluate("form => Object.fromEntries(new FormData(form))")
    page.click("input[name=confirm]")
    page.wait_for_url("**/admin/registrations/business/")
    # The same confirm sent again (a reload, a second tab): a form with the same fields.
    page.evaluate(
        """([action, fields]) => {
            const form = Object.assign(document.createElement("form"), {method: "post", action});
            for (const [name, value] of Object.entries(fields)) {
                form.append(Object.assign(document.createElement("input"), {type: "hidden", name, value}));
            }
            document.body.append(form);
            form.submit();
        }""",
        [action, fields],
    )
    page.wait_for_url("**/admin/registrations/business/import/")
    message = page.locator(".messagelist").inner_text()
    assert "このファイルは既に取り込まれたか" in message
    assert english_words(page.locator("#content").inner_text() + message) == set()
    assert Business.objects.count() == 1
    assert leftovers(spool) == []
