"""The register's validation rules: one path for the admin form and every import.

Field rules are validators attached to the model fields; rules across fields live in
`Business.clean()` and call the functions here. Admin forms reach both through
`full_clean()`, and so do imports, so the rules and the Japanese messages are the
same everywhere.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum
from stdnum.jp import cn

from registrations import postal


def validate_ccus_id(value: str) -> None:
    if not re.fullmatch(r"\d{14}", value or ""):
        raise ValidationError(_("The business ID (事業者ID) must be exactly 14 digits."), code="ccus_id")


def validate_corporate_number(value: str) -> None:
    if not value:
        return
    if not re.fullmatch(r"\d{13}", value):
        raise ValidationError(_("The corporate number must be 13 digits."), code="corporate_number")
    try:
        cn.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The corporate number's check digit is wrong."), code="corporate_number_checksum"
        ) from exc


def validate_postal_code(value: str) -> None:
    if not re.fullmatch(r"\d{7}", value or ""):
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


def check_no_control_characters(instance, field_names: list[str]) -> None:
    """Refuse invisible control characters, which break CSV, PDF and e-mail output."""
    errors = {
        name: ValidationError(_("The text contains a control character; remove it."), code="control_character")
        for name in field_names
        if CONTROL_CHARACTERS.search(getattr(instance, name) or "")
    }
    if errors:
        raise ValidationError(errors)
