"""Renewals in the admin: the fee schedule, applications, and the business page's renewal side.

As the composition layer it calls outreach after each renewal step, so the business's queued
notices that are no longer needed are cancelled at that moment (renewals itself imports
nothing of outreach)."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from outreach import services as outreach_services
from renewals import corrections, selectors, services
from renewals.forms import ApplicationForm, ApprovalForm, CorrectionForm, ReregistrationForm
from renewals.models import FeeRate, RenewalCase, RenewalStatus, Target, Term

DAYS_LEFT_BUCKETS = [30, 60, 90, 180]
# Days left at or below which the business page shows the expiry in each colour.
URGENCY_COLOURS = [(30, "#ba2121"), (90, "#d97706"), (180, "#b59f00")]


def urgency_colour(days_left: int) -> str:
    for limit, colour in URGENCY_COLOURS:
        if days_left <= limit:
            return colour
    return "#417690"


class RenewalStatusFilter(admin.SimpleListFilter):
    title = _("renewal status")
    parameter_name = "renewal_status"

    def lookups(self, request, model_admin):
        return RenewalStatus.choices

    def queryset(self, request, queryset):
        if self.value() in RenewalStatus.values:
            return selectors.filter_by_status(queryset, self.value(), today=timezone.localdate())
        return queryset


class DaysLeftFilter(admin.SimpleListFilter):
    title = _("days left")
    parameter_name = "days_left"

    def lookups(self, request, model_admin):
        return [(str(days), _("≤ %(days)s days") % {"days": days}) for days in DAYS_LEFT_BUCKETS]

    def queryset(self, request, queryset):
        if self.value() not in {str(days) for days in DAYS_LEFT_BUCKETS}:
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=int(self.value()))
        )


class TermInline(admin.TabularInline):
    model = Term
    fields = ["starts_on", "expires_on", "origin", "is_current", "ended", "lapse_recorded_on", "corrections"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("term history")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("corrections"))
    def corrections(self, obj):
        """Each supervisor's correction of this term: when, who, what moved and why."""
        prefix = corrections.change_reason("")
        lines, before = [], None
        # The term's whole history, in the order written: each correction against the row before it.
        for record in obj.history.select_related("history_user").order_by("history_id"):
            if before and (record.history_change_reason or "").startswith(prefix):
                moved = [
                    f"{Term._meta.get_field(name).verbose_name}: {getattr(before, name)} → {getattr(record, name)}"
                    for name in ("starts_on", "expires_on")
                    if getattr(before, name) != getattr(record, name)
                ]
                lines.append(
                    (
                        f"{timezone.localtime(record.history_date):%Y-%m-%d %H:%M}",
                        record.history_user or "-",
                        "、".join(moved),
                        record.history_change_reason,
                    )
                )
            before = record
        if not lines:
            return "-"
        return format_html_join("", "<div>{} {}: {} ({})</div>", lines)


