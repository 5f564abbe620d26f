"""The business form: the desk's entry screen. Imports share its normalisers and date formats."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from registrations import normalize, postal, validation
from registrations.expiry import expiry_for
from registrations.models import Business

# How a number is grouped when typed: spaces and hyphens, nothing else.
_NUMBER_GROUPING_RE = re.compile(r"[\s\-‐－−―ー]")
# What surrounds the digits of an amount of yen as typed: separators, spaces, the unit.
_YEN_NOISE_RE = re.compile(r"[,\s円]")


class DateField(forms.DateField):
    """A date typed at the desk, read by the same rule as a file's date cell."""

    def to_python(self, value):
        if isinstance(value, str):
            return validation.parse_date(value)
        return super().to_python(value)


def number(value: str) -> str:
    """An ID as typed in any width, grouped by spaces or hyphens → its digits.

    Anything else around the digits (ID:…号, a trailing .2) is kept, so that the
    model's validator refuses it instead of the value being silently cleaned.
    """
    return _NUMBER_GROUPING_RE.sub("", unicodedata.normalize("NFKC", value or ""))


class YenField(forms.IntegerField):
    """Yen shown and typed with thousands separators: 10,000,000 (full-width digits and 円 too)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "size": 16})

    def prepare_value(self, value):
        return f"{value:,}" if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, str):
            value = _YEN_NOISE_RE.sub("", unicodedata.normalize("NFKC", value))
        return super().to_python(value)


# What people type (widths, hyphens, hiragana) → the stored form, per field. The form
# below and the file import (registrations/imports.py) both apply these.
NORMALISERS = {
    "ccus_id": number,
    "corporate_number": number,
    "postal_code": lambda value: postal.clean_code(normalize.fold(value)),
    "name_kana": normalize.katakana,
    "email": str.strip,
}


class BusinessForm(forms.ModelForm):
    """Normalises what people type before the model's rules run.

    The registration's dates are not the desk's to type: a new business gives its 登録日
    and its 有効期限 is computed from it (registrations/expiry.py); an existing business's
    dates move only through renewal, re-registration or a supervisor's correction with a
    reason (renewals/corrections.py), so the form of an existing business has neither.
    """

    class Meta:
        model = Business
        fields = [
            "ccus_id", "corporate_number", "entity_type", "name", "name_kana", "is_sole_proprietor", "capital",
            "prefecture", "postal_code", "address", "phone", "email", "representative", "contact_person",
            "permit_number", "trades", "registered_on", "do_not_email_since", "do_not_call_since",
            "address_undeliverable_since", "email_bounced_since", "phone_invalid_since",
        ]  # fmt: skip
        field_classes = {"capital": YenField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("registered_on", None)
        elif "registered_on" in self.fields:
            self.fields["registered_on"].help_text = _(
                "The expiry (有効期限) is computed from it: five years, to the end of the month."
            )
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                self.fields[name] = DateField(
                    label=field.label, required=field.required, help_text=field.help_text, widget=field.widget
                )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.instance.pk and cleaned.get("registered_on"):
            self.instance.expires_on = expiry_for(cleaned["registered_on"])
        return cleaned

    def clean_ccus_id(self) -> str:
        return NORMALISERS["ccus_id"](self.cleaned_data["ccus_id"])

    def clean_corporate_number(self) -> str:
        return NORMALISERS["corporate_number"](self.cleaned_data["corporate_number"])

    def clean_postal_code(self) -> str:
        return NORMALISERS["postal_code"](self.cleaned_data["postal_code"])

    def clean_name_kana(self) -> str:
        return NORMALISERS["name_kana"](self.cleaned_data["name_kana"])

    def clean_email(self) -> str:
        return NORMALISERS["email"](self.cleaned_data["email"])
