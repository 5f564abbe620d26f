"""Guards installed on every admin of the site, whoever wrote it (`install`).

- Changelists accept only the filters the page shows: Django applies any lookup on a
  model's own fields from the query string (`?email__startswith=s`), which would let a
  role read, one character at a time, a field it may not see. Whatever no filter of the
  page (nor the date hierarchy, nor a link of the admin's own pages: `link_lookups`)
  consumes is refused: the list opens again without it, with a message.
- History pages (django-simple-history) show, of each change, only the fields the change
  page shows this user (`outreach.lists.scoping.visible_fields` decides for association staff),
  and association staff reach only the history of rows inside their scope.
- Some third-party admins are replaced by their Japanese versions (ccus/vendor_admin.py).
- Third-party admin actions that declare no permission are given one: django-celery-beat's
  "run / enable / disable tasks" and django-axes' "clean up attempts" need the change (or
  delete) right.
"""

import dataclasses
import datetime
import functools

from axes.admin import AccessAttemptAdmin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from ccus import vendor_admin
from outreach.lists import scoping


class RefusedLookups(SuspiciousOperation):
    """Query-string lookups that no filter of the changelist offers (a 400 outside the list page)."""

    def __init__(self, names: list[str]):
        super().__init__(f"Filtering by {', '.join(names)} not allowed")
        self.names = names


class GuardedChangeListMixin:
    def get_filters(self, request):
        sent = self.get_filters_params()
        filters = super().get_filters(request)
        remaining = filters[2]  # what no list filter nor the date hierarchy took
        allowed = set(getattr(self.model_admin, "link_lookups", ()))
        refused = sorted(name for name in sent if name in remaining and name not in allowed)
        if refused:
            raise RefusedLookups(refused)
        return filters


@functools.cache
def guarded_changelist(changelist_class):
    return type(f"Guarded{changelist_class.__name__}", (GuardedChangeListMixin, changelist_class), {})


class LookupGuardMixin:
    """An admin may name in `link_lookups` the exact lookups its own pages put in links to its list
    (e.g. "prime__id__exact"); the guard stands in front of it, so it declares no default itself."""

    def get_changelist(self, request, **kwargs):
        return guarded_changelist(super().get_changelist(request, **kwargs))

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except RefusedLookups as refused:
            self.message_user(
                request,
                gettext("This list cannot be filtered by %(names)s; it is shown without that condition.")
                % {"names": ", ".join(refused.names)},
                messages.WARNING,
            )
            query = request.GET.copy()
            for name in refused.names:
                query.pop(name, None)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)


class ShownFieldsHelper(HistoricalRecordContextHelper):
    """Formats a history entry's changes, leaving out the fields the user may not see.

    Values read as on the change page: choices by their label, times in Tokyo time, yes/no, a dash for empty.
    """

    def __init__(self, model, historical_record, *, shown: frozenset[str]):
        super().__init__(model, historical_record)
        self.shown = shown

    def context_for_delta_changes(self, delta):
        changes = [change for change in delta.changes if change.field in self.shown]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes))

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, datetime.datetime):
            return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
        return super().prepare_delta_change_value(change, value)


class HistoryGuardMixin:
    def history_fields(self, request, obj=None) -> frozenset[str]:
        """The model fields whose changes this user sees: those of the change page, as far as scoping allows."""
        shown = set(flatten_fieldsets(self.get_fieldsets(request, obj)))
        visible = scoping.visible_fields(request.user, self.model)
        return frozenset(shown if visible is None else shown & visible)

    def history_view(self, request, object_id, extra_context=None):
        request.history_fields = self.history_fields(request, self._visible_or_404(request, object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return ShownFieldsHelper(self.model, historical_record, shown=request.history_fields)

    def _visible_or_404(self, request, object_id):
        """The object as this user may open it; for association staff a hidden (or deleted) one is a 404,
        where django-simple-history would show the last version of an object its queryset does not return."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None and scoping.is_association_staff(request.user):
            raise Http404(gettext("No such object."))
        return obj


class GuardedActionsMixin:
    guarded_actions: dict[str, str] = {}

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name, permission in self.guarded_actions.items():
            if name in actions and not getattr(self, f"has_{permission}_permission")(request):
                del actions[name]
        return actions


class GuardedPeriodicTaskAdmin(GuardedActionsMixin, vendor_admin.JapanesePeriodicTaskAdmin):
    guarded_actions = dict.fromkeys(["enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"], "change")


class GuardedAccessAttemptAdmin(GuardedActionsMixin, AccessAttemptAdmin):
    guarded_actions = {"cleanup_expired_attempts": "delete"}

    @admin.display(description=_("Status"))
    def status(self, obj):
        left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return gettext("%(n)s attempts left") % {"n": left} if left > 0 else gettext("Locked Out")


def guarded(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` with the guards in front of it."""
    if issubclass(admin_class, LookupGuardMixin):
        return admin_class
    guards = [LookupGuardMixin]
    if issubclass(admin_class, SimpleHistoryAdmin):
        guards.append(HistoryGuardMixin)
    return type(admin_class.__name__, (*guards, admin_class), {"__module__": admin_class.__module__})


def install(site: admin.AdminSite) -> None:
    """Put the guards on every admin registered on `site` (call once every admin module is imported)."""
    replacements = {
        PeriodicTask: GuardedPeriodicTaskAdmin,
        AccessAttempt: GuardedAccessAttemptAdmin,
        CrontabSchedule: vendor_admin.JapaneseCrontabScheduleAdmin,
        IntervalSchedule: vendor_admin.JapaneseIntervalScheduleAdmin,
        SolarSchedule: vendor_admin.JapaneseSolarScheduleAdmin,
        ClockedSchedule: vendor_admin.JapaneseClockedScheduleAdmin,
        TOTPDevice: vendor_admin.JapaneseTOTPDeviceAdmin,
    }
    for model, model_admin in list(site._registry.items()):
        admin_class = guarded(replacements.get(model, type(model_admin)))
        if admin_class is not type(model_admin):
            site.unregister(model)
            site.register(model, admin_class)
