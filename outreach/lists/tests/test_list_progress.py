"""While lists are built, the admin shows the primes and rows written and the associations done."""

import datetime

import pytest
from django.urls import reverse

from outreach.models import SubcontractorList
from registrations.tests.factories import AssociationFactory

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
