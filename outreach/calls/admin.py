"""The phone desk in the admin: the call queue, the call screen, attempts, the supervisors'
numbers and the desk's list of businesses that said they had already applied."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ccus.admin_mixins import ReadOnlyAdminMixin
from outreach import admin_timeline, rendering
from outreach.calls import priority
from outreach.calls import selectors as call_selectors
from outreach.calls import services as calls
from outreach.calls.forms import CallOutcomeForm, DayRangeForm
from outreach.models import CallAttempt, CallOutcome, CallStats, CallTask, RenewalCheck
from renewals.admin import urgency_colour


class CallTaskStatusFilter(admin.SimpleListFilter):
    """Open tasks unless asked otherwise: the queue is what is left to call."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(CallTask.Status.DONE, CallTask.Status.DONE.label), ("all", _("All"))]

    def choices(self, changelist):
        """The queue (the default), done, all: Django's own "all" link would mean the queue here."""
        labels = [(None, CallTask.Status.OPEN.label), *self.lookup_choices]
        for value, label in labels:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value} if value else {}, [] if value else [self.parameter_name]
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == CallTask.Status.DONE:
            return queryset.filter(status=CallTask.Status.DONE)
        return queryset.filter(pk__in=calls.queue().values("pk"))


@admin.register(CallTask)
class CallTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["business", "phone", "days_left", "due_at", "kind", "assigned_to", "status"]
    list_select_related = ["notice__business", "assigned_to"]
    list_filter = [CallTaskStatusFilter, "kind", "assigned_to"]
    ordering = ["expires_on", "due_at", "pk"]
    show_full_result_count = False
    change_list_template = "admin/outreach/calltask/change_list.html"
    link_lookups = ("due_at__lte",)  # "calls due now" on the operator's home page

    @admin.display(description=_("business"), ordering="notice__business__ccus_id")
    def business(self, task):
        return task.notice.business

    @admin.display(description=_("phone"))
    def phone(self, task):
        return task.notice.business.phone

    @admin.display(description=_("Days left"), ordering="expires_on")
    def days_left(self, task):
        return task.notice.business.days_left()

    def get_urls(self):
        return [
            path("next/", self.admin_site.admin_view(self.next_view), name="outreach_calltask_next"),
            path("<int:task_id>/call/", self.admin_site.admin_view(self.call_view), name="outreach_calltask_call"),
            *super().get_urls(),
        ]

    def _require_operator(self, request):
        if not request.user.has_perm("outreach.take_call"):
            raise PermissionDenied

    def next_view(self, request):
        """Take the next call (POST) and open it."""
        self._require_operator(request)
        if request.method != "POST":
            return redirect("admin:outreach_calltask_changelist")
        try:
            task = calls.call_claim_next(operator=request.user)
        except calls.CallError as error:
            self.message_user(request, str(error), messages.WARNING)
            return redirect("admin:outreach_calltask_changelist")
        if task is None:
            self.message_user(request, _("No call is due now."), messages.INFO)
            return redirect("admin:outreach_calltask_changelist")
        return redirect("admin:outreach_calltask_call", task_id=task.pk)

    def call_view(self, request, task_id):
        """One screen per call: who, how urgent, what was said before, the script, the outcome."""
        self._require_operator(request)
        task = get_object_or_404(
            CallTask.objects.select_related("notice__business", "notice__term", "notice__step", "notice__template"),
            pk=task_id,
        )
        if task.status != CallTask.Status.OPEN or task.assigned_to_id != request.user.pk:
            self.message_user(
                request, _("This call is not yours to record any more: take the next one."), messages.ERROR
            )
            return redirect("admin:outreach_calltask_changelist")
        form = CallOutcomeForm(
            request.POST or None, initial={"callback_at": calls.next_callback_slot(task.notice, timezone.now())}
        )
        error = ""
        if request.method == "POST" and form.is_valid():
            try:
                calls.call_record(
                    task_id=task.pk,
                    operator=request.user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    callback_at=form.cleaned_data["callback_at"],
                )
            except calls.CallError as call_error:
                error = str(call_error)
            else:
                label = CallOutcome(form.cleaned_data["outcome"]).label
                self.message_user(
                    request,
                    _("Recorded: %(business)s — %(outcome)s.") % {"business": task.notice.business, "outcome": label},
                    messages.SUCCESS,
                )
                return redirect("admin:outreach_calltask_changelist")
        return TemplateResponse(request, "admin/outreach/call.html", self._call_context(request, task, form, error))

    def _call_context(self, request, task, form, error):
        notice, business = task.notice, task.notice.business
        today = timezone.localdate()
        expires_on = rendering.expiry_of(notice)
        script, script_error = "", ""
        try:
            script = rendering.call_script(notice, today=today)
        except rendering.RenderError as render_error:
            script_error = _("The call script has an error: %(error)s") % {"error": render_error}
        days_left = (expires_on - today).days
        return {
            **self.admin_site.each_context(request),
            "title": _("Call: %(business)s") % {"business": business.name},
            "opts": self.model._meta,
            "task": task,
            "notice": notice,
            "business": business,
            "expires_on": expires_on,
            "days_left": days_left,
            "colour": urgency_colour(days_left),
            "script": script,
            "script_error": script_error,
            "timeline": admin_timeline.render_timeline(business.pk),
            "lapse_risk": priority.risk_of(notice.term_id),
            "form": form,
            "error": error,
            "outcomes": CallOutcome.choices,
        }


