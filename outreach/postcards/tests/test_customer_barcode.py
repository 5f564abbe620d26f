"""Japan Post's customer barcode, against the examples of its 郵便番号・バーコードマニュアル."""

import pytest

from outreach.postcards import customer_barcode


@pytest.mark.parametrize(
    ("postal_code", "address", "expected"),
    [
        # The manual's examples (pages 17–20).
        ("2630023", "千葉県千葉市稲毛区緑町3丁目30-8 郵便ビル403号", "26300233-30-8-403"),
        ("2630023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号", "26300233-30-8-403"),
        ("1000013", "東京都千代田区霞が関1丁目3番2号 郵便プラザ503室", "10000131-3-2-503"),
        ("0640804", "北海道札幌市中央区南四条西29丁目1524-23 第2郵便ハウス501", "064080429-1524-23-2-501"),
        # Kanji numerals before 丁目, 番地, 号, 地割 become digits; 大字 before the town is allowed.
        ("1980036", "東京都青梅市河辺町十一丁目六番地一号 郵便タワー601", "198003611-6-1-601"),
        ("0270203", "岩手県宮古市大字津軽石第二地割原514", "02702032-514"),
    ],
)
def test_the_data_is_the_postal_code_and_the_address_number(postal_code, address, expected):
    assert customer_barcode.data(postal_code, address) == expected


@pytest.mark.parametrize(
    ("postal_code", "address"),
    [
        ("3170055", "茨城県日立市宮田町6丁目7-14 ABCビル2F"),  # Latin letters: rules not implemented
        ("1000000", "東京都千代田区千代田1-1"),  # a code for a whole city (以下に掲載がない場合)
        ("1000001", "東京都港区芝公園4-2-8"),  # the address is not in the code's town
    ],
)
def test_no_barcode_where_the_rules_leave_doubt(postal_code, address):
    assert customer_barcode.data(postal_code, address) is None


def test_the_check_character_makes_the_sum_a_multiple_of_19():
    # The manual's example (page 21): 1000013 1-3-2-503 padded with CC4 has the check character 9.
    chars = customer_barcode.characters("10000131-3-2-503")
    assert chars == [*"10000131-3-2-503", "CC4", "CC4", "CC4", "CC4", "9"]
    # Cut to 20 characters before the check (page 20).
    assert customer_barcode.characters("064080429-1524-23-2-501")[:20] == list("064080429-1524-23-2-")


def test_the_bars_are_start_three_per_character_and_stop():
    bars = customer_barcode.bars("26300233-30-8-403")
    assert len(bars) == 67 and bars[:2] == "FD" and bars[-2:] == "DF"
    assert bars[2:5] == "FDA" and bars[5:8] == "DAF"  # 2, 6
    assert set(bars) == {"F", "A", "D", "T"}
