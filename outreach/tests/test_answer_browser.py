"""In a real Chromium: a business scans its postcard's QR code with a phone and answers; the desk
confirms in the admin; the business's timeline and its next rung show the effect.

Dates are relative to the day the test runs (the live server runs on the real clock).
"""

import datetime
import shutil
import subprocess

import pytest
import zxingcpp
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from ccus import roles
from conftest import require
from outreach import scan
from outreach.models import Answer, Notice
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in
from renewals.models import RenewalCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _qr_url(pdf, tmp_path) -> str:
    subprocess.run(
        ["pdftoppm", "-r", "300", "-f", "2", "-l", "2", "-png", str(pdf), str(tmp_path / "card")], check=True
    )
    (png,) = tmp_path.glob("card-*.png")
    (code,) = [
        found for found in zxingcpp.read_barcodes(Image.open(png)) if found.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return code.text


def test_a_business_answers_from_its_postcard_and_the_desk_confirms(new_page, live_server, page, settings, tmp_path):
    require(shutil.which("pdftoppm") is not None, "needs pdftoppm (apt-get install poppler-utils)")
    settings.ANSWER_PAGE_BASE_URL = live_server.url
    today = timezone.localdate()
    policy_with_steps(("postcard", 3650, 95), ("phone", 90, 30))  # the postcard now, the call in ten days
    business = business_expiring(today + datetime.timedelta(days=100), name="株式会社スマホ回答工務店")
    scan.run_scan(today=today)
    call_command("postcard_sample", str(tmp_path / "sample.pdf"))
    url = _qr_url(tmp_path / "sample.pdf", tmp_path)
    assert url.startswith(live_server.url + "/a/")

    phone = new_page(**PHONE)
    phone.goto(url)
    assert "株式会社スマホ回答工務店" in phone.locator(".business").inner_text()
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    phone.screenshot(path=str(tmp_path / "answer-phone.png"), full_page=True)
    assert not phone.locator("#id_applied_on").is_visible()  # the details show under the chosen answer only
    phone.click("text=申請済みです")
    applied_on = (today - datetime.timedelta(days=3)).isoformat()
    phone.fill("#id_applied_on", applied_on)
    phone.click("text=自社で申請")
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=ご回答ありがとうございました")
    phone.screenshot(path=str(tmp_path / "answer-thanks.png"), full_page=True)
    answer = Answer.objects.get()
    assert (answer.kind, answer.status, answer.on_date.isoformat()) == ("applied", "pending", applied_on)

    # The call comes due while the desk has not decided yet: the rung is written paused.
    scan.run_scan(today=today + datetime.timedelta(days=10))
    call = Notice.objects.get(business=business, channel="phone")
    assert (call.status, call.reason) == ("skipped", "answered")

    staff_user(roles.DESK, "desk1")
    log_in(page, "desk1")
    page.click("text=確認・却下を待つ事業者からの回答")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(tmp_path / "answer-queue.png"), full_page=True)
    page.check("input.action-select")
    page.select_option("select[name=action]", "confirm_answers")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("1件の回答を確認済みにしました")
    assert RenewalCase.objects.get(business=business).received_on.isoformat() == applied_on

    page.goto(f"/admin/registrations/business/{business.pk}/change/")
    timeline = page.locator(".contact-timeline").inner_text()
    page.screenshot(path=str(tmp_path / "answer-timeline.png"), full_page=True)
    assert "回答（はがきから）" in timeline and "申請済みです" in timeline
    assert "窓口で確認済み" in timeline
    assert "事業者の回答により一時停止" in timeline  # the call that was not made
    shutil.copytree(tmp_path, settings.BASE_DIR / "var" / "tour" / "answer", dirs_exist_ok=True)
