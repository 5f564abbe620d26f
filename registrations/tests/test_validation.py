import random
import sys
import unicodedata

import pytest
from django.utils import translation
from stdnum.jp import cn

from registrations.forms import BusinessForm
from registrations.models import Business, CapitalBand, Prefecture
from registrations.tests.factories import BusinessFactory
from registrations.validation import corporate_check_digit

VALID_CORPORATE_NUMBER = "5835678256246"


def form_data(**overrides):
    data = {
        "ccus_id": "12345678901234",
        "corporate_number": VALID_CORPORATE_NUMBER,
        "entity_type": Business.EntityType.CORPORATION,
        "name": "株式会社髙橋工務店",
        "name_kana": "かぶしきがいしゃたかはしこうむてん",
        "capital": "30000000",
        "prefecture": "13",
        "postal_code": "100-0001",
        "address": "千代田区千代田1-1",
        "phone": "03-1234-5678",
        "email": "info@example.jp",
        "registered_on": "2021-12-10",
        "expires_on": "2026-12-31",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


@pytest.mark.django_db
def test_valid_business_is_saved_normalised():
    form = BusinessForm(data=form_data())
    assert form.is_valid(), form.errors
    business = form.save()
    assert business.postal_code == "1000001"
    assert business.name_kana == "カブシキガイシャタカハシコウムテン"
    assert business.capital_band == CapitalBand.FROM_20M
    assert business.phone_digits == "0312345678"
    assert business.name_key == "高橋工務店"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ccus_id", "1234567890123", "事業者IDは14桁"),
        ("corporate_number", "5835678256247", "法人番号のチェックデジット"),
        ("corporate_number", "12345", "法人番号は13桁"),
        ("postal_code", "0000000", "郵便番号 0000000 は存在しません"),
        ("postal_code", "12345", "郵便番号は7桁"),
        ("postal_code", "060-0001", "北海道"),
        ("registered_on", "2021-02-30", "日付"),  # the expiry is computed from it, not typed
    ],
)
def test_invalid_values_are_refused_in_japanese(field, value, message):
    form = BusinessForm(data=form_data(**{field: value}))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


@pytest.mark.django_db
def test_duplicate_ccus_id_is_refused():
    BusinessFactory(ccus_id="12345678901234")
    form = BusinessForm(data=form_data())
    assert not form.is_valid()
    assert "ccus_id" in form.errors


@pytest.mark.parametrize(
    ("capital", "sole", "individual", "band"),
    [
        (None, True, True, CapitalBand.SOLE_PROPRIETOR),
        (None, False, True, CapitalBand.UNDER_5M),
        (4_999_999, False, False, CapitalBand.UNDER_5M),
        (5_000_000, False, False, CapitalBand.FROM_5M),
        (10_000_000, False, False, CapitalBand.FROM_10M),
        (49_999_999, False, False, CapitalBand.FROM_20M),
        (50_000_000_000, False, False, CapitalBand.FROM_50B),
    ],
)
def test_capital_band(capital, sole, individual, band):
    assert CapitalBand.for_capital(capital, sole_proprietor=sole, individual=individual) == band


@pytest.mark.django_db
def test_all_prefectures_and_trades_are_seeded():
    from registrations.models import Trade, TradeGroup

    assert Prefecture.objects.count() == 47
    assert Prefecture.objects.get(code="13").name == "東京都"
    assert Trade.objects.count() == 29
    assert Trade.objects.get(code="29").name == "解体"
    assert set(TradeGroup.objects.get(name="設備").trades.values_list("name", flat=True)) >= {"電気", "管"}


def test_the_corporate_check_digit_is_stdnums():
    draw = random.Random(22)
    drawn = [f"{draw.randrange(10**12):012d}" for _ in range(20_000)]
    numbers = ["000000000000", "999999999999", "835678256246", *drawn]
    assert [corporate_check_digit(n) for n in numbers] == [cn.calc_check_digit(n) for n in numbers]


def test_no_invisible_character_passes_for_printable():
    """check_single_line's quick answer: isprintable() is False for every character it refuses."""
    refused = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in {"Cc", "Cf", "Zl", "Zp"}]
    assert refused and not any(character.isprintable() for character in refused)
