"""The register's validation rules: one path for the admin form and every import.

Field rules are validators attached to the model fields; rules across fields live in
`Business.clean()` and call the functions here. Admin forms reach both through
`full_clean()`, and so do imports, so the rules and the Japanese messages are the
same everywhere.
"""

import datetime
import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations import postal

CCUS_ID_RE, CORPORATE_NUMBER_RE, POSTAL_CODE_RE = re.compile(r"\d{14}"), re.compile(r"\d{13}"), re.compile(r"\d{7}")
# The entity types of a business (Business.EntityType's values).
CORPORATION, INDIVIDUAL = "corporation", "individual"


def validate_ccus_id(value: str) -> None:
    if value and not (value.isascii() and value.isdigit()):
        raise ValidationError(
            _("The business ID (事業者ID) is 14 digits and nothing else: remove the other characters."),
            code="ccus_id_characters",
        )
    if not CCUS_ID_RE.fullmatch(value or ""):
        raise ValidationError(_("The business ID (事業者ID) must be exactly 14 digits."), code="ccus_id")


def validate_corporate_number(value: str) -> None:
    if not value:
        return
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(
            _("The corporate number (法人番号) is 13 digits and nothing else: remove the other characters."),
            code="corporate_number_characters",
        )
    if not CORPORATE_NUMBER_RE.fullmatch(value):
        raise ValidationError(_("The corporate number must be 13 digits."), code="corporate_number")
    if corporate_check_digit(value[1:]) != value[0]:
        raise ValidationError(_("The corporate number's check digit is wrong."), code="corporate_number_checksum")


def corporate_check_digit(digits: str) -> str:
    """The check digit of a corporate number's other 12 digits (stdnum.jp.cn's rule, in two int() calls).

    9 − (Σ weight × digit mod 9), weights 1, 2, 1, 2… from the right. As 10 ≡ 1 (mod 9), a
    number is congruent to the sum of its digits: Σ = int(all) + int(the digits of weight 2).
    """
    return str(9 - (int(digits) + int(digits[-2::-2])) % 9)


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.fullmatch(value or ""):
        raise ValidationError(_("The postal code must be 7 digits."), code="postal_code")
    if not postal.prefectures_for(value):
        raise ValidationError(_("Postal code %(code)s does not exist."), code="postal_unknown", params={"code": value})


def validate_association_code(value: str) -> None:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,19}", value or ""):
        raise ValidationError(
            _("The association code must be 2–20 upper-case letters, digits or _ (e.g. ZENKEN)."),
            code="association_code",
        )


def check_postal_in_prefecture(postal_code: str, prefecture_name: str) -> None:
    """Raise if a known postal code belongs to another prefecture."""
    prefectures = postal.prefectures_for(postal_code)
    if prefectures and prefecture_name not in prefectures:
        raise ValidationError(
            {
                "postal_code": ValidationError(
                    _("Postal code %(code)s is in %(actual)s, not in %(given)s."),
                    code="postal_prefecture",
                    params={"code": postal_code, "actual": "・".join(sorted(prefectures)), "given": prefecture_name},
                )
            }
        )


def check_expiry_after_registration(registered_on, expires_on) -> None:
    if registered_on and expires_on and expires_on <= registered_on:
        raise ValidationError(
            {"expires_on": ValidationError(_("The expiry must be after the registration date."), code="expiry_order")}
        )


# A date, and the time of day a spreadsheet's datetime cell may carry (2021/4/1 0:00).
_DATE_RE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> datetime.date | None:
    """A date as the desk and the files write it: YYYY-MM-DD or YYYY/MM/DD, any width.

    Never month first, and nothing around it but the time of day that Excel writes
    after a datetime (2021/4/1 0:00). None when empty.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    match = _DATE_RE.fullmatch(text)
    if not match:
        raise ValidationError(_("Write the date as YYYY-MM-DD or YYYY/MM/DD."), code="invalid")
    year, _separator, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise ValidationError(
            _("%(value)s is not a date that exists."), code="invalid", params={"value": text}
        ) from exc


def today() -> datetime.date:
    """Today in the register's time zone (Asia/Tokyo), whatever zone a request activated."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def validate_not_in_future(value: datetime.date) -> None:
    """For dates of things that have happened: registered, applied, approved, joined, seen."""
    if value and value > (now := today()):
        raise ValidationError(
            _("%(date)s is in the future: the date cannot be later than today (%(today)s)."),
            code="future_date",
            params={"date": value.isoformat(), "today": now.isoformat()},
        )


@functools.cache
def _invisible_characters() -> re.Pattern:
    """Line breaks, tabs and the invisible format characters (Unicode Cc, Cf, Zl, Zp).

    Among them the bidirectional overrides (U+202E) that make a name read backwards,
    zero-width spaces (U+200B) and a stray byte order mark (U+FEFF). Built from the
    Unicode database on first use (a tenth of a second), so it follows Python's Unicode.
    """
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in {"Cc", "Cf", "Zl", "Zp"}:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


