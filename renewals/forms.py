"""The desk's renewal steps: each asks for a date, checked by the model field's own rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.forms import DateField
from registrations.models import Business
from renewals.corrections import REASON_MAX_LENGTH
from renewals.models import RenewalCase, Term


def date_field(model_field) -> DateField:
    """A date as the desk types it, with the model field's own validators (not in the future)."""
    return DateField(label=model_field.verbose_name, initial=timezone.localdate, validators=model_field.validators)


class ApplicationForm(forms.Form):
    received_on = date_field(RenewalCase._meta.get_field("received_on"))
    channel = forms.ChoiceField(label=_("channel"), choices=RenewalCase.Channel.choices, initial="desk")
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApprovalForm(forms.Form):
    approved_on = date_field(RenewalCase._meta.get_field("approved_on"))


class ReregistrationForm(forms.Form):
    registered_on = date_field(Business._meta.get_field("registered_on"))


class CorrectionForm(forms.Form):
    """A supervisor's correction of the registration's dates; the reason goes into the history."""

    registered_on = date_field(Business._meta.get_field("registered_on"))
    expires_on = DateField(label=Term._meta.get_field("expires_on").verbose_name)
    reason = forms.CharField(
        label=_("reason for the correction"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Required. Kept in the history of the term and of the business."),
        error_messages={"required": _("Give the reason for the correction; it is kept in the history.")},
        widget=forms.TextInput(attrs={"size": 60}),
    )
