"""The print-ready postcard PDF: 通常はがき 100 × 148 mm, an address side and a message side per card.

The Japanese font is TrueType (IPAexGothic, vendored in outreach/fonts with its licence) so
that ReportLab embeds it; its built-in CID fonts would not be embedded and a print shop
rejects such files. Pages are drawn one at a time with the canvas and text is drawn as
plain strings, so nothing in a business name is ever read as markup.

A batch is drawn in parts of CARDS_PER_PART cards, each a ReportLab document of its own,
appended to the one output file as soon as it is finished (outreach/postcards/pdf_stream.py): memory
stays that of one part however large the batch, and each part embeds the font subsets it uses.
"""

import gc
import io
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from outreach.line_breaking import fit, wrap_address
from outreach.pdf_font import FONT_NAME, japanese_font, text_width
from outreach.postcards import customer_barcode
from outreach.postcards.pdf_stream import PdfStreamWriter
from outreach.postcards.sender import Postage, Sender

PAGE_WIDTH, PAGE_HEIGHT = 100 * mm, 148 * mm
# Cards drawn per ReportLab document: the batch's peak memory is that of one part, and each
# part adds a copy of the font subsets it uses to the file (measured in README: Postcards).
CARDS_PER_PART = 1_000
# Printed instead of a character the font has no glyph for (reported on the batch).
MISSING_GLYPH = "〓"
# Japan Post's 郵便番号枠: 5.7 × 8 mm boxes 12 mm from the top, the last 8 mm from the right edge,
# gaps 1.3 / 1.9 (the hyphen) / 1.1 mm; the first three ruled 0.4–0.6 mm, the other four 0.2–0.4 mm.
POSTAL_BOX_TOP = 12 * mm
POSTAL_BOX_HEIGHT = 8 * mm
POSTAL_BOX_WIDTH = 5.7 * mm
POSTAL_BOX_LEFTS = [x * mm for x in (44.3, 51.3, 58.3, 65.9, 72.7, 79.5, 86.3)]
POSTAL_BOX_RULES = (0.5 * mm, 0.3 * mm)  # upper three, lower four
# The postage mark (料金別納 / 料金後納) where a stamp would go: the top left.
POSTAGE_LEFT, POSTAGE_TOP, POSTAGE_SIZE = 8 * mm, 8 * mm, 24 * mm
# The addressee block: below the postage mark and the boxes, 10 mm or more from the edges.
ADDRESS_LEFT, ADDRESS_TOP, ADDRESS_RIGHT = 14 * mm, 36 * mm, 10 * mm
# Nothing is printed in the bottom strip, where the sorting machines print their barcode.
MACHINE_STRIP = 15 * mm
SENDER_LEFT, SENDER_WIDTH = 10 * mm, 62 * mm
# The message side keeps its lower part for the 事業者ID barcode (left) and a free square
# (right) for a code another notice part may print; the wording stays above MESSAGE_BOTTOM.
MESSAGE_MARGIN = 10 * mm
MESSAGE_BOTTOM = 104 * mm
FREE_REGION = (62 * mm, 108 * mm, 28 * mm, 28 * mm)  # left, top, width, height
# The answer page's QR code in the free square, its address printed below it (right-aligned,
# ending 15 mm above the bottom edge like all text,
# reaching left past the square as far as ANSWER_URL_WIDTH, clear of the 事業者ID barcode).
ANSWER_QR_SIZE = 18 * mm
ANSWER_URL_WIDTH = 40 * mm
ID_BARCODE_TOP = 116 * mm
# The address side's fixed parts, drawn once per part (a PDF form XObject) and placed on each page.
ADDRESS_FORM = "address-side"


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
    answer_url: str = ""  # the notice's answer page (outreach.answer_links), '' for none

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


