"""Association staff from outside (HTTP): their members and lists only, nothing of another association."""

import datetime

import pytest
from django.urls import reverse

from ccus import roles
from outreach.lists import services as list_services
from outreach.models import AssociationStaff, ListDelivery, SubcontractorList, SubcontractorListRow
from registrations.tests.factories import (
    AssociationFactory,
    BusinessFactory,
    LinkFactory,
    MembershipFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pass-Word-1234"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def built_list(**target) -> SubcontractorList:
    subcontractor_list = list_services.subcontractor_list_request(
        row_filter="all", as_of=datetime.date(2026, 11, 1), **target
    )
    return list_services.subcontractor_list_build(list_id=subcontractor_list.pk)


@pytest.fixture
def two_associations():
    """ZENKEN and TOBI, each with one member prime, its subcontractor and a list of each scope."""
    world = {}
    for code in ("ZENKEN", "TOBI"):
        association = AssociationFactory(code=code)
        member = BusinessFactory(name=f"{code}元請", phone="03-1111-2222", email=f"{code.lower()}@example.jp")
        MembershipFactory(business=member, association=association)
        sub = BusinessFactory(name=f"{code}下請")
        LinkFactory(prime=member, subcontractor=sub)
        world[code] = {
            "association": association,
            "member": member,
            "sub": sub,
            "prime_list": built_list(prime=member),
            "association_list": built_list(association=association),
        }
    user = staff_user(roles.ASSOCIATION_STAFF, "zenken-staff")
    AssociationStaff.objects.create(user=user, association=world["ZENKEN"]["association"])
    world["user"] = user
    return world


def test_association_staff_list_only_their_members(client, two_associations):
    client.force_login(two_associations["user"])
    page = client.get(reverse("admin:registrations_business_changelist")).content.decode()
    assert "ZENKEN元請" in page
    assert "TOBI元請" not in page and "ZENKEN下請" not in page
    response = client.get(reverse("admin:registrations_business_changelist"), {"q": "TOBI元請"})
    assert response.context["cl"].result_count == 0


def test_association_staff_see_a_member_without_contact_data(client, two_associations):
    client.force_login(two_associations["user"])
    member = two_associations["ZENKEN"]["member"]
    response = client.get(reverse("admin:registrations_business_change", args=[member.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and member.ccus_id in page
    assert "03-1111-2222" not in page and "zenken@example.jp" not in page and member.address not in page


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("admin:registrations_business_change", args=[w["TOBI"]["member"].pk]),
        lambda w: reverse("admin:registrations_business_history", args=[w["TOBI"]["member"].pk]),
        lambda w: reverse("admin:registrations_business_change", args=[w["ZENKEN"]["sub"].pk]),
        lambda w: reverse("admin:outreach_subcontractorlist_change", args=[w["TOBI"]["association_list"].pk]),
        lambda w: reverse("admin:outreach_subcontractorlist_change", args=[w["TOBI"]["prime_list"].pk]),
        lambda w: reverse("admin:outreach_subcontractorlist_download", args=[w["TOBI"]["association_list"].pk, "xlsx"]),
        lambda w: reverse("admin:outreach_subcontractorlist_download", args=[w["TOBI"]["prime_list"].pk, "csv"]),
        lambda w: reverse("admin:outreach_subcontractorlist_download", args=[w["TOBI"]["prime_list"].pk, "sjis"]),
        lambda w: reverse(
            "admin:outreach_subcontractorlistrow_change",
            args=[SubcontractorListRow.objects.filter(subcontractor_list=w["TOBI"]["prime_list"]).get().pk],
        ),
        lambda w: reverse("admin:outreach_subcontractorlist_download", args=[999_999, "xlsx"]),
    ],
)
def test_guessed_urls_to_another_associations_data_are_not_found(client, two_associations, url):
    client.force_login(two_associations["user"])
    response = client.get(url(two_associations))
    assert response.status_code in (403, 404)
    assert not ListDelivery.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "admin:registrations_association_changelist",
        "admin:registrations_subcontractlink_changelist",
        "admin:registrations_membership_changelist",
        "admin:outreach_notice_changelist",
        "admin:outreach_listdelivery_changelist",
        "admin:outreach_subcontractorlist_add",
    ],
)
def test_association_staff_cannot_open_the_councils_other_tables(client, two_associations, name):
    client.force_login(two_associations["user"])
    assert client.get(reverse(name)).status_code == 403


