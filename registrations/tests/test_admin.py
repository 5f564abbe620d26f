import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, LinkFactory, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:registrations_business_changelist")
EMPTY_INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in ["memberships", "terms", "renewal_cases", "notices", "returned_mail"]
    for field in ["TOTAL_FORMS", "INITIAL_FORMS"]
}


@pytest.fixture
def desk_client(client):
    client.force_login(staff_user(roles.DESK))
    return client


def test_changelist_shows_the_desk_columns(desk_client):
    BusinessFactory(ccus_id="12345678901234", name="株式会社髙橋工務店")
    response = desk_client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["12345678901234", "株式会社髙橋工務店", "東京都", "1,000万円以上2,000万円未満", "2026年12月31日"]:
        assert text in page


def test_search_by_half_width_kana(desk_client):
    BusinessFactory(name="株式会社髙橋工務店", name_kana="カブシキガイシャタカハシコウムテン")
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ")
    response = desk_client.get(CHANGELIST, {"q": "ﾀｶﾊｼｺｳﾑﾃﾝ"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(Business.objects.filter(name="株式会社髙橋工務店"))


@pytest.mark.parametrize(
    "params",
    [
        {"prefecture__code__exact": "13"},
        {"trades__code__exact": "01"},
        {"trade_group": "1"},
        {"capital_band__exact": "3"},
        {"is_sole_proprietor__exact": "0"},
        {"expiry_month": "2026-12"},
        {"expiry_month": "not-a-month"},
    ],
)
def test_filters_answer(desk_client, params):
    BusinessFactory()
    assert desk_client.get(CHANGELIST, params).status_code == 200


def test_changelist_queries_do_not_grow_with_page_size(desk_client):
    BusinessFactory.create_batch(60)
    with CaptureQueriesContext(connection) as small:
        desk_client.get(CHANGELIST, {"o": "1"})
    BusinessFactory.create_batch(60)
    with CaptureQueriesContext(connection) as large:
        desk_client.get(CHANGELIST, {"o": "1"})
    assert len(large) == len(small)
    assert len(large) <= 20


def test_changelist_never_counts_the_whole_table(desk_client):
    BusinessFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        desk_client.get(CHANGELIST, {"q": "テスト"})
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the paginator counts the result"
    assert all("LIMIT" in sql.upper() or "reltuples" in sql for sql in counts)


def test_change_page_shows_memberships_and_links(desk_client):
    business = BusinessFactory()
    MembershipFactory(business=business)
    prime = LinkFactory(subcontractor=business).prime
    sub = LinkFactory(prime=business).subcontractor
    response = desk_client.get(reverse("admin:registrations_business_change", args=[business.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert prime.ccus_id in page and sub.ccus_id in page
    assert "テスト協会" in page


def test_change_page_lists_the_first_links_and_counts_them_all(desk_client):
    business = BusinessFactory()
    subs = sorted((LinkFactory(prime=business).subcontractor for _ in range(23)), key=lambda b: b.ccus_id)
    response = desk_client.get(reverse("admin:registrations_business_change", args=[business.pk]))
    page = response.content.decode()
    assert "全 23 件を表示" in page
    assert all(sub.ccus_id in page for sub in subs[:20])
    assert not any(sub.ccus_id in page for sub in subs[20:])


def test_desk_adds_a_business(desk_client):
    response = desk_client.post(
        reverse("admin:registrations_business_add"),
        {
            "ccus_id": "98765432109876",
            "corporate_number": "",
            "entity_type": "individual",
            "name": "山田塗装",
            "name_kana": "やまだとそう",
            "prefecture": "13",
            "postal_code": "100-0001",
            "address": "千代田区千代田1-1",
            "phone": "090-1234-5678",
            "registered_on": "2024-05-10",
            "expires_on": "2029-05-31",
            **EMPTY_INLINES,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    business = Business.objects.get(ccus_id="98765432109876")
    assert business.name_kana == "ヤマダトソウ"
    assert business.capital_band == 1
    assert business.terms.get().expires_on.isoformat() == "2029-05-31"


def test_desk_sees_japanese_errors_on_bad_input(desk_client):
    response = desk_client.post(
        reverse("admin:registrations_business_add"),
        {"ccus_id": "123", "postal_code": "0000000", **EMPTY_INLINES},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "事業者IDは14桁" in page
    assert "郵便番号 0000000 は存在しません" in page
    assert not Business.objects.exists()


def test_autocomplete_finds_businesses_by_kana(desk_client):
    BusinessFactory(ccus_id="12345678901234", name="株式会社髙橋工務店", name_kana="カブシキガイシャタカハシコウムテン")
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ")
    response = desk_client.get(
        reverse("admin:autocomplete"),
        {"term": "たかはし", "app_label": "registrations", "model_name": "subcontractlink", "field_name": "prime"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["株式会社髙橋工務店 (12345678901234)"]


def test_operator_may_look_but_not_change(client):
    client.force_login(staff_user(roles.OPERATOR))
    business = BusinessFactory()
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:registrations_business_add")).status_code == 403
    response = client.post(reverse("admin:registrations_business_change", args=[business.pk]), {"name": "x"})
    assert response.status_code == 403


def test_roles_exist_with_least_privilege():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    desk = set(Group.objects.get(name=roles.DESK).permissions.values_list("codename", flat=True))
    assert "change_business" in desk and "delete_business" not in desk
    association = set(Group.objects.get(name=roles.ASSOCIATION_STAFF).permissions.values_list("codename", flat=True))
    assert association == {"view_business", "view_subcontractorlist", "view_subcontractorlistrow"}