class RenewalCaseInline(admin.TabularInline):
    model = RenewalCase
    fk_name = "business"
    fields = ["received_on", "channel", "status", "fee", "approved_on", "received_by", "approved_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BusinessRenewalMixin:
    """The renewal side of the business admin: status, days left, actions and views."""

    renewal_list_filters = [RenewalStatusFilter, DaysLeftFilter]
    renewal_inlines = [TermInline, RenewalCaseInline]
    renewal_readonly_fields = ["renewal_summary"]
    change_form_template = "admin/renewals/business_change_form.html"

    @admin.display(description=_("renewal"))
    def renewal_summary(self, obj):
        if not obj.pk:
            return "-"
        today = timezone.localdate()
        days = obj.days_left(today)
        status = selectors.status_of(obj, today=today)
        return format_html(
            '<strong style="color:{}">{}</strong> ({}) — {}',
            urgency_colour(days),
            _("%(days)s days left") % {"days": days} if days >= 0 else _("expired %(days)s days ago") % {"days": -days},
            obj.expires_on,
            status.label,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.terms_sync(business_ids=[form.instance.pk])

    def has_record_renewal_permission(self, request):
        return request.user.has_perm("renewals.add_renewalcase")

    def has_approve_renewal_permission(self, request):
        return request.user.has_perm("renewals.change_renewalcase")

    @admin.action(description=_("Record a renewal application"), permissions=["record_renewal"])
    def record_application(self, request, queryset):
        return self._run_step(request, queryset, ApplicationForm, "record_application", self._record)

    @admin.action(description=_("Approve the pending renewal application"), permissions=["approve_renewal"])
    def approve_application(self, request, queryset):
        return self._run_step(request, queryset, ApprovalForm, "approve_application", self._approve)

    def _record(self, request, business, data):
        services.renewal_record_application(
            business=business,
            received_on=data["received_on"],
            channel=data["channel"],
            user=request.user,
            note=data["note"],
        )
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)

    def _approve(self, request, business, data):
        case = business.renewal_cases.filter(status=RenewalCase.Status.PENDING).first()
        if case is None:
            raise services.RenewalError(
                _("%(business)s has no pending application.") % {"business": f"{business.name} ({business.ccus_id})"}
            )
        services.renewal_approve(case=case, approved_on=data["approved_on"], user=request.user)
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)

    def _run_step(self, request, queryset, form_class, action, step):
        """Ask for the date on an intermediate page, then run the step per business."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                done, errors = 0, []
                for business in queryset:
                    try:
                        step(request, business, form.cleaned_data)
                        done += 1
                    except services.RenewalError as error:
                        errors.append(str(error))
                if done:
                    self.message_user(request, _("%(count)s businesses updated.") % {"count": done}, messages.SUCCESS)
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": dict(self.get_action_choices(request)).get(action, action),
            "opts": self.model._meta,
            "form": form,
            "action": action,
            "businesses": queryset[:100],
            "selected": queryset.values_list("pk", flat=True),
        }
        return TemplateResponse(request, "admin/renewals/renewal_step.html", context)

    def get_urls(self):
        views = [
            ("record-application", "record_application", ApplicationForm, self._record),
            ("approve-application", "approve_application", ApprovalForm, self._approve),
            ("register-again", "register_again", ReregistrationForm, self._register_again),
            ("correct-dates", "correct_dates", CorrectionForm, self._correct_dates),
        ]
        urls = [
            path(
                f"<int:object_id>/{slug}/",
                self.admin_site.admin_view(self._object_step_view(name, form_class, step)),
                name=f"registrations_business_{name}",
            )
            for slug, name, form_class, step in views
        ]
        return urls + super().get_urls()

    def _register_again(self, request, business, data):
        services.registration_restart(business=business, registered_on=data["registered_on"])
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)

    def has_correct_dates_permission(self, request):
        return request.user.has_perm("renewals.correct_term")

    def _correct_dates(self, request, business, data):
        corrections.registration_dates_correct(
            business=business,
            registered_on=data["registered_on"],
            expires_on=data["expires_on"],
            reason=data["reason"],
            user=request.user,
        )
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)

    def _object_step_view(self, name, form_class, step):
        """A renewal step for one business from its change page."""

        def view(request, object_id):
            business = get_object_or_404(self.get_queryset(request), pk=object_id)
            allowed = {
                "record_application": self.has_record_renewal_permission,
                "correct_dates": self.has_correct_dates_permission,
            }.get(name, self.has_approve_renewal_permission)
            if not allowed(request):
                raise PermissionDenied
            # A correction starts from the dates as they are; the other steps from today.
            initial = {"registered_on": business.registered_on, "expires_on": business.expires_on}
            form = form_class(request.POST or None, initial=initial if name == "correct_dates" else None)
            if request.method == "POST" and form.is_valid():
                try:
                    step(request, business, form.cleaned_data)
                except services.RenewalError as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, _("Saved."), messages.SUCCESS)
                    return redirect(reverse("admin:registrations_business_change", args=[business.pk]))
            context = {
                **self.admin_site.each_context(request),
                "title": f"{business.name} ({business.ccus_id})",
                "opts": self.model._meta,
                "original": business,
                "form": form,
            }
            return TemplateResponse(request, "admin/renewals/renewal_object_step.html", context)

        return view


@admin.register(RenewalCase)
class RenewalCaseAdmin(SimpleHistoryAdmin):
    list_display = ["business", "received_on", "channel", "status", "fee", "approved_on"]
    list_select_related = ["business"]
    list_filter = ["status", "channel", "received_on", "approved_on"]
    search_fields = ["=business__ccus_id"]
    readonly_fields = [
        "business", "term", "received_on", "channel", "received_by", "status", "capital_band", "fee",
        "approved_on", "approved_by", "new_term",
    ]  # fmt: skip
    fields = [*readonly_fields, "note"]
    date_hierarchy = "received_on"
    show_full_result_count = False
    actions = ["approve_today", "withdraw"]

    def has_add_permission(self, request):
        return False  # applications are recorded from the business, through the service

    @admin.action(description=_("Approve selected pending applications today"), permissions=["change"])
    def approve_today(self, request, queryset):
        today, done = timezone.localdate(), 0
        for case in queryset.filter(status=RenewalCase.Status.PENDING):
            try:
                services.renewal_approve(case=case, approved_on=today, user=request.user)
                outreach_services.notices_cancel_unneeded(business_ids=[case.business_id], user=request.user)
                done += 1
            except services.RenewalError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, _("%(count)s applications approved.") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Withdraw selected pending applications"), permissions=["change"])
    def withdraw(self, request, queryset):
        count = 0
        for case in queryset.filter(status=RenewalCase.Status.PENDING):
            services.renewal_withdraw(case=case, user=request.user)
            count += 1
        self.message_user(request, _("%(count)s applications withdrawn.") % {"count": count}, messages.SUCCESS)


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ["business", "starts_on", "expires_on", "origin", "is_current", "ended"]
    list_select_related = ["business"]
    list_filter = ["origin", "is_current", "ended"]
    search_fields = ["=business__ccus_id"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeeRate)
class FeeRateAdmin(SimpleHistoryAdmin):
    list_display = ["effective_from", "capital_band", "amount"]
    list_filter = ["effective_from"]
    ordering = ["-effective_from", "capital_band"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """The plan's yearly targets; a year without a row uses the latest earlier one."""

    list_display = ["fiscal_year", "renewals", "new_registrations", "fee_budget"]
