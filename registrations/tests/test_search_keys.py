"""Re-keying the register (registrations.search_keys, migration 0015) and keys on every write path."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from ccus.importing import run_import
from ccus.tabular import open_table
from registrations.imports import BusinessRows
from registrations.models import Business
from registrations.normalize import search_key
from registrations.search_keys import rekey
from registrations.tests.factories import BusinessFactory
from registrations.tests.files import business_row, csv_bytes
from registrations.tests.test_search import search_plan

pytestmark = pytest.mark.django_db


def make_stale(business: Business) -> None:
    """Keys as an older table made them: 霞ケ浦 and 霞が浦 apart, the dash dropped."""
    Business.objects.filter(pk=business.pk).update(
        name_key="霞ケ浦センタ", kana_key="カスミガウラセンタ", search_text="霞ケ浦センタ\nカスミガウラセンタ"
    )


@pytest.fixture
def stale():
    business = BusinessFactory(name="株式会社霞ケ浦センタ－", name_kana="カブシキガイシャカスミガウラセンタ－")
    make_stale(business)
    return Business.objects.get(pk=business.pk)


def test_rekey_rewrites_only_stale_rows_and_makes_them_findable(stale):
    current = BusinessFactory(name="佐藤電気", name_kana="サトウデンキ")
    assert not Business.objects.search("霞が浦センター").exists()
    assert rekey(batch_size=1) == (2, 1)
    assert list(Business.objects.search("霞が浦センター")) == [stale]
    assert list(Business.objects.search("かすみがうらせんたー")) == [stale]
    assert list(Business.objects.search("佐藤電気")) == [current]
    assert rekey() == (2, 0)


def test_rekey_leaves_the_business_itself_untouched(stale):
    history = stale.history.count()
    rekey()
    business = Business.objects.get(pk=stale.pk)
    assert business.updated_at == stale.updated_at
    assert business.history.count() == history
    assert (business.name_key, business.search_text) == ("霞ヶ浦センター", "霞ヶ浦センター\nカスミガウラセンター")


def test_the_migration_rekeys_the_register(stale):
    migration = importlib.import_module("registrations.migrations.0015_rekey_spelling_variants")
    migration.rekey_register(apps, connection.schema_editor())
    assert list(Business.objects.search("霞ヶ浦")) == [stale]


def test_search_indexes_still_serve_rekeyed_keys(postgres, stale):
    rekey(everything=True)
    for query, index in [("霞が浦センター", "business_search_trgm"), ("霞が", "business_name_key_prefix")]:
        assert index in search_plan(query)
        assert list(Business.objects.search(query)) == [stale]


def test_an_imported_business_is_keyed_by_the_table():
    data = csv_bytes([business_row(商号="株式会社霞ケ浦センタ－", 商号カナ="カブシキガイシャカスミガウラセンタ－")])
    with open_table(io.BytesIO(data)) as table:
        assert run_import(BusinessRows(), table, dry_run=False).ok
    business = Business.objects.get()
    assert business.name_key == "霞ヶ浦センター"
    assert list(Business.objects.search("霞が浦ｾﾝﾀｰ")) == [business]


def test_a_saved_rename_is_keyed_by_the_table():
    business = BusinessFactory(name="株式会社髙橋工務店")
    business.name = "𠮷田ヶ丘建設"
    business.save()
    assert list(Business.objects.search("吉田が丘")) == [business]


def test_search_text_has_a_fine_statistics_target(postgres):
    """So that the planner reads a rare name's matches from the trigram index (migration 0015)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'registrations_business'::regclass "
            "AND attname = 'search_text'"
        )
        assert cursor.fetchone()[0] == 1000


def test_the_demo_register_is_keyed_by_the_table():
    call_command("seed_demo", "--businesses", "400", stdout=io.StringIO())
    rows = list(Business.objects.values_list("name", "name_kana", "name_key", "kana_key"))
    assert all((search_key(name), search_key(kana)) == (nk, kk) for name, kana, nk, kk in rows)
    assert any("ヶ" in name_key for *_, name_key, _ in rows)  # the demo holds place names (霞ケ浦 …)
    assert rekey() == (400, 0)
