from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # The last app: every admin module has been imported (django.contrib.admin's ready() ran first).
        from anymail.signals import tracking
        from django.contrib import admin

        from outreach import admin_guards, delivery

        admin_guards.install(admin.site)
        # anymail's signal is its API for the provider's reports; the work is in the service.
        tracking.connect(delivery.tracking_received, dispatch_uid="outreach.delivery")


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the back office's site (its home page says what each role has to do)."""

    default = False  # "outreach" in INSTALLED_APPS still means OutreachConfig
    default_site = "outreach.admin_home.BackOfficeSite"
