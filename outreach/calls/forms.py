"""Forms of the phone desk: a call's outcome, the range of the call statistics."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import CallOutcome


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    # Typed in Japanese order (年/月/日 時:分) whatever the browser's language, which a
    # datetime-local field would follow instead.
    callback_at = forms.DateTimeField(
        label=_("call back at"),
        required=False,
        input_formats=["%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            attrs={"placeholder": "2027/03/08 09:00", "size": 16, "inputmode": "numeric"}, format="%Y/%m/%d %H:%M"
        ),
        help_text=_("year/month/day hour:minute"),
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
