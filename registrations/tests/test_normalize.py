import pytest

from registrations.normalize import digits, is_number, katakana, search_key


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
