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
