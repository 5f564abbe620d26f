"""The answer page's one question and the details each answer needs, checked like every other input.

Each answer has its own fields (a date field per answer, so the page works without
script: the details of the chosen answer show under it). `details()` gives the cleaned
values of the chosen answer only, under the names outreach.answers.answer_record takes.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from outreach.models import Answer
from registrations import normalize, validation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]

# kind → (form field → answer field); the fields an answer needs, in the order they show.
FIELDS_OF = {
    Answer.Kind.WILL_APPLY: {"apply_by": "on_date"},
    Answer.Kind.APPLIED: {"applied_on": "on_date", "applied_route": "route"},
    Answer.Kind.AGENT: {"agent_name": "agent_name", "agent_contact": "agent_contact", "agent_applied_on": "on_date"},
    Answer.Kind.CLOSED: {"closed_on": "on_date"},
    Answer.Kind.MERGED: {"merged_on": "on_date", "successor": "successor"},
    Answer.Kind.CONTACT: {
        "new_email": "new_email",
        "new_phone": "new_phone",
        "new_contact_person": "new_contact_person",
        "new_postal_code": "new_postal_code",
        "new_address": "new_address",
    },
}
REQUIRED = {
    "apply_by",
    "applied_on",
    "applied_route",
    "agent_name",
    "agent_contact",
    "closed_on",
    "merged_on",
    "successor",
}


def _date(label):
    return forms.DateField(label=label, required=False, widget=DATE_INPUT, input_formats=DATE_FORMATS)


def _text(label, max_length, **kwargs):
    return forms.CharField(label=label, required=False, max_length=max_length, **kwargs)


class AnswerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Your situation"),
        choices=Answer.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one answer."), "invalid_choice": _("Choose one of the answers.")},
    )
    apply_by = _date(_("We will apply by"))
    applied_on = _date(_("Date of the application"))
    applied_route = forms.ChoiceField(
        label=_("Applied"), required=False, choices=Answer.Route.choices, widget=forms.RadioSelect
    )
    agent_name = _text(_("Name of the scrivener or agency"), 100)
    agent_contact = _text(_("Their phone number or e-mail"), 200)
    agent_applied_on = _date(_("Date of the application, if they have applied"))
    closed_on = _date(_("Date of closing"))
    merged_on = _date(_("Date of the merger"))
    successor = _text(_("Successor's trade name or business ID (事業者ID)"), 200)
    new_email = forms.EmailField(label=_("New e-mail"), required=False, max_length=254)
    new_phone = _text(_("New phone number"), 30)
    new_contact_person = _text(_("New contact person"), 100)
    new_postal_code = _text(_("New postal code"), 8)
    new_address = _text(_("New address"), 200)

    def __init__(self, *args, expires_on: datetime.date, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.expires_on = expires_on
        self.today = today

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        for name in FIELDS_OF[kind]:
            if name in REQUIRED and not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Fill in this item."))
        for name in ("applied_on", "agent_applied_on", "closed_on", "merged_on"):
            if name in FIELDS_OF[kind] and (day := cleaned.get(name)) and day > self.today:
                self.add_error(name, _("This date must not be in the future."))
        if kind == Answer.Kind.WILL_APPLY and (day := cleaned.get("apply_by")):
            if day < self.today:
                self.add_error("apply_by", _("This date must not be in the past."))
            elif day > self.expires_on:
                self.add_error(
                    "apply_by", _("Apply before your registration expires (%(date)s).") % {"date": self.expires_on}
                )
        if kind == Answer.Kind.CONTACT:
            self._clean_contact(cleaned)
        return cleaned

    def _clean_contact(self, cleaned):
        if not any(cleaned.get(name) for name in FIELDS_OF[Answer.Kind.CONTACT]):
            raise ValidationError(_("Fill in at least one of the new contact details."))
        if (phone := cleaned.get("new_phone")) and not 10 <= len(normalize.digits(phone)) <= 11:
            self.add_error("new_phone", _("Write a phone number of 10 or 11 digits."))
        if postal_code := cleaned.get("new_postal_code"):
            cleaned["new_postal_code"] = postal_code = normalize.digits(postal_code) or postal_code
            try:
                validation.validate_postal_code(postal_code)
            except ValidationError as error:
                self.add_error("new_postal_code", error)

    def details(self) -> dict:
        """The chosen answer's values, under the answer's field names."""
        return {target: self.cleaned_data.get(name) for name, target in FIELDS_OF[self.cleaned_data["kind"]].items()}
