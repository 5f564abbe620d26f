"""Cells of the interchange format (DOMAIN.md), including what Excel does to them.

Each parser takes the cell's text and returns the value, or raises CellError with the
message the desk sees. Rules that the model also holds (14 digits, check digits,
postal codes, dates not in the future) are left to the model's validators, so there is
one place for them. Nothing is cleaned away but what people use to write a value
(widths, spaces and hyphens in numbers): text around an ID or a date is refused.
"""

import datetime
import re
import unicodedata

from django.db import models
from django.utils.translation import gettext as _

from ccus.importing import CellError
from registrations import validation
from registrations.forms import NORMALISERS
from registrations.models import Business, Prefecture, Trade

# What Excel shows for a long number in a General cell, then saves into the CSV.
_EXPONENT_RE = re.compile(r"\d+(\.\d+)?e\+?\d+", re.IGNORECASE)
_SIX_DIGITS_RE = re.compile(r"\d{6}")
_LIST_SEPARATORS_RE = re.compile(r"[・,、\s]+")
TRUE_WORDS = {"1", "はい", "○", "◯", "〇", "true", "yes", "y"}
FALSE_WORDS = {"", "0", "いいえ", "×", "false", "no", "n"}
ENTITY_TYPES = {"法人": Business.EntityType.CORPORATION, "個人": Business.EntityType.INDIVIDUAL}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def number_text(text: str) -> str:
    """An ID as typed; refuses one that Excel turned into 5.1E+13."""
    text = _fold(text)
    if _EXPONENT_RE.fullmatch(text):
        raise CellError(
            _(
                "%(value)s is an ID that Excel turned into exponent notation, which loses its digits: "
                "format the column as text in Excel and save the file again."
            )
            % {"value": text}
        )
    return text


def business_id(text: str) -> str:
    """A 事業者ID cell of any file: digits in any width, grouped by spaces or hyphens."""
    ccus_id = NORMALISERS["ccus_id"](number_text(text))
    validation.validate_ccus_id(ccus_id)
    return ccus_id


def postal_code(text: str) -> str:
    """Postal code text; 6 digits lost their leading zero in Excel and get it back."""
    text = number_text(text)
    return f"0{text}" if _SIX_DIGITS_RE.fullmatch(text) else text


def capital(text: str) -> int | None:
    """Yen as digits, commas allowed (1,000,000 or 1,000,000円); empty for none."""
    text = re.sub(r"[,\s円]", "", _fold(text))
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise CellError(_("The capital must be a number of yen, e.g. 10000000 or 10,000,000."))
    return int(text)


def flag(text: str) -> bool:
    """一人親方: 1/0, はい/いいえ, ○/empty."""
    text = _fold(text).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Write 1 or 0, はい or いいえ, or ○ or nothing."))


def entity_type(text: str) -> str | None:
    """法人 or 個人; None when empty (then inferred from the corporate number)."""
    text = _fold(text)
    if not text:
        return None
    if text not in ENTITY_TYPES:
        raise CellError(_("Write 法人 or 個人."))
    return ENTITY_TYPES[text]


def date(text: str, field: models.DateField | None = None) -> datetime.date | None:
    """A date cell (validation.parse_date); with a model field, also the field's validators."""
    value = validation.parse_date(text)
    if value is not None and field is not None:
        field.run_validators(value)
    return value


class References:
    """Prefectures and trades by every name the files use; loaded once per import."""

    def __init__(self):
        self.prefectures: dict[str, Prefecture] = {}
        for prefecture in Prefecture.objects.all():
            self.prefectures[prefecture.code] = prefecture
            self.prefectures[prefecture.name] = prefecture
            if prefecture.name != "北海道":
                self.prefectures.setdefault(prefecture.name[:-1], prefecture)  # 東京, 大阪, 神奈川
        self.trades: dict[str, str] = {}
        # Names containing ・ are taken out of a cell whole before it is split on ・.
        self.dotted_trades: list[tuple[str, str]] = []
        for trade in Trade.objects.all():
            self.trades[trade.code] = trade.code
            self.trades[_fold(trade.name)] = trade.code
            for short in trade.short_forms.split():
                self.trades.setdefault(_fold(short), trade.code)
            if "・" in trade.name:
                self.dotted_trades.append((_fold(trade.name), trade.code))
        self.dotted_trades.sort(key=lambda pair: len(pair[0]), reverse=True)

    def prefecture(self, text: str) -> Prefecture:
        """A prefecture by name (東京都, 東京) or JIS code (13, or 1 for 01)."""
        text = _fold(text)
        if re.fullmatch(r"\d", text):
            text = f"0{text}"
        if not text:
            raise CellError(_("The prefecture is required."))
        if text not in self.prefectures:
            raise CellError(_("%(value)s is not a prefecture.") % {"value": text})
        return self.prefectures[text]

    def trade_codes(self, text: str) -> list[str]:
        """Trades by full name, short form or code, separated by ・ , 、 or spaces."""
        text = _fold(text)
        codes = []
        for name, code in self.dotted_trades:
            if name in text:
                codes.append(code)
                text = text.replace(name, " ")
        unknown = []
        for token in _LIST_SEPARATORS_RE.split(text):
            if not token:
                continue
            key = f"0{token}" if re.fullmatch(r"\d", token) else token
            if key in self.trades:
                codes.append(self.trades[key])
            else:
                unknown.append(token)
        if unknown:
            raise CellError(_("Unknown trade: %(names)s") % {"names": "、".join(unknown)})
        return sorted(set(codes))


def codes(text: str) -> list[str]:
    """Association codes separated by ・ , 、 or spaces, upper-cased."""
    return sorted({token.upper() for token in _LIST_SEPARATORS_RE.split(_fold(text)) if token})
