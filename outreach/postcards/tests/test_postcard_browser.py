"""The desk in a real Chromium: build a print batch, download its PDF, mark it posted."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from ccus import roles
from outreach import scan
from outreach.models import Notice, PostcardBatch
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
D = datetime.date


def test_desk_builds_downloads_and_posts_a_batch(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff_user(roles.DESK, "desk1")
    policy_with_steps(("postcard", 3650, 0))  # every current term is inside the window, whatever today is
    business = business_expiring(D(2030, 1, 31), name="株式会社髙橋工務店")
    scan.run_scan(today=timezone.localdate())  # the live server builds for the same day

    log_in(page, "desk1")
    page.goto("/admin/outreach/postcardbatch/")
    page.click("#build-batch")
    page.wait_for_url("**/admin/outreach/postcardbatch/*/change/")
    assert "印刷可能" in page.locator("body").inner_text()
    with page.expect_download() as download_info:
        page.click("text=ダウンロード: 印刷用PDF")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(download.path())
    assert len(reader.pages) == 2 and business.ccus_id in reader.pages[1].extract_text()  # the message side

    page.fill("#id_posted_on", "2026-11-04")
    page.click("#mark-posted")
    expect(page.locator(".messagelist")).to_contain_text("1件のはがきを送付済みにしました")
    batch = PostcardBatch.objects.get()
    assert (batch.status, batch.posted_on) == ("posted", D(2026, 11, 4))
    assert Notice.objects.get(business=business).status == "sent"
