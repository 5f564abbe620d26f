from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renewals.models import RenewalCase


class ApplicationForm(forms.Form):
    received_on = forms.DateField(label=_("application received on"), initial=timezone.localdate)
    channel = forms.ChoiceField(label=_("channel"), choices=RenewalCase.Channel.choices, initial="desk")
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApprovalForm(forms.Form):
    approved_on = forms.DateField(label=_("approved on"), initial=timezone.localdate)


class ReregistrationForm(forms.Form):
    registered_on = forms.DateField(label=_("registered on"), initial=timezone.localdate)
