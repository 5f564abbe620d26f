"""Forms of the phone desk, the bounce upload and the report pages."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import CallOutcome, CommitteeReport
from renewals.fiscal import PeriodError, parse_quarter


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    callback_at = forms.DateTimeField(
        label=_("call back at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class BounceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("bounce list (CSV)"),
        help_text=_("One e-mail address or business ID per row; UTF-8 or Shift_JIS; a header row is optional."),
    )
    bounced_on = forms.DateField(label=_("bounced on"), initial=timezone.localdate)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": settings.IMPORT_MAX_UPLOAD_MB}
            )
        return upload


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
