"""The mail-house CSVs of a print batch: CP932 for Excel and print shops, UTF-8 for vendors who print.

CP932 cannot hold every character a register holds (𠮷, some 異体字). Such characters are
printed as 〓 in the CP932 file, named by code point in that row's last column and returned to the
caller for the batch's list; the UTF-8 file keeps them. Nothing is dropped silently.
"""

import csv
import functools
from typing import TextIO

from ccus.tabular import neutralise
from outreach.postcards.pdf import Card
from outreach.postcards.sender import Postage, Sender

HEADER = ["連番", "事業者ID", "郵便番号", "住所", "宛名", "件名", "本文", "差出人", "料金表示"]
CP932_PROBLEM_COLUMN = "CP932で表せない文字"
REPLACEMENT = "〓"
# Characters whose JIS form Python's cp932 codec does not map but CP932 holds under another
# code point (the same glyph): translated, not reported.
CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
        "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
        "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
        "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
        "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
        "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
        "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR
    }
)


@functools.lru_cache(maxsize=4096)
def _in_cp932(char: str) -> bool:
    try:
        char.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_text(value: str) -> tuple[str, str]:
    """(text CP932 can hold, the characters that had to be replaced, each once)."""
    value = value.translate(CP932_EQUIVALENTS)
    missing = "".join(dict.fromkeys(char for char in value if not _in_cp932(char)))
    for char in missing:
        value = value.replace(char, REPLACEMENT)
    return value, missing


def code_points(chars: str) -> str:
    return ",".join(f"U+{ord(char):04X}" for char in chars)


def row_of(number: int, card: Card, *, sender: Sender, postage: Postage) -> list[str]:
    """One card's row: what the PDF prints on it, the sender and postage mark as drawn included."""
    cells = [
        card.ccus_id,
        card.postal_code_display,
        card.address,
        card.addressee,
        card.subject,
        card.body,
        " ".join(sender.lines),
        postage.description,
    ]
    return [str(number), *(neutralise(cell) for cell in cells)]


class PostcardCsv:
    """Writes the two CSV files row by row; `add` returns {column: characters} CP932 could not hold."""

    def __init__(self, cp932_file: TextIO, utf8_file: TextIO, *, sender: Sender, postage: Postage):
        self.sender, self.postage = sender, postage
        self.cp932 = csv.writer(cp932_file)
        self.utf8 = csv.writer(utf8_file)
        self.cp932.writerow([*HEADER, CP932_PROBLEM_COLUMN])
        self.utf8.writerow(HEADER)

    def add(self, number: int, card: Card) -> dict[str, str]:
        row = row_of(number, card, sender=self.sender, postage=self.postage)
        self.utf8.writerow(row)
        encoded, problems = [], {}
        for column, value in zip(HEADER, row, strict=True):
            text, missing = cp932_text(value)
            encoded.append(text)
            if missing:
                problems[column] = missing
        # The characters themselves cannot be written in CP932: name them by code point.
        note = " ".join(f"{column}:{code_points(chars)}" for column, chars in problems.items())
        self.cp932.writerow([*encoded, note])
        return problems
