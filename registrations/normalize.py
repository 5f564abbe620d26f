"""Normalised keys for search: what the desk types must find what was registered.

NFKC folds widths (ﾀｶﾊｼ → タカハシ, ＡＢＣ → ABC) and ㈱ → (株), ㍿ → 株式会社. It does
not fold hiragana into katakana, legal forms into each other, or variant kanji, so
those are done here with jaconv and two small tables.
"""

import re
import unicodedata

import jaconv

# Variant kanji (異体字) common in company and family names → the usual form.
VARIANT_KANJI = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "德": "徳", "邉": "辺", "邊": "辺", "齋": "斉",
    "齊": "斉", "斎": "斉", "濵": "浜", "濱": "浜", "櫻": "桜", "國": "国", "澤": "沢",
    "廣": "広", "冨": "富", "眞": "真", "槇": "槙", "瀨": "瀬", "藪": "薮",
    "籠": "篭", "淵": "渕", "圓": "円", "實": "実", "龍": "竜", "榮": "栄", "黑": "黒",
    "惠": "恵", "增": "増", "團": "団", "來": "来", "桒": "桑", "舘": "館", "靜": "静",
    "曻": "昇", "彌": "弥", "與": "与", "條": "条",
})  # fmt: skip

# Legal forms (after NFKC and hiragana → katakana), longest first so that
# "カブシキガイシャ" goes before "カブシキ" would. Each is removed from the key.
LEGAL_FORMS = sorted(
    [
        "株式会社", "(株)", "カブシキガイシャ", "カブシキカイシャ", "カ)", "(カ",
        "有限会社", "(有)", "ユウゲンガイシャ", "ユウゲンカイシャ", "ユ)", "(ユ",
        "合同会社", "(同)", "ゴウドウガイシャ", "ゴウドウカイシャ",
        "合資会社", "(資)", "ゴウシガイシャ", "合名会社", "(名)", "ゴウメイガイシャ",
        "一般社団法人", "(一社)", "一般財団法人", "(一財)", "協同組合", "(協)",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_LEGAL_FORM_RE = re.compile("|".join(re.escape(form) for form in LEGAL_FORMS))
# Spaces, punctuation and symbols carry no meaning in a name search; ー does.
_NON_DIGITS_RE = re.compile(r"\D")
_NOISE_RE = re.compile(r"[\s\u3000・･.,、。\-‐－―'\"`!?()\[\]{}「」『』/\\&＆]+")


def fold(text: str) -> str:
    """Width, script and variant folding without removing anything."""
    text = unicodedata.normalize("NFKC", text or "")
    text = jaconv.hira2kata(text)
    return text.translate(VARIANT_KANJI).lower()


def search_key(text: str) -> str:
    """The key a name or its kana reading is stored and searched under."""
    text = _LEGAL_FORM_RE.sub("", fold(text))
    return _NOISE_RE.sub("", text)


def digits(text: str) -> str:
    """Only the ASCII digits of a value typed or imported in any width and format."""
    return _NON_DIGITS_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def katakana(text: str) -> str:
    """A kana reading as full-width katakana (the register's stored form)."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "")).strip()


def is_number(text: str) -> bool:
    """True for an ID or phone number typed with any separators (03-1234-5678, (03)…)."""
    return bool(re.fullmatch(r"[\d\s\-‐()+]*\d[\d\s\-‐()+]*", unicodedata.normalize("NFKC", text or "")))