def check_single_line(values: Mapping[str, str], labels: Mapping[str, str]) -> None:
    """Refuse line breaks and invisible characters in one-line text fields, naming the field.

    They break CSV, PDF and e-mail output, and a bidirectional override makes a name
    display as something else than what is stored. `labels`: field name → its label.
    """
    # The quick answer for nearly every row: printable text has none of them (isprintable()
    # is False for Cc, Cf, Zl and Zp, and for a few more, such as U+3000, that the search clears).
    if " ".join([values[name] or "" for name in labels]).isprintable():
        return
    invisible = _invisible_characters()
    errors = {}
    for name, label in labels.items():
        found = invisible.search(values[name] or "")
        if found:
            errors[name] = ValidationError(
                _("%(field)s contains a line break or an invisible control character (%(character)s); remove it."),
                code="invisible_character",
                params={"field": label, "character": f"U+{ord(found.group()):04X}"},
            )
    if errors:
        raise ValidationError(errors)


def check_entity_type(values: Mapping[str, Any]) -> None:
    """What the entity type implies (DOMAIN.md): a 一人親方 is an individual; an individual
    has no corporate number and no capital (which would put it in a capital band)."""
    errors = {}
    if values["entity_type"] == CORPORATION and values["is_sole_proprietor"]:
        errors["is_sole_proprietor"] = ValidationError(
            _(
                "A sole proprietor (一人親方) is an individual: a corporation cannot be one. "
                "Set the entity type to 個人, or clear 一人親方."
            ),
            code="sole_proprietor_corporation",
        )
    if values["entity_type"] == INDIVIDUAL:
        if values["corporate_number"]:
            errors["corporate_number"] = ValidationError(
                _(
                    "An individual (個人) has no corporate number (法人番号): leave it empty, "
                    "or if this is a corporation set the entity type to 法人."
                ),
                code="individual_corporate_number",
            )
        if values["capital"]:
            errors["capital"] = ValidationError(
                _(
                    "An individual (個人) has no capital (資本金): leave it empty, "
                    "or if this is a corporation set the entity type to 法人."
                ),
                code="individual_capital",
            )
    if errors:
        raise ValidationError(errors)


def check_business(values: Mapping[str, Any], prefecture_name: str | None, text_labels: Mapping[str, str]) -> None:
    """The rules across a business's fields (Business.clean), on plain values."""
    errors: dict[str, list[ValidationError]] = {}
    checks = [
        lambda: check_single_line(values, text_labels),
        lambda: check_entity_type(values),
        lambda: check_expiry_after_registration(values["registered_on"], values["expires_on"]),
    ]
    if values["postal_code"] and prefecture_name:
        checks.append(lambda: check_postal_in_prefecture(values["postal_code"], prefecture_name))
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for name, found in exc.error_dict.items():
                errors.setdefault(name, []).extend(found)
    if errors:
        raise ValidationError(errors)


class FieldRules:
    """A model's field rules for plain values, as `full_clean()` runs them field by field.

    Each field gets a quick test made from its own validators, length and choices; a
    value that fails it goes through the field's `clean()`, so the messages are
    exactly the model's. An import checks 100,000s of rows without model instances.
    """

    def __init__(self, model: type[models.Model], names: Collection[str]):
        self.fields = [(f.name, f, _quick_test(f)) for f in model._meta.fields if f.name in names]

    def errors(self, values: Mapping[str, Any], skip: Collection[str] = ()) -> list[tuple[str, list[str]]]:
        """(field name, messages) for each field whose value breaks its rules, in model order."""
        found = []
        for name, field, quick_test in self.fields:
            if name in skip:
                continue
            value = values[name]
            if value in field.empty_values:
                if field.blank:  # full_clean() skips blank values of fields that allow them
                    continue
            elif quick_test(value):
                continue
            try:
                field.clean(value, None)
            except ValidationError as exc:
                found.append((name, exc.messages))
        return found


def _quick_test(field: models.Field) -> Callable[[Any], bool]:
    """True when a non-empty value certainly passes `field.clean()` (False: ask the field)."""
    limit = field.max_length
    choices = {value for value, _label in field.flatchoices} if field.choices else None
    others = [v for v in field.validators if not (isinstance(v, MaxLengthValidator) and v.limit_value == limit)]
    if not others and choices is None:  # most text fields: the length alone (a flag or a date: nothing)
        return (lambda value: len(value) <= limit) if limit is not None else (lambda value: True)

    def quick_test(value) -> bool:
        if (choices is not None and value not in choices) or (limit is not None and len(value) > limit):
            return False
        try:
            for validator in others:
                validator(value)
        except ValidationError:
            return False
        return True

    return quick_test
