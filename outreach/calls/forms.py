"""Forms of the phone desk: a call's outcome, the range of the call statistics."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import CallOutcome


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    callback_at = forms.DateTimeField(
        label=_("call back at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class DayRangeForm(forms.Form):
    since = forms.DateField(label=_("from"), required=False)
    until = forms.DateField(label=_("to"), required=False)

    def days(self, default: int = 14) -> tuple[datetime.date, datetime.date]:
        """The chosen range, or the last `default` days; an invalid range falls back to the default."""
        today = timezone.localdate()
        fallback = (today - datetime.timedelta(days=default - 1), today)
        if not self.is_valid():
            return fallback
        since = self.cleaned_data.get("since") or fallback[0]
        until = self.cleaned_data.get("until") or today
        if since > until:
            self.add_error("until", _("The end must not come before the start."))
            return fallback
        return since, until
