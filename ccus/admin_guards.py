"""Third-party admin actions that declare no permission, given one.

django-celery-beat offers "run / enable / disable tasks" and django-axes "clean up
attempts" to anyone who can see the list; here they need the change (or delete) right.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask


class GuardedActionsMixin:
    guarded_actions: dict[str, str] = {}

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name, permission in self.guarded_actions.items():
            if name in actions and not getattr(self, f"has_{permission}_permission")(request):
                del actions[name]
        return actions


class GuardedPeriodicTaskAdmin(GuardedActionsMixin, PeriodicTaskAdmin):
    guarded_actions = dict.fromkeys(["enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"], "change")


class GuardedAccessAttemptAdmin(GuardedActionsMixin, AccessAttemptAdmin):
    guarded_actions = {"cleanup_expired_attempts": "delete"}


def install(site: admin.AdminSite) -> None:
    for model, model_admin in [(PeriodicTask, GuardedPeriodicTaskAdmin), (AccessAttempt, GuardedAccessAttemptAdmin)]:
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
