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
    subcontractor_list = list_services.subcontractor_list_request(
        association=association, row_filter="all", as_of=datetime.date(2026, 11, 1)
    )
    return association, member, list_services.subcontractor_list_build(list_id=subcontractor_list.pk)


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
        f"/admin/outreach/subcontractorlistrow/?subcontractor_list__id__exact={other_list.pk}",
    ]:
        response = page.goto(url)
        assert response.status in (403, 404) or "TOBI" not in page.inner_text("#content"), url
    response = page.request.get(f"/admin/outreach/subcontractorlist/{other_list.pk}/download/csv/")
    assert response.status == 404
    assert list(ListDelivery.objects.values_list("subcontractor_list", "file_format")) == [(own_list.pk, "xlsx")]


def test_association_staff_see_a_members_history_without_its_contact_data(page):
    """The desk edits a member's phone, e-mail and address twice; association staff open its history."""
    zenken = AssociationFactory(code="ZENKEN")
    member = BusinessFactory(name="株式会社履歴建設", phone="03-1111-0001", email="before@rireki.example.jp")
    MembershipFactory(business=member, association=zenken)
    desk = staff_user(roles.DESK, "desk1")
    association_staff("zenken", zenken)
    contact = [
        {"phone": "06-2222-0002", "email": "middle@rireki.example.jp", "address": "秘匿町一丁目"},
        {
            "phone": "06-3333-0003",
            "email": "after@rireki.example.jp",
            "address": "秘匿町二丁目",
            "name": "株式会社新履歴建設",
        },
    ]
    for edit in contact:
        for name, value in edit.items():
            setattr(member, name, value)
        member._history_user = desk
        member.save()
    hidden = [
        "03-1111-0001",
        "before@rireki",
        *[edit[name] for edit in contact for name in ("phone", "email", "address")],
    ]

    log_in(page, "zenken")
    page.goto(f"/admin/registrations/business/{member.pk}/history/")
    page.screenshot(path="/tmp/leaks-history-association-staff.png", full_page=True)
    history = page.inner_text("#content")
    assert "株式会社新履歴建設" in history  # the name may be seen, and its change is listed
    assert [value for value in hidden if value in history] == []
    with page.expect_navigation():
        page.click("#change-history tbody tr:last-child a")  # the oldest version
    assert [value for value in hidden if value in page.inner_text("#content")] == []

    page.goto(f"/admin/registrations/business/?email__startswith={member.email[:1]}")
    assert "この一覧は email__startswith で絞り込めません" in page.inner_text("#content-start, .messagelist")
    page.fill("#searchbar", "06-3333-0003")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    assert page.locator("#result_list tbody tr").count() == 0
