"""While lists are built, the admin shows the primes and rows written and the associations done."""

import datetime

import pytest
from django.urls import reverse

from ccus import roles
from outreach.models import SubcontractorList
from registrations.tests.factories import AssociationFactory, staff_user
from registrations.tests.test_browser import log_in

pytestmark = pytest.mark.django_db


def association_list(code: str, **fields) -> SubcontractorList:
    return SubcontractorList.objects.create(
        scope="association", association=AssociationFactory(code=code), as_of=datetime.date(2026, 11, 1), **fields
    )


def test_the_changelist_shows_associations_done_and_each_lists_primes_and_rows(admin_client):
    association_list("ZENKEN", status="building", progress=80, primes_done=2, primes_total=5, row_count=1234)
    association_list("TOBI", status="done", progress=100, primes_done=3, primes_total=3, row_count=7)
    association_list("SAKAN", status="queued")
    page = admin_client.get(reverse("admin:outreach_subcontractorlist_changelist")).content.decode()
    assert "団体別リストを作成中：3団体中1団体が完了" in page
    assert '<progress max="100" value="80"></progress> 80% (元請5社中2社を出力済み・全1,234行)' in page


def test_no_progress_line_once_every_association_list_is_done(admin_client):
    association_list("TOBI", status="done", progress=100)
    page = admin_client.get(reverse("admin:outreach_subcontractorlist_changelist")).content.decode()
    assert "団体別リストを作成中" not in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_desk_sees_the_build_progress_in_chromium(page, tmp_path):
    staff_user(roles.DESK, "desk")
    association_list("ZENKEN", status="building", progress=85, primes_done=12, primes_total=40, row_count=2345)
    association_list("TOBI", status="done", progress=100, primes_done=3, primes_total=3, row_count=7)
    log_in(page, "desk")
    page.goto("/admin/outreach/subcontractorlist/")
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    assert "団体別リストを作成中：2団体中1団体が完了" in page.inner_text("#content")
    assert "元請40社中12社を出力済み・全2,345行" in page.inner_text("#result_list")
