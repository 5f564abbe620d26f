"""The desk in a real Chromium sees, in Japanese, what the provider's webhook reported over HTTP."""

import json
import os
import urllib.request

import pytest
from django.test import override_settings

from ccus import roles
from ccus.tests.test_japanese_screens import english_words
from outreach.models import Notice, NoticeTemplate
from outreach.tests.provider_posts import ANYMAIL_SETTINGS, authorization, sample, url
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.test_browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailWarning"),
]
SCREENSHOT = os.environ.get("DELIVERY_SCREENSHOT", "")  # e.g. /tmp/delivery, to look at the pages


@override_settings(ANYMAIL=ANYMAIL_SETTINGS)
def test_a_hard_bounce_posted_by_postmark_shows_on_the_notice_and_the_timeline(page, live_server):
    business = BusinessFactory(email="bounce@example.com", name="株式会社配信テスト")
    notice = Notice.objects.create(
        business=business,
        template=NoticeTemplate.objects.filter(channel="email").first(),
        channel="email",
        status="sent",
        due_on="2026-12-01",
        scheduled_for="2026-12-01",
        recipient=business.email,
        provider_message_id="2706ee8a-737c-4285-b032-ccd317af53ed",
    )
    request = urllib.request.Request(
        live_server.url + url("postmark"),
        data=json.dumps(sample("postmark_bounce")).encode(),
        headers={"Content-Type": "application/json", "Authorization": authorization()},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    staff_user(roles.DESK, "desk1")
    log_in(page, "desk1")

    page.goto(f"/admin/outreach/notice/{notice.pk}/change/")
    assert "ハードバウンス（恒久的な不達）" in page.inner_text(".form-row.field-delivery")
    assert english_words(page.content()) == set()
    if SCREENSHOT:
        page.screenshot(path=f"{SCREENSHOT}-notice.png", full_page=True)
    page.goto(f"/admin/registrations/business/{business.pk}/change/")
    timeline = page.content()
    assert "メール不達" in timeline and "bounce@example.com" in timeline and "Postmark" in timeline
    assert english_words(page.content()) == set()
    if SCREENSHOT:
        page.screenshot(path=f"{SCREENSHOT}-business.png", full_page=True)
