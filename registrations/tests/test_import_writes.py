"""The business import's two writers (COPY on PostgreSQL, the ORM elsewhere) and its rules.

The COPY path must leave exactly the rows the ORM path leaves, and the compiled field
rules must say exactly what the model's full_clean() says.
"""

import datetime
import gc
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation

from ccus import importing
from ccus.importing import run_import
from ccus.tabular import open_table
from registrations.business_writes import COLUMNS, CopyWriter, OrmWriter
from registrations.imports import BUSINESS_RULES, BusinessRows
from registrations.models import Business, Membership
from registrations.tests.factories import AssociationFactory, BusinessFactory, MembershipFactory
from registrations.tests.files import business_row, csv_bytes

pytestmark = pytest.mark.django_db
# Columns compared between the two paths (keys and clock readings differ by design).
COMPARED = [c for c in COLUMNS if c not in ("created_at", "updated_at")]


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def import_file(data: bytes, *, orm: bool = False):
    with open_table(io.BytesIO(data)) as table:
        return run_import(BusinessRows(orm=orm), table, dry_run=False)


def register() -> dict:
    """Every business's compared columns, trades and associations, by 事業者ID."""
    return {
        b.ccus_id: (
            {c: getattr(b, c) for c in COMPARED},
            sorted(b.trades.values_list("code", flat=True)),
            sorted(b.associations.values_list("code", flat=True)),
        )
        for b in Business.objects.all()
    }


def histories() -> list[tuple]:
    """The history rows the imports wrote: which business, type, reason and the values kept."""
    kept = [f.attname for f in Business.history.model._meta.concrete_fields if f.attname in COMPARED]
    return sorted(
        (h.ccus_id, h.history_type, h.history_change_reason or "", tuple(getattr(h, c) for c in kept))
        for h in Business.history.exclude(history_change_reason=None)
    )


def existing_business():
    business = BusinessFactory(ccus_id="12345678900001", email="old@example.jp", contact_person="佐藤")
    business.trades.set(["01", "02"])
    business.email_bounced_since = business.phone_invalid_since = datetime.date(2025, 1, 1)
    business.do_not_call_since = datetime.date(2025, 2, 1)
    business.save()
    MembershipFactory(business=business, association=AssociationFactory(code="TOSO"))


FIRST = csv_bytes(
    [
        business_row(事業者ID="12345678900001", 所属団体="ZENKEN TOSO", 業種="解"),
        business_row(
            事業者ID="12345678900002", 法人番号="", 資本金="", 一人親方="○", 商号="ｻﾄｳ建設", 商号カナ="さとう"
        ),
        business_row(事業者ID="12345678900003", 郵便番号="600001", 都道府県="1", 住所="札幌市中央区北一条西1"),
    ]
)
SECOND = csv_bytes(
    [
        business_row(事業者ID="12345678900001", 電話番号="03-9999-0000", 業種="解"),  # phone only: one flag cleared
        business_row(事業者ID="12345678900002", 商号="株式会社佐藤建設", 業種="電・管", 所属団体="ZENKEN"),
        business_row(事業者ID="12345678900003", 郵便番号="600001", 都道府県="1", 住所="札幌市中央区北一条西1"),
    ]
)


def test_the_copy_path_leaves_exactly_the_rows_of_the_orm_path(postgres):
    AssociationFactory(code="ZENKEN")
    results = {}
    for orm in (False, True):
        with transaction.atomic():
            existing_business()
            first, second = import_file(FIRST, orm=orm), import_file(SECOND, orm=orm)
            counts = [(o.counts["created"], o.counts["updated"], o.counts["unchanged"]) for o in (first, second)]
            results[orm] = (counts, register(), histories())
            transaction.set_rollback(True)
    assert results[False] == results[True]
    counts, rows, history = results[False]
    # One row per business each import wrote: 2 created and 1 changed, then 2 changed.
    assert [(ccus_id[-1], t) for ccus_id, t, _reason, _values in history] == [
        ("1", "~"), ("1", "~"), ("2", "+"), ("2", "~"), ("3", "+")
    ]  # fmt: skip
    assert {r for _id, _t, r, _values in history} == {"取込: -"}
    assert counts == [(2, 1, 0), (0, 2, 1)]
    values, trades, associations = rows["12345678900001"]
    assert (values["contact_person"], values["do_not_call_since"]) == ("佐藤", datetime.date(2025, 2, 1))
    assert (values["email_bounced_since"], values["phone_invalid_since"]) == (None, None)
    assert (trades, associations) == (["29"], ["TOSO", "ZENKEN"])
    values, trades, associations = rows["12345678900002"]
    assert (values["name_key"], values["is_sole_proprietor"], values["capital_band"]) == ("佐藤建設", False, 4)
    assert (trades, associations) == (["08", "09"], ["ZENKEN"])


