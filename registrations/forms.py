"""The business form: the desk's entry screen and the check every import row passes."""

from django import forms

from registrations import normalize, postal
from registrations.models import Business


class BusinessForm(forms.ModelForm):
    """Normalises what people type (widths, hyphens, hiragana) before the model's rules run."""

    class Meta:
        model = Business
        fields = [
            "ccus_id", "corporate_number", "entity_type", "name", "name_kana", "is_sole_proprietor", "capital",
            "prefecture", "postal_code", "address", "phone", "email", "representative", "contact_person",
            "permit_number", "trades", "registered_on", "expires_on", "do_not_email_since", "do_not_call_since",
            "address_undeliverable_since", "email_bounced_since", "phone_invalid_since",
        ]  # fmt: skip

    def clean_ccus_id(self) -> str:
        return normalize.digits(self.cleaned_data["ccus_id"]) or self.cleaned_data["ccus_id"]

    def clean_corporate_number(self) -> str:
        return normalize.digits(self.cleaned_data["corporate_number"])

    def clean_postal_code(self) -> str:
        return postal.clean_code(normalize.fold(self.cleaned_data["postal_code"]))

    def clean_name_kana(self) -> str:
        return normalize.katakana(self.cleaned_data["name_kana"])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()
