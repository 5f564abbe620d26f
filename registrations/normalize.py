"""Normalised keys for search: what the desk types must find what was registered.

NFKC folds widths (ﾀｶﾊｼ → タカハシ, ＡＢＣ → ABC) and ㈱ → (株), ㍿ → 株式会社. Every
other spelling a caller may type for the same name is listed once, in EQUIVALENCES
(variant kanji, counters and connectors in place names, the long vowel, noise), and
folded by `fold` for the stored keys and the query alike. After a change to the
table, `registrations.search_keys.rekey` rewrites the stored keys (run it from a
data migration, as 0015_rekey_spelling_variants does).
"""

import re
import unicodedata
from dataclasses import dataclass

import jaconv

ANYWHERE = "anywhere"
BETWEEN_KANJI = "between kanji"
AFTER_KANA = "after kana"
NOISE = "noise"


@dataclass(frozen=True)
class Equivalence:
    """Characters (`variants`) that a name search treats as `usual`, where they stand in a name."""

    usual: str
    variants: str
    where: str = ANYWHERE


# The one table of spelling equivalences. Folding happens after NFKC, before hiragana
# become katakana. Deliberately absent: 部 (渡部 is not 渡辺) and readings (河野 is
# both コウノ and カワノ: the reading is matched as the register holds it).
EQUIVALENCES = [
    # Variant kanji (異体字) that registers hold and callers do not type.
    Equivalence("高", "髙"), Equivalence("崎", "﨑嵜"), Equivalence("徳", "德"), Equivalence("辺", "邊邉"),
    Equivalence("斉", "齋齊斎"), Equivalence("浜", "濱濵"), Equivalence("沢", "澤"), Equivalence("広", "廣"),
    Equivalence("国", "國"), Equivalence("桜", "櫻"), Equivalence("真", "眞"), Equivalence("吉", "𠮷"),
    Equivalence("富", "冨"), Equivalence("槙", "槇"), Equivalence("瀬", "瀨"), Equivalence("薮", "藪"),
    Equivalence("篭", "籠"), Equivalence("渕", "淵"), Equivalence("円", "圓"), Equivalence("実", "實"),
    Equivalence("竜", "龍"), Equivalence("栄", "榮"), Equivalence("黒", "黑"), Equivalence("恵", "惠"),
    Equivalence("増", "增"), Equivalence("団", "團"), Equivalence("来", "來"), Equivalence("桑", "桒"),
    Equivalence("館", "舘"), Equivalence("静", "靜"), Equivalence("昇", "曻"), Equivalence("弥", "彌"),
    Equivalence("与", "與"), Equivalence("条", "條"),
    # Counters and connectors in place names: 霞ヶ浦 = 霞ケ浦 = 霞が浦, 〇ノ宮 = 〇の宮. Only
    # after a kanji and before a kanji or the end (a query cut short: 霞が), so kana in
    # words and kana names (山がた, カガワ, ノムラ) keep their letters.
    Equivalence("ヶ", "ケヵカガけかがゕゖ", BETWEEN_KANJI),
    Equivalence("ノ", "の", BETWEEN_KANJI),
    # Dashes typed for the long vowel: センター = センタ－ = センタ‐ = ｾﾝﾀｰ. Only right after
    # a kana letter and not before a digit or a Latin letter (ビル-1 is a separator).
    Equivalence("ー", "-‐‑‒–—―─━−－ｰ", AFTER_KANA),
    # Spaces, middle dots, punctuation and symbols carry no meaning in a name (nor do other
    # white space and variation selectors: 葛󠄀 is 葛; see _compile).
    Equivalence("", " \u3000・･.,、。-‐－―'\"`!?()[]{}「」『』/\\&＆", NOISE),
]  # fmt: skip

_KANJI = r"[々〇\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
_KANA_LETTER = r"[ぁ-ゖァ-ヺ]"


def _compile(where: str) -> tuple[re.Pattern, dict[str, str]]:
    families = [e for e in EQUIVALENCES if e.where == where]
    to_usual = {variant: e.usual for e in families for variant in e.variants}
    characters = "".join(re.escape(c) for c in to_usual)
    contexts = {
        BETWEEN_KANJI: f"(?<={_KANJI})[{characters}](?={_KANJI}|$)",
        AFTER_KANA: f"(?<={_KANA_LETTER})[{characters}]+(?![0-9A-Za-z])",
        NOISE: f"[{characters}\\s\ufe00-\ufe0f\U000e0100-\U000e01ef]+",
    }
    return re.compile(contexts[where]), to_usual


_VARIANT_KANJI = str.maketrans({v: e.usual for e in EQUIVALENCES if e.where == ANYWHERE for v in e.variants})
_CONNECTOR_RE, _CONNECTORS = _compile(BETWEEN_KANJI)
_DASH_RE, _DASHES = _compile(AFTER_KANA)
_NOISE_RE, _ = _compile(NOISE)

# Legal forms (after folding), longest first so that "カブシキガイシャ" goes before
# "カブシキ" would. Each is removed from the key.
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
_NON_DIGITS_RE = re.compile(r"\D")
_KANJI_RE = re.compile(_KANJI)


def fold(text: str) -> str:
    """Width, variant, connector, long-vowel and script folding without removing anything."""
    text = unicodedata.normalize("NFKC", text or "").translate(_VARIANT_KANJI)
    text = _CONNECTOR_RE.sub(lambda match: _CONNECTORS[match[0]], text)
    text = _DASH_RE.sub(lambda match: "".join(_DASHES[c] for c in match[0]), text)
    return jaconv.hira2kata(text).lower()


def search_key(text: str) -> str:
    """The key a name or its kana reading is stored and searched under."""
    text = _LEGAL_FORM_RE.sub("", fold(text))
    return _NOISE_RE.sub("", text)


def has_kanji(text: str) -> bool:
    """True when a key holds a kanji (so it cannot be the start of a kana reading)."""
    return bool(_KANJI_RE.search(text))


def digits(text: str) -> str:
    """Only the ASCII digits of a value typed or imported in any width and format."""
    return _NON_DIGITS_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def katakana(text: str) -> str:
    """A kana reading as full-width katakana (the register's stored form)."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "")).strip()


def is_number(text: str) -> bool:
    """True for an ID or phone number typed with any separators (03-1234-5678, (03)…)."""
    return bool(re.fullmatch(r"[\d\s\-‐()+]*\d[\d\s\-‐()+]*", unicodedata.normalize("NFKC", text or "")))