@admin.register(CallAttempt)
class CallAttemptAdmin(admin.ModelAdmin):
    list_display = ["started_at", "business", "operator", "outcome", "callback_at", "note"]
    list_select_related = ["notice__business", "operator"]
    list_filter = ["outcome", "operator", "started_at"]
    search_fields = ["=notice__business__ccus_id"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    readonly_fields = ["notice", "task", "operator", "started_at", "ended_at", "outcome", "note", "callback_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("business"))
    def business(self, attempt):
        return attempt.notice.business


@admin.register(CallStats)
class CallStatsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Calls made and their outcomes per operator and day, for supervisors."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DayRangeForm(request.GET or None)
        since, until = form.days()
        rows = [
            {"day": row.day, "operator": row.operator, "counts": list(row.outcomes.values()), "total": row.total}
            for row in call_selectors.call_stats(since=since, until=until)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": CallStats._meta.verbose_name_plural,
            "opts": self.model._meta,
            "form": form,
            "since": since,
            "until": until,
            "rows": rows,
            "outcomes": CallOutcome.choices,
        }
        return TemplateResponse(request, "admin/outreach/call_stats.html", context)


class CheckedFilter(admin.SimpleListFilter):
    """Unchecked businesses unless asked otherwise: the list is what the desk still has to check."""

    title = _("checked")
    parameter_name = "checked"

    def lookups(self, request, model_admin):
        return [("yes", _("checked")), ("all", _("all"))]

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(checked_at__isnull=self.value() != "yes")


@admin.register(RenewalCheck)
class RenewalCheckAdmin(admin.ModelAdmin):
    list_display = ["business", "expires_on", "reported_at", "operator", "note", "checked_at", "checked_by"]
    list_select_related = ["business", "attempt__operator", "checked_by"]
    list_filter = [CheckedFilter]
    search_fields = ["=business__ccus_id"]
    readonly_fields = ["business", "attempt", "reported_at", "checked_at", "checked_by"]
    fields = [*readonly_fields, "note"]
    actions = ["mark_checked"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("expires on"), ordering="business__expires_on")
    def expires_on(self, check):
        return check.business.expires_on

    @admin.display(description=_("operator"))
    def operator(self, check):
        return check.attempt.operator if check.attempt_id else "-"

    @admin.action(description=_("Checked: the renewal is in order"), permissions=["change"])
    def mark_checked(self, request, queryset):
        count = queryset.filter(checked_at__isnull=True).update(checked_at=timezone.now(), checked_by=request.user)
        self.message_user(request, _("%(count)s businesses checked.") % {"count": count}, messages.SUCCESS)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.title = _("Businesses that said they have applied: check their renewal")
        return changelist
