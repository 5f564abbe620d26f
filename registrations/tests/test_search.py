import pytest
from django.db import connection

from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from registrations.tests.spellings import FAMILIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def takahashi():
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ", phone="06-1111-2222")
    return BusinessFactory(
        ccus_id="12345678901234",
        corporate_number="5835678256246",
        name="株式会社髙橋工務店",
        name_kana="カブシキガイシャタカハシコウムテン",
        phone="03-1234-5678",
    )


@pytest.mark.parametrize(
    "query",
    [
        "ﾀｶﾊｼｺｳﾑﾃﾝ",
        "たかはしこうむてん",
        "(株)髙橋工務店",
        "高橋工務店",
        "株式会社髙橋工務店",
        "髙橋",
        "タカハシ",
        "工務店",
        "12345678901234",
        "5835678256246",
        "03-1234-5678",
        "0312345678",
        "(03)1234-5678",
        "０３－１２３４－５６７８",
    ],
)
def test_search_finds_the_business_by_any_variant(takahashi, query):
    assert list(Business.objects.search(query)) == [takahashi]


def test_short_queries_match_the_start_of_a_name(takahashi):
    assert list(Business.objects.search("高")) == [takahashi]
    assert list(Business.objects.search("ﾀｶ")) == [takahashi]


def test_search_finds_nothing_for_strangers(takahashi):
    assert not Business.objects.search("鈴木").exists()
    assert not Business.objects.search("99999999999999").exists()


@pytest.mark.parametrize(("stored", "typed"), FAMILIES + [(typed, stored) for stored, typed in FAMILIES])
def test_a_stored_variant_is_found_by_the_typed_one(stored, typed):
    """Issue 23: each family, the register's spelling found by the caller's and the other way round."""
    BusinessFactory(name="株式会社佐藤電気", name_kana="カブシキガイシャサトウデンキ")
    business = BusinessFactory(name=f"株式会社{stored}", name_kana="カブシキガイシャ")
    assert list(Business.objects.search(typed)) == [business]
    assert list(Business.objects.search(f"(株){typed}")) == [business]


def test_a_stored_reading_is_found_by_its_typed_variants():
    business = BusinessFactory(name="株式会社霞ケ浦センター", name_kana="カブシキガイシャカスミガウラセンタ－")
    for typed in ["かすみがうらせんたー", "ｶｽﾐｶﾞｳﾗｾﾝﾀｰ", "カスミガウラセンター", "霞が浦センタ‐", "霞ヶ浦ｾﾝﾀｰ"]:
        assert list(Business.objects.search(typed)) == [business], typed


def test_a_query_cut_short_after_the_connector_finds_the_place_name():
    business = BusinessFactory(name="霞ヶ浦建設", name_kana="カスミガウラケンセツ")
    assert list(Business.objects.search("霞が")) == [business]
    assert list(Business.objects.search("霞ケ")) == [business]


def test_watanabe_and_watabe_stay_different_businesses():
    watanabe = BusinessFactory(name="渡邊建設", name_kana="ワタナベケンセツ")
    watabe = BusinessFactory(name="渡部建設", name_kana="ワタベケンセツ")
    assert list(Business.objects.search("渡辺建設")) == [watanabe]
    assert list(Business.objects.search("渡邉")) == [watanabe]
    assert list(Business.objects.search("渡部建設")) == [watabe]


def test_kono_is_found_by_either_reading_of_its_own():
    kouno = BusinessFactory(name="河野建設", name_kana="コウノケンセツ")
    kawano = BusinessFactory(name="河野工業", name_kana="カワノコウギョウ")
    assert list(Business.objects.search("こうの")) == [kouno]
    assert list(Business.objects.search("ｶﾜﾉ")) == [kawano]
    assert list(Business.objects.search("河野").order_by("pk")) == [kouno, kawano]


def test_kana_names_are_not_folded_as_connectors():
    kagawa = BusinessFactory(name="カガワ設備", name_kana="カガワセツビ")
    BusinessFactory(name="カカワ設備", name_kana="カカワセツビ")
    assert list(Business.objects.search("かがわ")) == [kagawa]


def search_plan(query: str) -> str:
    """PostgreSQL's plan for a name search, with sequential scans ruled out as on a large register."""
    sql, params = Business.objects.search(query).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", ["高橋工務店", "霞が浦建設", "ｾﾝﾀ-建設"])
def test_trigram_index_serves_name_search(postgres, takahashi, query):
    BusinessFactory(name="株式会社霞ヶ浦建設", name_kana="カブシキガイシャカスミガウラケンセツ")
    BusinessFactory(name="センター建設", name_kana="センターケンセツ")
    assert "business_search_trgm" in search_plan(query)


@pytest.mark.parametrize("query", ["高", "霞が"])
def test_prefix_index_serves_short_search(postgres, takahashi, query):
    plan = search_plan(query)
    assert "business_name_key_prefix" in plan
    assert "business_kana_key_prefix" not in plan  # a kanji cannot start a reading


def test_short_kana_queries_match_the_start_of_a_name_or_a_reading(postgres, takahashi):
    katakana_name = BusinessFactory(name="タカラ工業", name_kana="タカラコウギョウ")
    assert list(Business.objects.search("たか").order_by("pk")) == [takahashi, katakana_name]
    plan = search_plan("たか")
    assert "business_name_key_prefix" in plan and "business_kana_key_prefix" in plan
