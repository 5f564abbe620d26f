"""Importing the business register: Excel damage, all or nothing, re-import, dry run."""

import datetime
import io

import pytest
from django.utils import translation

from ccus.importing import run_import
from ccus.tabular import open_table
from registrations.imports import BusinessRows
from registrations.models import Business, CapitalBand, Membership
from registrations.tests.factories import AssociationFactory, BusinessFactory
from registrations.tests.files import business_row, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def import_file(data: bytes, dry_run: bool = False):
    with open_table(io.BytesIO(data)) as table:
        return run_import(BusinessRows(), table, dry_run=dry_run)


def errors_of(outcome) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in outcome.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_valid_file_in_any_encoding_creates_the_business_normalised(encoding):
    outcome = import_file(csv_bytes([business_row()], encoding))
    assert outcome.ok, errors_of(outcome)
    business = Business.objects.get(ccus_id="12345678901234")
    assert business.name == "株式会社髙橋工務店"
    assert business.name_kana == "カブシキガイシャタカハシコウムテン"
    assert business.capital == 30_000_000
    assert business.capital_band == CapitalBand.FROM_20M
    assert business.entity_type == Business.EntityType.CORPORATION  # inferred from the corporate number
    assert business.postal_code == "1000001"
    assert business.name_key == "高橋工務店"
    assert business.phone_digits == "0312345678"
    assert business.expires_on == datetime.date(2026, 12, 31)
    assert sorted(business.trades.values_list("name", flat=True)) == ["とび・土工・コンクリート", "大工"]


def test_an_xlsx_with_numeric_cells_imports_like_the_csv():
    row = business_row()
    row.update({"事業者ID": 12345678901234, "法人番号": 5835678256246, "資本金": 30000000, "郵便番号": 1000001})
    row["都道府県"] = 13
    row["登録日"] = datetime.date(2021, 12, 10)  # Excel stores it as a datetime
    outcome = import_file(xlsx_bytes([list(row.values())]))
    assert outcome.ok, errors_of(outcome)
    business = Business.objects.get()
    assert (business.ccus_id, business.corporate_number, business.prefecture_id) == (
        "12345678901234",
        "5835678256246",
        "13",
    )


def test_excel_damage_is_repaired_where_it_can_be():
    row = business_row(
        郵便番号="600001", 都道府県="1", 住所="札幌市中央区北一条西1", 法人番号="", 資本金="", 一人親方="○"
    )
    outcome = import_file(csv_bytes([row]))
    assert outcome.ok, errors_of(outcome)
    business = Business.objects.get()
    assert (business.postal_code, business.prefecture.name) == ("0600001", "北海道")
    assert business.entity_type == Business.EntityType.INDIVIDUAL
    assert business.is_sole_proprietor
    assert business.capital_band == CapitalBand.SOLE_PROPRIETOR


def test_an_id_excel_turned_into_exponent_notation_is_an_error_naming_the_cause():
    outcome = import_file(csv_bytes([business_row(事業者ID="1.23457E+13")]))
    assert errors_of(outcome) == [
        (
            2,
            "事業者ID",
            "1.23457E+13 はExcelで指数表記に変換されたIDで、桁が失われています。"
            "Excelでこの列を文字列形式にして、ファイルを保存し直してください。",
        )
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("法人番号", "5835678256247", "法人番号のチェックデジット"),
        ("事業者ID", "1234567890123", "事業者IDは14桁"),
        ("都道府県", "東都", "東都 という都道府県はありません"),
        ("郵便番号", "0000000", "郵便番号 0000000 は存在しません"),
        ("郵便番号", "060-0001", "北海道"),
        ("資本金", "三千万", "資本金は円単位の数字"),
        ("業種", "大工・宇宙", "業種が不明です: 宇宙"),
        ("所属団体", "NOPE", "団体コードが登録されていません: NOPE"),
        ("登録日", "2021/02/30", "2021/02/30 は存在しない日付です"),
        ("有効期限", "2026年12月31日", "YYYY-MM-DD"),
        ("一人親方", "たぶん", "1か0"),
        ("法人個人", "会社", "法人か個人"),
        ("メールアドレス", "not-an-address", "メールアドレス"),
    ],
)
def test_each_bad_cell_is_reported_with_row_and_column_in_japanese(column, value, message):
    outcome = import_file(csv_bytes([business_row(事業者ID="12345678901230"), business_row(**{column: value})]))
    assert not outcome.ok
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "郵便番号" if value == "060-0001" else column)]
    assert message in outcome.errors[0].message
    assert not Business.objects.exists()


def test_one_bad_row_among_many_writes_nothing_and_every_error_is_listed():
    rows = [business_row(事業者ID=f"1234567890{n:04d}") for n in range(2_500)]
    rows[10]["都道府県"] = "東都"
    rows[2_400]["資本金"] = "abc"
    rows[2_400]["登録日"] = "2021-13-01"
    outcome = import_file(csv_bytes(rows))
    assert [(e.row, e.column) for e in outcome.errors] == [(12, "都道府県"), (2402, "資本金"), (2402, "登録日")]
    assert outcome.summary() == "2行に3件のエラーがあります。何も取り込んでいません"
    assert not Business.objects.exists()


