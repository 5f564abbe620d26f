"""The print-ready postcard PDF: 通常はがき 100 × 148 mm, an address side and a message side per card.

The Japanese font is TrueType (IPAexGothic, vendored in outreach/fonts with its licence) so
that ReportLab embeds it; its built-in CID fonts would not be embedded and a print shop
rejects such files. Pages are drawn one at a time with the canvas and text is drawn as
plain strings, so nothing in a business name is ever read as markup.

A batch is drawn in parts of CARDS_PER_PART cards, each a ReportLab document of its own,
appended to the one output file as soon as it is finished (outreach/postcards/pdf_stream.py): memory
stays that of one part however large the batch, and each part embeds the font subsets it uses.
"""

import functools
import gc
import io
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from outreach.pdf_font import FONT_NAME, japanese_font
from outreach.postcards import customer_barcode
from outreach.postcards.pdf_stream import PdfStreamWriter

PAGE_WIDTH, PAGE_HEIGHT = 100 * mm, 148 * mm
# Cards drawn per ReportLab document: the batch's peak memory is that of one part, and each
# part adds a copy of the font subsets it uses to the file (measured in README: Postcards).
CARDS_PER_PART = 1_000
# Printed instead of a character the font has no glyph for (reported on the batch).
MISSING_GLYPH = "〓"
# Japan Post's 郵便番号枠: 12 mm from the top, the last box 8 mm from the right edge.
POSTAL_BOX_TOP = 12 * mm
POSTAL_BOX_HEIGHT = 8 * mm
POSTAL_BOX_WIDTH = 5.7 * mm
POSTAL_BOX_LEFTS = [x * mm for x in (44.3, 51.3, 58.3, 65.9, 72.7, 79.5, 86.3)]
# The address side's fixed parts, drawn once per part (a PDF form XObject) and placed on each page.
ADDRESS_FORM = "address-side"
# Characters that must not start a line (kinsoku); they hang on the line before.
NO_LINE_START = set("、。，．・：；？！ー）」』】〕〉》｝’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〜")


@dataclass
class Card:
    """What one postcard says; the build fills it from a notice."""

    ccus_id: str
    postal_code: str
    address: str
    name: str
    subject: str
    body: str
    customer_barcode: str = ""  # Japan Post's barcode data, '' when the address gets none

    @property
    def postal_code_display(self) -> str:
        return f"{self.postal_code[:3]}-{self.postal_code[3:]}"

    @property
    def addressee(self) -> str:
        return f"{self.name}　御中"


def missing_glyphs(text: str) -> str:
    """The characters of `text` the font cannot draw, each once, in order."""
    glyphs = japanese_font().face.charToGlyph
    seen: dict[str, None] = {}
    for char in text:
        if ord(char) not in glyphs and char not in "\n\r\t" and char not in seen:
            seen[char] = None
    return "".join(seen)


def _drawable(text: str) -> str:
    for char in missing_glyphs(text):
        text = text.replace(char, MISSING_GLYPH)
    return text


