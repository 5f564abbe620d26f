"""The core's forms: the bounce list upload."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