def test_rows_past_the_preview_are_written_as_the_previewed_ones(monkeypatch):
    """New businesses past the preview's room skip their description, not their values."""
    AssociationFactory(code="ZENKEN")
    results, default = {}, importing.PREVIEW_LIMIT
    for limit in (default, 0):
        monkeypatch.setattr(importing, "PREVIEW_LIMIT", limit)
        with transaction.atomic():
            existing_business()
            outcomes = [import_file(FIRST), import_file(SECOND)]
            counts = [(o.counts["created"], o.counts["updated"], o.counts["unchanged"]) for o in outcomes]
            results[limit] = (counts, register(), histories(), [len(o.preview) for o in outcomes])
            transaction.set_rollback(True)
    assert results[0][:3] == results[default][:3]
    assert (results[0][3], results[default][3]) == ([0, 0], [3, 2])


def test_postgresql_writes_by_copy_and_leaves_no_staging_tables(postgres):
    AssociationFactory(code="ZENKEN")
    AssociationFactory(code="TOSO")
    assert isinstance(BusinessRows().writer, CopyWriter)
    assert isinstance(BusinessRows(orm=True).writer, OrmWriter)
    assert import_file(FIRST).ok
    assert import_file(csv_bytes([business_row(事業者ID="12345678900001", 商号="株式会社改名")])).ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'import\\_%' AND relpersistence = 't'")
        assert cursor.fetchone()[0] == 0
    assert Business.objects.get(ccus_id="12345678900001").name_key == "改名"


def test_a_bad_row_after_staged_chunks_writes_nothing(monkeypatch):
    monkeypatch.setattr(BusinessRows, "chunk_size", 2)
    rows = [business_row(事業者ID=f"1234567890{n:04d}") for n in range(5)]
    rows[4]["郵便番号"] = "0000000"
    outcome = import_file(csv_bytes(rows))
    assert [(e.row, e.column) for e in outcome.errors] == [(6, "郵便番号")]
    assert not Business.objects.exists()
    assert not Membership.objects.exists()


HOSTILE_VALUES = [
    {"ccus_id": "123", "corporate_number": "5835678256247", "name": "株" * 201, "email": "not-an-address"},
    {"postal_code": "0000000", "name_kana": "カ" * 201, "phone": "0" * 31, "capital": 10**19},
    {"postal_code": "12345", "entity_type": "company", "address": "", "name": ""},
    {"permit_number": "許" * 61, "representative": "代" * 101, "corporate_number": "123"},
]


@pytest.mark.parametrize("changes", HOSTILE_VALUES)
def test_the_compiled_field_rules_say_what_full_clean_says(changes):
    business = BusinessFactory.build(prefecture_id="13", capital_band=0)
    for name, value in changes.items():
        setattr(business, name, value)
    with pytest.raises(ValidationError) as raised:
        business.clean_fields(exclude=[f.name for f in Business._meta.fields if f.name not in BUSINESS_RULES_NAMES])
    values = {f.attname: getattr(business, f.attname) for f in Business._meta.concrete_fields}
    assert dict(BUSINESS_RULES.errors(values)) == raised.value.message_dict


BUSINESS_RULES_NAMES = {name for name, _field, _test in BUSINESS_RULES.fields}


def test_an_import_leaves_the_garbage_collector_as_it_found_it():
    AssociationFactory(code="ZENKEN")
    AssociationFactory(code="TOSO")
    threshold = gc.get_threshold()
    assert import_file(FIRST).ok
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, 0)
