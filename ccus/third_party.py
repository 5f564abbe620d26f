"""Third-party apps under Japanese names on the admin's home page and menus, their records under Japanese titles.

django-axes and django-otp's TOTP plugin give their apps (and TOTP its model) English names that are not
marked for translation; these configurations, listed in INSTALLED_APPS in their place, name them through
gettext. Their other strings are translated in locale_vendor/ (README "Translations").
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login attempts")

    def ready(self):
        super().ready()
        # The records' names head their admin pages; the library writes them in English, unmarked.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = lambda row: gettext("Login attempt at %(time)s") % {"time": _local(row.attempt_time)}
        AccessLog.__str__ = lambda row: (
            gettext("Login of %(user)s at %(time)s")
            % {
                "user": row.username,
                "time": _local(row.attempt_time),
            }
        )
        AccessFailureLog.__str__ = lambda row: (
            gettext("Failed login of %(user)s at %(time)s from %(ip)s")
            % {
                "user": row.username,
                "time": _local(row.attempt_time),
                "ip": row.ip_address,
            }
        )


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


class TOTPConfig(TOTPAppConfig):
    verbose_name = _("Two-step login")

    def ready(self):
        super().ready()
        # Display names only: migrations read Meta's original options, so no migration follows.
        options = self.get_model("TOTPDevice")._meta
        options.verbose_name = _("authenticator app")
        options.verbose_name_plural = _("authenticator apps")
