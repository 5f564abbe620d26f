import pytest

from registrations.normalize import digits, is_number, katakana, search_key
from registrations.tests.spellings import FAMILIES


@pytest.mark.parametrize(
    "typed",
    [
        "株式会社髙橋工務店",
        "ﾀｶﾊｼｺｳﾑﾃﾝ",
        "たかはしこうむてん",
        "(株)髙橋工務店",
        "㈱髙橋工務店",
        "高橋工務店",
        "（株）　高橋　工務店",
    ],
)
def test_variants_fold_to_one_key(typed):
    assert search_key(typed) in {"高橋工務店", "タカハシコウムテン"}


def test_legal_form_kana_is_removed():
    assert search_key("カブシキガイシャタカハシコウムテン") == "タカハシコウムテン"
    assert search_key("ﾕｳｹﾞﾝｶﾞｲｼｬ ｻﾄｳﾃﾞﾝｷ") == "サトウデンキ"


def test_variant_kanji_fold():
    assert search_key("山﨑建設") == search_key("山崎建設")
    assert search_key("德田組") == search_key("徳田組")


def test_long_vowel_mark_is_kept():
    assert search_key("ｾﾝﾀｰ") == "センター"


def test_digits_from_any_format():
    assert digits("03-1234-5678") == "0312345678"
    assert digits("０３（１２３４）５６７８") == "0312345678"


def test_is_number_accepts_separators_but_not_names():
    assert is_number("03-1234-5678")
    assert is_number("(03) 1234 5678")
    assert not is_number("高橋工務店")
    assert not is_number("")


def test_katakana_reading():
    assert katakana("たかはし ｺｳﾑﾃﾝ") == "タカハシ コウムテン"


@pytest.mark.parametrize(("stored", "typed"), FAMILIES + [(typed, stored) for stored, typed in FAMILIES])
def test_each_family_folds_to_one_key_both_ways(stored, typed):
    assert search_key(stored) == search_key(typed)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("渡辺建設", "渡部建設"),  # different names, not variants
        ("河野建設", "川野建設"),
        ("霞ヶ浦建設", "霞浦建設"),  # the connector is part of the name
        ("一ノ瀬工業", "一瀬工業"),
        ("センター建設", "センタ建設"),
        ("ビル-1", "ビルー1"),  # a hyphen before a number is not the long vowel
    ],
)
def test_different_names_keep_different_keys(one, other):
    assert search_key(one) != search_key(other)


def test_kana_in_kana_names_is_not_folded_as_a_connector():
    assert search_key("カガワ設備") == "カガワ設備"
    assert search_key("かがわ") == "カガワ"
    assert search_key("山がた建設") == "山ガタ建設"  # が between kanji and kana stays が
    assert search_key("のむら工業") == "ノムラ工業"
    assert search_key("タカノケンセツ") == "タカノケンセツ"


def test_dashes_between_digits_are_noise_not_the_long_vowel():
    assert search_key("6-9-12") == "6912"
    assert search_key("第2－センター") == "第2センター"
    assert search_key("ビル－1号") == "ビル1号"


def test_a_connector_at_the_end_of_a_query_folds_like_inside_a_name():
    assert search_key("霞が") == search_key("霞ケ") == "霞ヶ"
    assert search_key("霞ヶ浦").startswith(search_key("霞が"))
