import pytest
from django.db import connection

from registrations.models import Business
from registrations.tests.factories import BusinessFactory

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


def test_trigram_index_serves_name_search(postgres, takahashi):
    sql, params = Business.objects.search("高橋工務店").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_search_trgm" in plan


def test_prefix_index_serves_short_search(postgres, takahashi):
    sql, params = Business.objects.search("高").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_name_key_prefix" in plan
