"""Japan Post's customer barcode (カスタマバーコード): its data from postal code and address, and its bars.

Rules from Japan Post's 郵便番号・バーコードマニュアル. The address is split after the town
(町域) its postal code names; from the rest, the 住所表示番号 is taken out: kanji numerals
before 丁目, 丁, 番地, 番, 号, 地割, 線, の or ノ become digits, & / ・ . are dropped, and each run
of other characters before a digit becomes one hyphen. Postal code + 住所表示番号, cut or
padded (CC4) to 20 characters, a mod-19 check character, start and stop: 67 bars.

Only addresses the rules settle without doubt get a barcode; a wrong one is worse than none.
None is made for an address with Latin letters (their supplementary rules are not
implemented), one that does not start with its postal code's city and town as Japan Post
spells them, or a code that stands for a whole city (以下に掲載がない場合).
"""

import functools
import re
import unicodedata

from registrations import postal

KANJI_DIGITS = dict(zip("〇一二三四五六七八九", range(10), strict=True))
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
COUNTERS = "丁目|丁|番地|番|号|地割|線|の|ノ"
LENGTH = 20  # postal code (7) + 住所表示番号 (13)
# Characters in check-value order: 0–9, hyphen (10), CC1–CC8 (11–18); CC4 pads the data.
CHARACTERS = [*"0123456789-", "CC1", "CC2", "CC3", "CC4", "CC5", "CC6", "CC7", "CC8"]
PAD = "CC4"
# Three bars per character: F long, A upper semi-long, D lower semi-long, T timing.
BARS = {
    "1": "FFT", "2": "FDA", "3": "DFA", "4": "FAD", "5": "FTF",
    "6": "DAF", "7": "AFD", "8": "ADF", "9": "TFF", "0": "FTT",
    "-": "TFT", "CC1": "DAT", "CC2": "DTA", "CC3": "ADT", "CC4": "TDA",
    "CC5": "ATD", "CC6": "TAD", "CC7": "TTF", "CC8": "FFF",
}  # fmt: skip
START, STOP = "FD", "DF"
# Bar extents in 0.6 mm units from the bottom of a 3.6 mm tall code (the manual's 10-point size).
UNIT = 0.6
EXTENTS = {"F": (0, 6), "A": (2, 6), "D": (0, 4), "T": (2, 4)}
PITCH = 2  # units from one bar to the next; bars are one unit wide


def kanji_number(text: str) -> int:
    """'十一' → 11, '二十三' → 23, '百五' → 105, '一〇' → 10."""
    if not any(char in KANJI_UNITS for char in text):
        return int("".join(str(KANJI_DIGITS[char]) for char in text))
    total, digit = 0, None
    for char in text:
        if char in KANJI_UNITS:
            total += (1 if digit is None else digit) * KANJI_UNITS[char]
            digit = None
        else:
            digit = KANJI_DIGITS[char]
    return total + (digit or 0)


def address_number(rest: str) -> str | None:
    """The 住所表示番号 of the part of an address after its town ('3丁目30-8 郵便ビル403号' → '3-30-8-403')."""
    text = unicodedata.normalize("NFKC", rest).upper()
    text = re.sub(r"[&/・.]", "", text)
    text = re.sub(rf"[〇一二三四五六七八九十百千]+(?={COUNTERS})", lambda match: str(kanji_number(match[0])), text)
    if re.search(r"[A-Z]", text):
        return None
    return re.sub(r"-+", "-", re.sub(r"[^0-9-]+", "-", text)).strip("-")


_towns = functools.lru_cache(maxsize=100_000)(postal.towns_for)


def data(postal_code: str, address: str) -> str | None:
    """Postal code and 住所表示番号 ('26300233-30-8-403'), or None when no barcode should be printed."""
    address = unicodedata.normalize("NFKC", address)
    for prefecture, city, town in _towns(postal_code):
        if not town or "以下に掲載がない場合" in town:
            return None
        names = [unicodedata.normalize("NFKC", name) for name in (prefecture, city, town)]
        pattern = r"\s*(?:{})?\s*{}\s*(?:大字|字)?\s*{}(.*)".format(*map(re.escape, names))
        if match := re.fullmatch(pattern, address, flags=re.DOTALL):
            number = address_number(match[1])
            return None if number is None else postal_code + number
    return None


def characters(barcode_data: str) -> list[str]:
    """The 20 characters the bars carry: the data cut or padded with CC4, then the check character."""
    chars = list(barcode_data[:LENGTH]) + [PAD] * (LENGTH - len(barcode_data))
    total = sum(CHARACTERS.index(char) for char in chars)
    return [*chars, CHARACTERS[-total % 19]]


def bars(barcode_data: str) -> str:
    """The 67 bars, start to stop, as letters F A D T."""
    return START + "".join(BARS[char] for char in characters(barcode_data)) + STOP
