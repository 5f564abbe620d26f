"""The admin site of the back office: Django's, with a home page that says what the user's role has to do today.

`outreach.apps.BackOfficeAdminConfig` (in INSTALLED_APPS in place of django.contrib.admin) makes this
the default site, so `admin.site` is an instance of it everywhere.
"""

from django.contrib import admin
from django.utils import timezone

from outreach import admin_todo


class BackOfficeSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        sections = admin_todo.todo(request.user, now=timezone.now())
        context = {"todo": sections}
        if sections:
            context["title"] = sections[0][0]  # the role's name, not one title for everyone
        return super().index(request, {**context, **(extra_context or {})})