def test_the_same_id_twice_in_a_file_is_an_error():
    outcome = import_file(csv_bytes([business_row(), business_row(商号="別の会社")]))
    assert errors_of(outcome) == [(3, "事業者ID", "事業者ID 12345678901234 がファイル内で重複しています。")]
    assert not Business.objects.exists()


def test_a_missing_required_column_is_reported_on_the_header_row():
    header = ["事業者ID", "商号", "郵便番号", "住所", "登録日"]
    outcome = import_file(csv_bytes([business_row()], header=header))
    assert errors_of(outcome) == [(1, "都道府県", "見出し行にこの列がありません。")]


def test_english_headers_are_accepted():
    row = business_row()
    english = ["ccus_id", "name", "postal_code", "prefecture", "address", "registered_on"]
    japanese = ["事業者ID", "商号", "郵便番号", "都道府県", "住所", "登録日"]
    data = csv_bytes([{e: row[j] for e, j in zip(english, japanese, strict=True)}], header=english)
    assert import_file(data).ok
    assert Business.objects.get().entity_type == Business.EntityType.INDIVIDUAL


def test_reimporting_the_same_file_changes_nothing():
    AssociationFactory(code="ZENKEN")
    data = csv_bytes([business_row(所属団体="ZENKEN"), business_row(事業者ID="12345678901235", 業種="電 管")])
    assert import_file(data).counts["created"] == 2
    stamp = Business.objects.get(ccus_id="12345678901234").updated_at
    again = import_file(data)
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    assert Business.objects.get(ccus_id="12345678901234").updated_at == stamp
    assert Membership.objects.count() == 1


def test_an_existing_business_is_updated_by_id_and_keeps_what_the_file_does_not_give():
    business = BusinessFactory(ccus_id="12345678901234", contact_person="佐藤", email="old@example.jp")
    business.email_bounced_since = datetime.date(2025, 1, 1)
    business.save()
    outcome = import_file(csv_bytes([business_row(業種="解")]))
    assert (outcome.counts["updated"], outcome.preview[0].before["email"]) == (1, "old@example.jp")
    business.refresh_from_db()
    assert business.name == "株式会社髙橋工務店"
    assert business.contact_person == "佐藤"  # not a column of the file
    assert business.email_bounced_since is None  # the address it was about has changed
    assert list(business.trades.values_list("name", flat=True)) == ["解体"]


def test_a_dry_run_reports_what_would_change_and_writes_nothing():
    BusinessFactory(ccus_id="12345678901234")
    outcome = import_file(csv_bytes([business_row(), business_row(事業者ID="12345678901235")]), dry_run=True)
    assert (outcome.counts["created"], outcome.counts["updated"]) == (1, 1)
    assert outcome.summary().endswith("（確認のみ: 何も書き込んでいません）")
    assert Business.objects.count() == 1
    assert Business.objects.get().name.startswith("株式会社テスト建設")


@pytest.mark.parametrize(
    ("registered", "expires"),
    [
        ("2018-04-01", "2024-03-31"),
        ("2019/3/31", "2024-03-31"),
        ("2019-04-01", "2024-04-30"),
        ("2025-04-15", "2030-04-30"),
    ],
)
def test_an_empty_expiry_is_computed_and_a_given_one_wins(registered, expires):
    rows = [
        business_row(登録日=registered),
        business_row(事業者ID="12345678901235", 登録日=registered, 有効期限="2031/1/31"),
    ]
    assert import_file(csv_bytes(rows)).ok
    computed, given = Business.objects.order_by("ccus_id")
    assert computed.expires_on.isoformat() == expires
    assert given.expires_on == datetime.date(2031, 1, 31)


@pytest.mark.parametrize(
    ("cell", "trades"),
    [
        ("とび・土工・コンクリート・タイル・れんが・ブロック", ["05", "10"]),
        ("05,10、13 2", ["02", "05", "10", "13"]),
        ("と・タ・ほ・しゅ", ["05", "10", "13", "14"]),
        ("電気通信・電気", ["08", "22"]),
        ("ﾀｲﾙ･れんが･ﾌﾞﾛｯｸ", ["10"]),
    ],
)
def test_trades_by_name_short_form_or_code_with_dotted_names_taken_whole(cell, trades):
    assert import_file(csv_bytes([business_row(業種=cell)])).ok
    assert sorted(Business.objects.get().trades.values_list("code", flat=True)) == trades


def test_references_are_resolved_per_chunk_not_per_row(django_assert_max_num_queries):
    rows = [business_row(事業者ID=f"1234567890{n:04d}", 業種="電・管") for n in range(600)]
    assert import_file(csv_bytes(rows[:300])).ok
    rows[0]["商号"] = "株式会社改名"
    with django_assert_max_num_queries(24):
        outcome = import_file(csv_bytes(rows))
    assert (outcome.counts["created"], outcome.counts["updated"], outcome.counts["unchanged"]) == (300, 1, 299)
