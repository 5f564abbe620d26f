"""A supervisor in a real Chromium tries to save wording that walks the database and is told why not."""

import os

import pytest

from ccus import roles
from outreach.models import NoticeTemplate
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENSHOT = os.environ.get("WORDING_SCREENSHOT", "")  # e.g. /tmp/wording-refused.png, to look at the page


def test_a_supervisor_sees_in_japanese_why_the_template_was_not_saved(page):
    staff_user(roles.SUPERVISOR, "sv1")
    template = NoticeTemplate.objects.get(name="更新のお願い（メール）")
    before = template.body
    log_in(page, "sv1")

    page.goto(f"/admin/outreach/noticetemplate/{template.pk}/change/")
    assert "{{ business_name }}: 商号" in page.inner_text(".form-row.field-body")
    page.fill("#id_body", "{{ business.prefecture.business_set.all }}\n{% load static %}")
    with page.expect_navigation():  # the form comes back with its errors
        page.click("input[name=_save]")

    errors = page.inner_text(".form-row.field-body .errorlist")
    assert "「business.prefecture.business_set.all」という項目はありません。使える項目: business_name、" in errors
    assert "「{% load %}」のようなタグは使えません。" in errors
    assert "修正してください" in page.inner_text(".errornote")
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    template.refresh_from_db()
    assert template.body == before
