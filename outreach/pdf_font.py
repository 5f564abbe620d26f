"""The Japanese font of every PDF the office prints (postcards, committee report).

IPAexGothic, vendored in outreach/fonts/ under the IPA Font License, so a PDF never
depends on what the machine has installed.
"""

import functools
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "IPAexGothic"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ipaexg.ttf"


@functools.cache
def japanese_font() -> TTFont:
    """The font, registered with ReportLab once per process under FONT_NAME."""
    font = TTFont(FONT_NAME, str(FONT_PATH))
    pdfmetrics.registerFont(font)
    return font


@functools.lru_cache(maxsize=8192)
def _char_width(char: str) -> float:
    return pdfmetrics.stringWidth(char, FONT_NAME, 1)


def text_width(text: str) -> float:
    """Width of `text` at size 1 (a TrueType line's width is the sum of its characters')."""
    japanese_font()
    return sum(_char_width(char) for char in text)
