"""The business form: the desk's entry screen. Imports share its normalisers."""

from django import forms

from registrations import normalize, postal
from registrations.models import Business

# What people type (widths, hyphens, hiragana) → the stored form, per field. The form
# below and the file import (registrations/imports.py) both apply these.
NORMALISERS = {
    "ccus_id": lambda value: normalize.digits(value) or value,
    "corporate_number": normalize.digits,
    "postal_code": lambda value: postal.clean_code(normalize.fold(value)),
    "name_kana": normalize.katakana,
    "email": str.strip,
}


class BusinessForm(forms.ModelForm):
    """Normalises what people type before the model's rules run."""

    class Meta:
        model = Business
        fields = [
            "ccus_id", "corporate_number", "entity_type", "name", "name_kana", "is_sole_proprietor", "capital",
            "prefecture", "postal_code", "address", "phone", "email", "representative", "contact_person",
            "permit_number", "trades", "registered_on", "expires_on", "do_not_email_since", "do_not_call_since",
            "address_undeliverable_since", "email_bounced_since", "phone_invalid_since",
        ]  # fmt: skip

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
