"""The subcontractor-list form as the desk uses it: the prime found by 事業者ID or name, errors saying what is wrong."""

import json

import pytest

from ccus import roles
from outreach.models import SubcontractorList
from registrations.tests.factories import AssociationFactory, BusinessFactory, LinkFactory, staff_user

pytestmark = pytest.mark.django_db

ADD = "/admin/outreach/subcontractorlist/add/"


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK, "desk-lists"))
    return client


def _errors(response) -> str:
    assert response.status_code == 200  # the form again, nothing saved
    form = response.context["adminform"].form
    return " ".join([*form.non_field_errors(), *(e for errors in form.errors.values() for e in errors)])


def test_the_prime_is_picked_by_business_id_or_name_not_by_database_number(desk):
    prime = BusinessFactory(name="株式会社髙橋工務店")
    BusinessFactory(name="株式会社別の建設")
    page = desk.get(ADD).content.decode()

    assert 'class="vForeignKeyRawIdAdminField"' not in page
    assert 'data-field-name="prime"' in page and "admin-autocomplete" in page
    assert "事業者IDか商号の一部を入力し、候補から選んでください。" in page
    found = {}
    for term in (prime.ccus_id, "髙橋工務店"):
        response = desk.get(
            "/admin/autocomplete/",
            {"app_label": "outreach", "model_name": "subcontractorlist", "field_name": "prime", "term": term},
        )
        found[term] = [(row["id"], row["text"]) for row in json.loads(response.content)["results"]]
    expected = [(str(prime.pk), f"株式会社髙橋工務店 ({prime.ccus_id})")]
    assert found == {prime.ccus_id: expected, "髙橋工務店": expected}


def test_a_prime_with_subcontractors_is_accepted(desk):
    link = LinkFactory()
    response = desk.post(ADD, {"prime": link.prime.pk, "row_filter": "all", "days": 90, "as_of": "2026-10-05"})
    assert response.status_code == 302
    assert SubcontractorList.objects.get().prime == link.prime


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        ("nothing", "リストを作る元請（事業者IDか商号で検索）か団体を選んでください。"),
        ("both", "元請と団体の両方が選ばれています。どちらか一方だけにしてください。"),
        ("unknown", "その事業者は見つかりません。事業者IDか商号を入力し、候補から選んでください。"),
        ("lonely", "には下請の登録がないため、リストが空になります。"),
    ],
)
def test_each_mistake_gets_its_own_message_and_nothing_is_saved(desk, choose, message):
    link, lonely = LinkFactory(), BusinessFactory(name="株式会社ひとり建設")
    association = AssociationFactory()
    fields = {
        "nothing": {},
        "both": {"prime": link.prime.pk, "association": association.pk},
        "unknown": {"prime": 999_999_999},
        "lonely": {"prime": lonely.pk},
    }[choose]

    errors = _errors(desk.post(ADD, {**fields, "row_filter": "all", "days": 90, "as_of": "2026-10-05"}))

    assert message in errors
    if choose == "lonely":
        assert errors.startswith(str(lonely))
    assert not SubcontractorList.objects.exists()
