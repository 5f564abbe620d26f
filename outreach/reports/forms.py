"""Forms of the reports: the effect report's months, a committee report's quarter."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import CommitteeReport
from renewals.fiscal import PeriodError, parse_quarter


class MonthRangeForm(forms.Form):
    first_month = forms.DateField(
        label=_("expiry from (month)"), required=False, input_formats=["%Y-%m"], widget=forms.DateInput(format="%Y-%m")
    )
    last_month = forms.DateField(
        label=_("expiry to (month)"), required=False, input_formats=["%Y-%m"], widget=forms.DateInput(format="%Y-%m")
    )

    def months(self) -> tuple[datetime.date, datetime.date]:
        """The chosen months, or the twelve months up to the one after the current."""
        this_month = timezone.localdate().replace(day=1)
        last_default = (this_month + datetime.timedelta(days=32)).replace(day=1)
        first_default = last_default.replace(year=last_default.year - 1) + datetime.timedelta(days=32)
        fallback = (first_default.replace(day=1), last_default)
        if not self.is_valid():
            return fallback
        first = self.cleaned_data.get("first_month") or fallback[0]
        last = self.cleaned_data.get("last_month") or fallback[1]
        if first > last:
            self.add_error("last_month", _("The end must not come before the start."))
            return fallback
        return first, last


class CommitteeReportForm(forms.ModelForm):
    class Meta:
        model = CommitteeReport
        fields = ["quarter"]

    def clean_quarter(self):
        try:
            return parse_quarter(self.cleaned_data["quarter"]).label
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
