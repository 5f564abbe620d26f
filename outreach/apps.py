from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # The last app: every admin module has been imported (django.contrib.admin's ready() ran first).
        from django.contrib import admin

        from ccus import admin_guards

        admin_guards.install(admin.site)