def test_association_staff_list_and_download_their_own_lists(client, two_associations):
    client.force_login(two_associations["user"])
    page = client.get(reverse("admin:outreach_subcontractorlist_changelist")).content.decode()
    own = two_associations["ZENKEN"]
    assert str(own["association_list"]) in page and str(own["prime_list"]) in page
    assert "TOBI" not in page
    rows = client.get(reverse("admin:outreach_subcontractorlistrow_changelist")).content.decode()
    assert "ZENKEN下請" in rows and "TOBI下請" not in rows

    response = client.get(
        reverse("admin:outreach_subcontractorlist_download", args=[own["association_list"].pk, "xlsx"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    delivery = ListDelivery.objects.get()
    assert (delivery.subcontractor_list, delivery.user, delivery.kind, delivery.file_format) == (
        own["association_list"],
        two_associations["user"],
        "download",
        "xlsx",
    )


def test_a_staff_user_in_the_group_without_an_association_sees_nothing(client, two_associations):
    client.force_login(staff_user(roles.ASSOCIATION_STAFF, "no-association"))
    page = client.get(reverse("admin:registrations_business_changelist")).content.decode()
    assert "ZENKEN元請" not in page and "TOBI元請" not in page
    lists = client.get(reverse("admin:outreach_subcontractorlist_changelist")).content.decode()
    assert "ZENKEN" not in lists and "TOBI" not in lists


def test_the_desk_requests_a_list_in_admin_and_sees_it_built(
    client, two_associations, django_capture_on_commit_callbacks
):
    client.force_login(staff_user(roles.DESK, "desk"))
    association = two_associations["TOBI"]["association"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:outreach_subcontractorlist_add"),
            {"association": association.pk, "row_filter": "all", "days": "90", "as_of": "2026-11-01"},
        )
    subcontractor_list = SubcontractorList.objects.filter(association=association).latest("pk")
    assert response.status_code == 302 and response["Location"].endswith(f"/{subcontractor_list.pk}/change/")
    assert (
        subcontractor_list.status,
        subcontractor_list.progress,
        subcontractor_list.row_count,
        subcontractor_list.requested_by.username,
    ) == (
        "done",
        100,
        1,
        "desk",
    )
    page = client.get(response["Location"]).content.decode()
    assert "TOBI下請" not in page and "TOBI元請" in page  # the per-prime summary, not the rows


def test_the_desk_gets_a_japanese_error_for_a_list_without_a_target(client, two_associations):
    client.force_login(staff_user(roles.DESK, "desk"))
    before = SubcontractorList.objects.count()
    response = client.post(
        reverse("admin:outreach_subcontractorlist_add"), {"row_filter": "all", "days": "90", "as_of": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "リストを作る元請（事業者IDか商号で検索）か団体を選んでください。" in response.content.decode()
    assert SubcontractorList.objects.count() == before


def test_association_staff_download_their_list_as_shift_jis_csv(client, two_associations):
    client.force_login(two_associations["user"])
    own = two_associations["ZENKEN"]["association_list"]
    response = client.get(reverse("admin:outreach_subcontractorlist_download", args=[own.pk, "sjis"]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("cp932")
    assert text.startswith("元請事業者ID,元請商号,距離（1＝直接）,事業者ID,商号") and "ZENKEN下請" in text
    assert ListDelivery.objects.get().file_format == "sjis"
