"""An association's staff member in a real Chromium: own lists download, another association's stay hidden."""

import datetime

import pytest
from django.contrib.auth.models import User

from ccus import roles
from outreach.lists import services as list_services
from outreach.models import AssociationStaff, ListDelivery
from registrations.tests.factories import (
    AssociationFactory,
    BusinessFactory,
    LinkFactory,
    MembershipFactory,
    staff_user,
)
from registrations.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def association_staff(username: str, association) -> User:
    user = staff_user(roles.ASSOCIATION_STAFF, username)
    AssociationStaff.objects.create(user=user, association=association)
    return user


def association_with_list(code: str):
    association = AssociationFactory(code=code)
    member = BusinessFactory(name=f"{code}元請")
    MembershipFactory(business=member, association=association)
    LinkFactory(prime=member, subcontractor=BusinessFactory(name=f"{code}下請"))
    snapshot = list_services.subcontractor_list_request(
        association=association, row_filter="all", as_of=datetime.date(2026, 11, 1)
    )
    return association, member, list_services.subcontractor_list_build(list_id=snapshot.pk)


def test_association_staff_cannot_reach_another_associations_data_by_guessing(page):
    zenken, _member, own_list = association_with_list("ZENKEN")
    _tobi, other_member, other_list = association_with_list("TOBI")
    association_staff("zenken", zenken)

    log_in(page, "zenken")
    page.goto("/admin/registrations/business/")
    assert page.locator("#result_list tbody tr").count() == 1
    assert "ZENKEN元請" in page.inner_text("#result_list")

    page.goto("/admin/outreach/subcontractorlist/")
    assert page.locator("#result_list tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("#result_list >> text=XLSX")
    assert download.value.suggested_filename.endswith("-ZENKEN-2026-11-01.xlsx")

    for url in [
        f"/admin/registrations/business/{other_member.pk}/change/",
        f"/admin/outreach/subcontractorlist/{other_list.pk}/change/",
        f"/admin/outreach/subcontractorlistrow/?snapshot__id__exact={other_list.pk}",
    ]:
        response = page.goto(url)
        assert response.status in (403, 404) or "TOBI" not in page.inner_text("#content"), url
    response = page.request.get(f"/admin/outreach/subcontractorlist/{other_list.pk}/download/csv/")
    assert response.status == 404
    assert list(ListDelivery.objects.values_list("snapshot", "file_format")) == [(own_list.pk, "xlsx")]