@functools.lru_cache(maxsize=8192)
def _char_width(char: str) -> float:
    """Width of a character at size 1 (a TrueType line's width is the sum of its characters')."""
    return pdfmetrics.stringWidth(char, FONT_NAME, 1)


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width` points, character by character, with kinsoku."""
    lines = []
    room = width / size
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0.0
        for char in paragraph:
            char_width = _char_width(char)
            if line and char not in NO_LINE_START and used + char_width > room:
                lines.append(line)
                line, used = "", 0.0
            line += char
            used += char_width
        lines.append(line)
    return lines


class PostcardPdf:
    """Writes cards to a file object, two pages each, one part of CARDS_PER_PART cards at a time."""

    def __init__(self, fileobj: BinaryIO, *, title: str, cards_per_part: int | None = None):
        japanese_font()
        self.writer = PdfStreamWriter(fileobj, info={"Title": title, "Creator": "CCUS renewal back office"})
        self.cards_per_part = cards_per_part or CARDS_PER_PART
        self.part: io.BytesIO | None = None
        self.canvas: Canvas | None = None
        self.cards_in_part = 0
        self.pages = 0

    def add(self, card: Card) -> None:
        if self.canvas is None:
            self.part = io.BytesIO()
            self.canvas = Canvas(
                self.part,
                pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
                pageCompression=1,
                initialFontName=FONT_NAME,
                initialFontSize=10,
            )
            self._address_form()
        self._address_side(card)
        self._message_side(card)
        self.cards_in_part += 1
        if self.cards_in_part == self.cards_per_part:
            self._flush()

    def close(self) -> None:
        """Write the last part and the document's page tree, catalogue and cross-references."""
        if self.canvas is not None:
            self._flush()
        self.writer.close()

    def _flush(self) -> None:
        """Save the part's document (font subsets and all) and append its pages to the output."""
        self.canvas.save()
        self.part.seek(0)
        self.writer.append(self.part)
        self.canvas, self.part, self.cards_in_part = None, None, 0
        # ReportLab's document and pypdf's reader are full of reference cycles: free them now,
        # before the next part is drawn on top of them.
        gc.collect()

    def _end_page(self) -> None:
        """Finish a page and keep only its compressed content.

        ReportLab holds every page's uncompressed drawing code until save(); compressing
        each page as it is finished keeps a batch's memory to about a kilobyte per page.
        """
        self.canvas.showPage()
        page = self.canvas._doc.Pages.pages[-1]
        content = zlib.compress(page.stream.encode("latin-1"))
        page.Contents = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}), content)
        page.stream = None
        self.pages += 1

    def _text(self, lines: list[str], *, x: float, top: float, size: float, leading: float) -> float:
        """Draw lines from `top` (distance from the page top) down; returns the distance below them."""
        self.canvas.setFont(FONT_NAME, size)
        for line in lines:
            top += leading
            self.canvas.drawString(x, PAGE_HEIGHT - top, _drawable(line))
        return top

    def _address_form(self) -> None:
        """Draw what every address side shares (the 郵便番号 boxes, the sender) once per part, as a form."""
        c = self.canvas
        c.beginForm(ADDRESS_FORM)
        if settings.POSTCARD_DRAW_POSTAL_BOXES:
            c.setLineWidth(0.6)
            c.setStrokeColorRGB(0.8, 0.1, 0.1)
            bottom = PAGE_HEIGHT - POSTAL_BOX_TOP - POSTAL_BOX_HEIGHT
            for left in POSTAL_BOX_LEFTS:
                c.rect(left, bottom, POSTAL_BOX_WIDTH, POSTAL_BOX_HEIGHT)
        sender = [settings.POSTCARD_SENDER_NAME, *settings.POSTCARD_SENDER_ADDRESS, f"TEL {settings.DESK_PHONE}"]
        sender = [line for line in sender if line]
        self._text(sender, x=10 * mm, top=PAGE_HEIGHT - 12 * mm - 11 * len(sender), size=8, leading=11)
        c.endForm()

    def _address_side(self, card: Card) -> None:
        c = self.canvas
        c.doForm(ADDRESS_FORM)
        c.setFont(FONT_NAME, 15)
        bottom = PAGE_HEIGHT - POSTAL_BOX_TOP - POSTAL_BOX_HEIGHT
        for left, digit in zip(POSTAL_BOX_LEFTS, card.postal_code, strict=False):
            c.drawCentredString(left + POSTAL_BOX_WIDTH / 2, bottom + 2 * mm, digit)
        width = PAGE_WIDTH - 26 * mm
        top = self._text(wrap(card.address, 11, width), x=14 * mm, top=30 * mm, size=11, leading=15)
        top = self._text(wrap(card.addressee, 15, width), x=14 * mm, top=top + 8 * mm, size=15, leading=21)
        if card.customer_barcode:
            # Japan Post: directly below the name, 10 mm or more from the card's edges (79.8 mm wide).
            self._customer_barcode(card.customer_barcode, left=10.1 * mm, top=top + 4 * mm)
            top += 8 * mm
        # The 事業者ID as a barcode, so returned mail can be scanned at the desk.
        barcode = Code128(card.ccus_id, barHeight=7 * mm, barWidth=0.3 * mm, humanReadable=False)
        barcode.drawOn(c, 10 * mm, PAGE_HEIGHT - top - 20 * mm)
        self._text([f"事業者ID {card.ccus_id}"], x=14 * mm, top=top + 21 * mm, size=8, leading=10)
        self._end_page()

    def _customer_barcode(self, data: str, *, left: float, top: float) -> None:
        """Japan Post's bars at the manual's 10-point size (3.6 mm tall, 1.2 mm pitch) below the name."""
        c, unit = self.canvas, customer_barcode.UNIT * mm
        c.saveState()
        # Drawn in 0.6 mm units, so each bar is a few small integers in the page's content.
        c.translate(left, PAGE_HEIGHT - top - 6 * unit)
        c.scale(unit, unit)
        for number, bar in enumerate(customer_barcode.bars(data)):
            low, high = customer_barcode.EXTENTS[bar]
            c.rect(number * customer_barcode.PITCH, low, 1, high - low, stroke=0, fill=1)
        c.restoreState()

    def _message_side(self, card: Card) -> None:
        width = PAGE_WIDTH - 20 * mm
        top = self._text(wrap(card.subject, 12, width), x=10 * mm, top=10 * mm, size=12, leading=16)
        # The longest wording still fits: shrink the body's type until it does.
        room = PAGE_HEIGHT - top - 14 * mm
        for size in (9, 8.5, 8, 7.5, 7, 6.5, 6):
            lines = wrap(card.body, size, width)
            if len(lines) * size * 1.45 <= room:
                break
        self._text(lines, x=10 * mm, top=top + 4 * mm, size=size, leading=size * 1.45)
        self._end_page()
