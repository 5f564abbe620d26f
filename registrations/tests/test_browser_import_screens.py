"""In Chromium at 1366 px: the desk reads every row error and a preview that fits the page."""

import pytest

from ccus import roles
from registrations.tests.factories import staff_user
from registrations.tests.files import business_row, csv_bytes
from registrations.tests.test_browser import log_in
from registrations.tests.test_browser_import import upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ERRORS_SHOT, PREVIEW_SHOT = "/tmp/import-errors.png", "/tmp/import-preview.png"
RIGHT_SHOT = "/tmp/import-preview-right.png"
# The page does not scroll sideways; a wide table scrolls inside its own box.
PAGE_FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def one_line(cell) -> bool:
    """The cell's text is on one line: not broken a character or two per line."""
    return cell.evaluate(
        """td => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return range.getClientRects().length > 0
                && new Set([...range.getClientRects()].map(r => Math.round(r.top))).size === 1;
        }"""
    )


def test_errors_and_preview_are_readable_without_hovering_or_scrolling_the_page(page):
    staff_user(roles.DESK, "desk1")
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "desk1")

    rows = [business_row(), business_row(事業者ID="12345678901235", 法人番号="5835678256247", 郵便番号="12-345")]
    upload(page, csv_bytes(rows))
    page.screenshot(path=ERRORS_SHOT, full_page=True)
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 2
    texts = [errors.nth(i).inner_text().split("\t") for i in range(2)]
    assert [t[:3] for t in texts] == [["3", "法人番号", "5835678256247"], ["3", "郵便番号", "12-345"]]
    assert page.locator("table.import-errors td.import-message").first.is_visible()
    assert "見出し行を1行目として数えます" in page.locator("#content").inner_text()
    assert page.evaluate(PAGE_FITS)

    long_address = "北海道札幌市中央区北一条西二丁目一番地 札幌市役所本庁舎 十八階 建設局 土木部 事業推進課 気付"
    rows = [business_row(住所=long_address), business_row(事業者ID="12345678901235", 法人番号="", 資本金="")]
    upload(page, csv_bytes(rows))
    page.screenshot(path=PREVIEW_SHOT, full_page=True)
    preview = page.locator(".import-table table.import-preview")
    headers = preview.locator("thead th").all_inner_texts()
    first = dict(zip(headers, preview.locator("tbody tr").first.locator("td").all(), strict=True))
    assert first["事業者ID"].inner_text() == "12345678901234"
    assert first["法人個人"].inner_text() == "法人"
    assert first["郵便番号"].inner_text() == "100-0001"
    for header in ("事業者ID", "郵便番号", "登録日", "有効期限", "電話番号", "法人個人"):
        assert one_line(first[header]), header
    # Names and addresses may wrap, but between words: a line holds more than a couple of characters.
    assert first["商号"].bounding_box()["width"] > 100
    assert page.evaluate(PAGE_FITS)
    box = page.locator(".import-table")
    box.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    box.screenshot(path=RIGHT_SHOT)
    assert first["住所"].bounding_box()["width"] > 250
    assert page.locator("input[name=confirm]").count() == 1
