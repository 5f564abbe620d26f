"""Japanese line breaking for the PDFs the office prints: kinsoku and numbers kept whole.

Text is cut into pieces that may not be split: a number with its hyphens and unit
(6-9-12, 03-1234-5678, 2丁目, 15番地), a Latin word, the honorific 御中, or one character. A piece that must
not start a line (。、）」 …) sticks to the piece before it; one that must not end a
line (（「 …) sticks to the piece after it. Lines are then filled greedily with whole
pieces; only a piece wider than a whole line is cut, character by character.

Addresses break at a sensible place first: after the 番地 and at spaces (before the
building's name), and `fit` shrinks the type until the text fits its lines.
"""

import re
from collections.abc import Callable, Iterable

from outreach.pdf_font import text_width

# Characters that must not start a line (行頭禁則) and that must not end one (行末禁則).
NO_LINE_START = frozenset(
    "、。，．,.・：；:;？！?!)]}）］｝〕〉》」』】〙〗’”ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々ゝゞヽヾ〜～…‥"
)
NO_LINE_END = frozenset("([{（［｛〔〈《「『【〘〖‘“")
_DIGIT = "[0-9０-９]"
_HYPHEN = "[-‐−－ー―]"
# A number and what holds it together: 6-9-12, 03-1234-5678, 1丁目2番3号, 1,000万円, 5F.
NUMBER = rf"{_DIGIT}+(?:(?:{_HYPHEN}|丁目|番地|番|号|の|[,，.．])+{_DIGIT}+)*(?:丁目|番地|番|号|階|時|日|[FＦ])?"
PIECE = re.compile(rf"{NUMBER}|御中|[A-Za-zＡ-Ｚａ-ｚ0-9０-９]+|\s+|.", re.S)
# Where an address is best broken: after its 番地 (the first number block), and at spaces.
ADDRESS_BLOCK = re.compile(rf"^(.*?{NUMBER})(.*)$", re.S)

Measure = Callable[[str], float]


def pieces(text: str) -> list[str]:
    """The text as pieces no line break may fall inside (kinsoku applied)."""
    merged: list[str] = []
    glue_next = False
    for piece in PIECE.findall(text):
        if merged and (glue_next or piece[0] in NO_LINE_START):
            merged[-1] += piece
        else:
            merged.append(piece)
        glue_next = piece[-1] in NO_LINE_END
    return merged


def _split_wide(piece: str, width: float, measure: Measure) -> list[str]:
    """A piece wider than a line, cut where it must be (a 40-character name without a break)."""
    lines, line = [], ""
    for char in piece:
        if line and measure(line + char) > width and char not in NO_LINE_START:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def fill_lines(parts: Iterable[str], width: float, measure: Measure) -> list[str]:
    """Greedy filling of lines with whole parts; spaces at a break are dropped."""
    lines: list[str] = []
    line = ""
    for part in parts:
        if measure((line + part).rstrip()) <= width or not line.strip():
            line += part
        else:
            lines.append(line.rstrip())
            line = part.lstrip()
        if measure(line.rstrip()) > width:
            *full, line = _split_wide(line.rstrip(), width, measure)
            lines += full
    lines.append(line.rstrip())
    return lines


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Lines no wider than `width` (as `measure` counts), paragraph by paragraph."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += fill_lines(pieces(paragraph), width, measure)
    return lines


def address_parts(address: str) -> list[str]:
    """An address cut where a second line reads well: after the 番地 and before each space."""
    match = ADDRESS_BLOCK.match(address)
    head, rest = (match[1], match[2]) if match else ("", address)
    return [part for part in [head, *re.split(r"(?=\s)", rest)] if part]


def wrap_address(address: str, width: float, measure: Measure) -> list[str]:
    """An address's lines: whole parts where they fit, a part too long broken with kinsoku."""
    parts: list[str] = []
    for part in address_parts(" ".join(address.split())):
        parts += [part] if measure(part.strip()) <= width else pieces(part)
    return fill_lines(parts, width, measure)


def fit(
    text: str, *, width: float, sizes: Iterable[float], max_lines: int, lines_of: Callable[..., list[str]] = wrap
) -> tuple[float, list[str]]:
    """The largest size (from `sizes`, largest first) at which the text takes at most `max_lines` lines.

    When no size is small enough, the smallest is taken with all its lines (the caller
    leaves room for them). `lines_of` is `wrap` or `wrap_address`.
    """
    sizes = list(sizes)
    for size in sizes:
        lines = lines_of(text, width / size, text_width)
        if len(lines) <= max_lines:
            break
    return size, lines
