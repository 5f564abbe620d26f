"""Desk forms for postcards: the posting date, and returned mail one by one or as a list of IDs."""

import itertools
import re
import unicodedata

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ccus.tabular import TabularError, open_table, shown
from registrations.models import Business

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def normalise_id(value: str) -> str:
    """Full-width digits, spaces and hyphens, as typed or scanned, to the bare 事業者ID."""
    return re.sub(r"[\s\-‐－]", "", unicodedata.normalize("NFKC", value or ""))


def id_problem(value: str) -> str:
    """Why a cell is not a 事業者ID, or ''."""
    if re.fullmatch(r"\d{14}", value):
        return ""
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", value):
        return gettext("“%(value)s” lost its digits when it was saved as a number in Excel.") % {"value": shown(value)}
    return gettext("“%(value)s” is not a 14-digit business ID.") % {"value": shown(value)}


class PostedForm(forms.Form):
    posted_on = forms.DateField(label=_("posted on"), initial=timezone.localdate, widget=DATE_INPUT)


class ReturnedMailForm(forms.Form):
    """One returned postcard: the 事業者ID typed or scanned from the card's barcode."""

    ccus_id = forms.CharField(
        label=_("business ID (事業者ID)"),
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "numeric"}),
    )
    returned_on = forms.DateField(label=_("returned on"), initial=timezone.localdate, widget=DATE_INPUT)

    def clean_ccus_id(self) -> Business:
        value = normalise_id(self.cleaned_data["ccus_id"])
        if problem := id_problem(value):
            raise forms.ValidationError(problem)
        business = Business.objects.filter(ccus_id=value).first()
        if business is None:
            raise forms.ValidationError(gettext("No business with business ID %(id)s.") % {"id": value})
        return business


class ReturnedMailUploadForm(forms.Form):
    """A list of returned postcards' IDs: one per row (the first column of a CSV or XLSX), UTF-8 or CP932.

    Read by `ccus.tabular.open_table`, under the same rules and limits as every import.
    """

    file = forms.FileField(
        label=_("list of business IDs"),
        help_text=_("A text or CSV file with one business ID per line (first column); a header row is allowed."),
    )
    returned_on = forms.DateField(label=_("returned on"), initial=timezone.localdate, widget=DATE_INPUT)

    def clean_file(self) -> list[int]:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                gettext("The file is larger than %(mb)s MB.") % {"mb": settings.IMPORT_MAX_UPLOAD_MB}
            )
        try:
            with open_table(upload, listing=True) as table:
                return self._business_ids(table)
        except TabularError as error:
            raise forms.ValidationError(str(error)) from error

    @staticmethod
    def _business_ids(table) -> list[int]:
        """The businesses of the list's first column; a first line that is not an ID is its header."""
        errors, lines = [], {}
        first = [(1, table.headers[0])] if table.headers else []
        for number, cell in itertools.chain(first, ((n, record.get(0, "")) for n, record in table)):
            value = normalise_id(cell.strip())
            if not value or (number == 1 and not value[0].isdigit()):
                continue  # blank line, or a header such as 事業者ID
            if problem := id_problem(value):
                errors.append((number, problem))
            else:
                lines.setdefault(value, number)
        known = dict(Business.objects.filter(ccus_id__in=list(lines)).values_list("ccus_id", "pk"))
        for value, number in lines.items():
            if value not in known:
                errors.append((number, gettext("No business with business ID %(id)s.") % {"id": value}))
        if errors:
            raise forms.ValidationError(
                [gettext("Line %(line)s: %(problem)s") % {"line": n, "problem": p} for n, p in sorted(errors)]
            )
        if not lines:
            raise forms.ValidationError(gettext("The file holds no business IDs."))
        return [known[value] for value in lines]