class PostcardPdf:
    """Writes cards to a file object, two pages each, one part of CARDS_PER_PART cards at a time."""

    def __init__(
        self,
        fileobj: BinaryIO,
        *,
        title: str,
        sender: Sender,
        postage: Postage,
        draw_postal_boxes: bool = True,
        cards_per_part: int | None = None,
    ):
        japanese_font()
        self.sender, self.postage, self.draw_postal_boxes = sender, postage, draw_postal_boxes
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

    def _centred(self, line: str, *, centre: float, top: float, size: float) -> None:
        """One line centred on `centre`, its baseline `top` below the page top."""
        self.canvas.setFont(FONT_NAME, size)
        self.canvas.drawCentredString(centre, PAGE_HEIGHT - top, _drawable(line))

    # The address side

    def _address_form(self) -> None:
        """Draw what every address side of the batch shares once per part, as a form."""
        self.canvas.beginForm(ADDRESS_FORM)
        if self.postage.drawn:
            self._card_marking()
            self._postage_mark()
        if self.draw_postal_boxes:
            self._postal_boxes()
        self._sender()
        self.canvas.endForm()

    def _card_marking(self) -> None:
        """郵便はがき: the marking a card printed on plain stock must carry, top centre above the boxes."""
        self._centred("郵便はがき", centre=62 * mm, top=8.5 * mm, size=9)

    def _postage_mark(self) -> None:
        """料金別納 / 料金後納 in a frame where the stamp would go, the post office's name on top."""
        c = self.canvas
        c.setLineWidth(0.8)
        c.roundRect(POSTAGE_LEFT, PAGE_HEIGHT - POSTAGE_TOP - POSTAGE_SIZE, POSTAGE_SIZE, POSTAGE_SIZE, 2 * mm)
        centre, room = POSTAGE_LEFT + POSTAGE_SIZE / 2, POSTAGE_SIZE - 3 * mm
        office, mark, mail, *approval = self.postage.lines
        self._centred(office, centre=centre, top=POSTAGE_TOP + 6 * mm, size=_size_to_fit(office, room, 8))
        self._centred(mark, centre=centre, top=POSTAGE_TOP + 12.5 * mm, size=10)
        self._centred(mail, centre=centre, top=POSTAGE_TOP + 18 * mm, size=10)
        for line in approval:
            self._centred(line, centre=centre, top=POSTAGE_TOP + 22.5 * mm, size=_size_to_fit(line, room, 6))

    def _postal_boxes(self) -> None:
        """The 郵便番号枠 and its hyphen, in red (no black or cyan, which the readers would see)."""
        c = self.canvas
        c.saveState()
        c.setStrokeColorCMYK(0, 1, 1, 0)
        bottom = PAGE_HEIGHT - POSTAL_BOX_TOP - POSTAL_BOX_HEIGHT
        for number, left in enumerate(POSTAL_BOX_LEFTS):
            c.setLineWidth(POSTAL_BOX_RULES[0] if number < 3 else POSTAL_BOX_RULES[1])
            c.rect(left, bottom, POSTAL_BOX_WIDTH, POSTAL_BOX_HEIGHT)
        hyphen = PAGE_HEIGHT - POSTAL_BOX_TOP - 4 * mm
        c.setLineWidth(POSTAL_BOX_RULES[0])
        c.line(POSTAL_BOX_LEFTS[2] + POSTAL_BOX_WIDTH + 0.3 * mm, hyphen, POSTAL_BOX_LEFTS[3] - 0.3 * mm, hyphen)
        c.restoreState()

    def _sender(self) -> None:
        """The return address, bottom left, clear of the machines' strip at the bottom edge."""
        lines: list[str] = []
        size = 7.5
        for line in self.sender.lines:
            size, wrapped = fit(line, width=SENDER_WIDTH, sizes=(size, 7, 6.5, 6), max_lines=1, lines_of=wrap_address)
            lines += wrapped
        leading = size * 1.35
        self._text(
            lines,
            x=SENDER_LEFT,
            top=PAGE_HEIGHT - MACHINE_STRIP - 2 * mm - leading * len(lines),
            size=size,
            leading=leading,
        )

    def _address_side(self, card: Card) -> None:
        self.canvas.doForm(ADDRESS_FORM)
        self._postal_code(card.postal_code)
        width = PAGE_WIDTH - ADDRESS_LEFT - ADDRESS_RIGHT
        size, lines = fit(card.address, width=width, sizes=(12, 11, 10, 9, 8), max_lines=3, lines_of=wrap_address)
        top = self._text(lines, x=ADDRESS_LEFT, top=ADDRESS_TOP, size=size, leading=size * 1.45)
        size, lines = fit(card.addressee, width=width, sizes=(16, 15, 14, 13, 12, 11, 10), max_lines=2)
        top = self._text(lines, x=ADDRESS_LEFT, top=top + 6 * mm, size=size, leading=size * 1.4)
        if card.customer_barcode:
            # Japan Post: directly below the name, 10 mm or more from the card's edges (79.8 mm wide).
            self._customer_barcode(card.customer_barcode, left=10.1 * mm, top=top + 4 * mm)
        self._end_page()

    def _postal_code(self, postal_code: str) -> None:
        """The addressee's code, one digit per box (or in the boxes printed on the stock)."""
        self.canvas.setFont(FONT_NAME, 15)
        bottom = PAGE_HEIGHT - POSTAL_BOX_TOP - POSTAL_BOX_HEIGHT
        for left, digit in zip(POSTAL_BOX_LEFTS, postal_code, strict=False):
            self.canvas.drawCentredString(left + POSTAL_BOX_WIDTH / 2, bottom + 2 * mm, digit)

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

    # The message side

    def _message_side(self, card: Card) -> None:
        self._wording(card)
        self._ccus_id_barcode(card.ccus_id)
        if card.answer_url:
            self._answer_qr(card.answer_url)
        self._end_page()

    def _wording(self, card: Card) -> None:
        """The subject and the body above MESSAGE_BOTTOM, the body's type shrunk until it fits."""
        width = PAGE_WIDTH - 2 * MESSAGE_MARGIN
        size, lines = fit(card.subject, width=width, sizes=(12, 11, 10), max_lines=2)
        top = self._text(lines, x=MESSAGE_MARGIN, top=MESSAGE_MARGIN, size=size, leading=size * 1.35)
        top += 4 * mm
        sizes = (9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5)
        max_lines = int((MESSAGE_BOTTOM - top) / (sizes[-1] * 1.45))
        for size in sizes:
            size, lines = fit(card.body, width=width, sizes=[size], max_lines=max_lines)
            if len(lines) * size * 1.45 <= MESSAGE_BOTTOM - top:
                break
        self._text(lines, x=MESSAGE_MARGIN, top=top, size=size, leading=size * 1.45)

    def _ccus_id_barcode(self, ccus_id: str) -> None:
        """The 事業者ID as Code 128, for scanning returned mail at the desk; on the message side,
        away from everything the post office's machines read on the address side."""
        barcode = Code128(ccus_id, barHeight=8 * mm, barWidth=0.3 * mm, humanReadable=False)
        barcode.drawOn(self.canvas, MESSAGE_MARGIN - barcode.lquiet, PAGE_HEIGHT - ID_BARCODE_TOP - 8 * mm)
        self._text([f"事業者ID {ccus_id}"], x=MESSAGE_MARGIN, top=ID_BARCODE_TOP + 8 * mm, size=8, leading=11)

    def _answer_qr(self, url: str) -> None:
        """The answer page's QR code in the free square, as vector squares (one rectangle per run of
        dark modules in a row), and its address below it in two lines a person can type."""
        code = segno.make(url, error="m", micro=False)
        rows = list(code.matrix_iter(border=0))
        unit = ANSWER_QR_SIZE / len(rows)
        left, top, width, _height = FREE_REGION
        left += (width - ANSWER_QR_SIZE) / 2
        c = self.canvas
        c.saveState()
        c.translate(left, PAGE_HEIGHT - top - ANSWER_QR_SIZE)
        c.scale(unit, unit)
        for y, row in enumerate(reversed(rows)):
            x = 0
            while x < len(row):
                if row[x]:
                    run = next((end for end in range(x, len(row)) if not row[end]), len(row)) - x
                    c.rect(x, y, run, 1, stroke=0, fill=1)
                    x += run
                else:
                    x += 1
        c.restoreState()
        base, _slash, token = url.rstrip("/").rpartition("/")
        lines = [f"{base}/", f"{token}/"]
        size = min(_size_to_fit(line, ANSWER_URL_WIDTH, 6) for line in lines)
        right = PAGE_WIDTH - MESSAGE_MARGIN
        self.canvas.setFont(FONT_NAME, size)
        for number, line in enumerate(lines, start=1):
            self.canvas.drawRightString(right, PAGE_HEIGHT - top - ANSWER_QR_SIZE - number * size * 1.3, line)


def _size_to_fit(text: str, width: float, size: float) -> float:
    """`size`, or smaller so that one line of `text` is no wider than `width`."""
    return min(size, width / max(text_width(text), 0.01))
