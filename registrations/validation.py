"""The register's validation rules: one path for the admin form and every import.

Field rules are validators attached to the model fields; rules across fields live in
`Business.clean()` and call the functions here. Admin forms reach both through
`full_clean()`, and so do imports, so the rules and the Japanese messages are the
same everywhere.
"""

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.jp import cn

from registrations import postal

CCUS_ID_RE, CORPORATE_NUMBER_RE, POSTAL_CODE_RE = re.compile(r"\d{14}"), re.compile(r"\d{13}"), re.compile(r"\d{7}")


def validate_ccus_id(value: str) -> None:
    if not CCUS_ID_RE.fullmatch(value or ""):
        raise ValidationError(_("The business ID (事業者ID) must be exactly 14 digits."), code="ccus_id")


def validate_corporate_number(value: str) -> None:
    if not value:
        return
    if not CORPORATE_NUMBER_RE.fullmatch(value):
        raise ValidationError(_("The corporate number must be 13 digits."), code="corporate_number")
    # The check digit alone: cn.validate() would first clean the (already bare) digits, 5× the time.
    if cn.calc_check_digit(value[1:]) != value[0]:
        raise ValidationError(_("The corporate number's check digit is wrong."), code="corporate_number_checksum")


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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_no_control_characters(values: Mapping[str, str], field_names: Iterable[str]) -> None:
    """Refuse invisible control characters, which break CSV, PDF and e-mail output."""
    errors = {
        name: ValidationError(_("The text contains a control character; remove it."), code="control_character")
        for name in field_names
        if CONTROL_CHARACTERS.search(values[name] or "")
    }
    if errors:
        raise ValidationError(errors)


def check_business(values: Mapping[str, Any], prefecture_name: str | None, text_fields: Iterable[str]) -> None:
    """The rules across a business's fields (Business.clean), on plain values."""
    check_no_control_characters(values, text_fields)
    if values["postal_code"] and prefecture_name:
        check_postal_in_prefecture(values["postal_code"], prefecture_name)
    check_expiry_after_registration(values["registered_on"], values["expires_on"])


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
