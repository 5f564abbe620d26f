"""Renewals in the admin: the fee schedule, applications, and the business page's renewal side.

As the composition layer it calls outreach after each renewal step, so the business's queued
notices that are no longer needed are cancelled at that moment (renewals itself imports
nothing of outreach)."""

import datetime
import functools

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ccus.money import yen
from outreach import services as outreach_services
from renewals import corrections, selectors, services, terms
from renewals.forms import ApplicationForm, ApprovalForm, CorrectionForm, ReregistrationForm
from renewals.models import FeeRate, RenewalCase, RenewalStatus, Target, Term

DAYS_LEFT_BUCKETS = [30, 60, 90, 180]
# Days left at or below which the register shows the expiry in each colour (list and business page).
URGENCY_COLOURS = [(30, "#ba2121"), (90, "#b45309"), (180, "#806c00")]
# The business page's renewal steps, as its buttons name them.
STEP_TITLES = {
    "record_application": _("Record a renewal application"),
    "approve_application": _("Approve the pending renewal application"),
    "register_again": _("Register again after a lapse"),
    "correct_dates": _("Correct the registration dates"),
}
# How many businesses a list action names one by one in its message before only counting them.
NAMED_IN_MESSAGE = 10


def urgency_colour(days_left: int) -> str:
    """The one colour rule for days left: red within 30 days (or past), orange within 90, ochre within 180."""
    for limit, colour in URGENCY_COLOURS:
        if days_left <= limit:
            return colour
    return "#417690"


def days_left_html(days: int, *, in_column: bool = False) -> str:
    """Days left in the urgency colour: 残り45日 (in the list's 残り日数 column: 45日), or 12日超過 once expired."""
    if days < 0:
        text = _("%(days)s days past") if in_column else _("expired %(days)s days ago")
    else:
        text = _("%(days)s days") if in_column else _("%(days)s days left")
    return format_html(
        '<strong class="days-left" style="color:{}">{}</strong>', urgency_colour(days), text % {"days": abs(days)}
    )


def next_step(status: str, expires_on: datetime.date) -> str:
    """What the desk does next with a business in this renewal status."""
    opens = {"date": terms.window_opens(expires_on)}
    return {
        RenewalStatus.ACTIVE: _("The renewal window opens on %(date)s.") % opens,
        RenewalStatus.WINDOW_OPEN: _(
            "The renewal window is open: when the application arrives, record it (Record a renewal application)."
        ),
        RenewalStatus.PENDING: _("Check the application and approve it."),
        RenewalStatus.EXPIRED_PENDING: _("Expired with an application pending: check it and approve it."),
        RenewalStatus.RENEWED: _("Renewed. The next renewal window opens on %(date)s.") % opens,
        RenewalStatus.LAPSED: _("The registration has lapsed: the business must register again."),
    }[status]


@functools.cache
def with_page_statuses(changelist_class):
    """The changelist, with each shown business's renewal status read in one query for the page."""

    class PageStatusChangeList(changelist_class):
        def get_results(self, request):
            super().get_results(request)
            shown = {business.pk: business for business in self.result_list}
            statuses = selectors.with_status(self.model.objects.filter(pk__in=shown), today=timezone.localdate())
            for pk, status in statuses.values_list("pk", "renewal_status"):
                shown[pk].renewal_status = status

    return PageStatusChangeList


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


class FeeDisplayMixin:
    @admin.display(description=_("fee"), ordering="fee")
    def fee_display(self, obj):
        return yen(obj.fee)


class RenewalCaseInline(FeeDisplayMixin, admin.TabularInline):
    model = RenewalCase
    fk_name = "business"
    fields = ["received_on", "channel", "status", "fee_display", "approved_on", "received_by", "approved_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business", "received_by", "approved_by")

    def has_add_permission(self, request, obj=None):
        return False


class BusinessRenewalMixin:
    """The renewal side of the business admin: status, days left, actions and views."""

    renewal_list_filters = [RenewalStatusFilter, DaysLeftFilter]
    renewal_inlines = [TermInline, RenewalCaseInline]
    renewal_list_columns = ["renewal_status_display", "days_left_display"]
    change_form_template = "admin/renewals/business_change_form.html"

    def get_changelist(self, request, **kwargs):
        return with_page_statuses(super().get_changelist(request, **kwargs))

    @admin.display(description=_("renewal status"))
    def renewal_status_display(self, obj):
        status = getattr(obj, "renewal_status", None)  # read for the page by with_page_statuses
        return RenewalStatus(status).label if status else "-"

    @admin.display(description=_("days left"), ordering="expires_on")
    def days_left_display(self, obj):
        return days_left_html(obj.days_left(timezone.localdate()), in_column=True)

    def renewal_panel_shows_detail(self, request) -> bool:
        """Whether this user sees the pending application and the next step (the business admin narrows it)."""
        return True

    def renewal_panel(self, request, business) -> dict:
        """The top of the business page: status, days left, the pending application and the next step."""
        today = timezone.localdate()
        status = selectors.status_of(business, today=today)
        panel = {
            "status": status.label,
            "days_left": days_left_html(business.days_left(today)),
            "expires_on": business.expires_on,
            "detail": self.renewal_panel_shows_detail(request),
        }
        if panel["detail"]:
            pending = selectors.pending_applications().filter(business=business).first()
            panel["pending"] = pending and {
                "received_on": pending.received_on,
                "channel": pending.get_channel_display(),
                "fee": yen(pending.fee),
            }
            panel["next_step"] = next_step(status, business.expires_on)
        return panel

    def change_view(self, request, object_id, form_url="", extra_context=None):
        business = self.get_object(request, unquote(object_id))
        if business is not None:
            extra_context = {**(extra_context or {}), "renewal_panel": self.renewal_panel(request, business)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.terms_sync(business_ids=[form.instance.pk])

    def has_record_renewal_permission(self, request):
        return request.user.has_perm("renewals.add_renewalcase")

    def has_approve_renewal_permission(self, request):
        return request.user.has_perm("renewals.change_renewalcase")

    @admin.action(description=STEP_TITLES["record_application"], permissions=["record_renewal"])
    def record_application(self, request, queryset):
        return self._run_step(request, queryset, ApplicationForm, "record_application", self._record)

    @admin.action(description=STEP_TITLES["approve_application"], permissions=["approve_renewal"])
    def approve_application(self, request, queryset):
        if not selectors.pending_applications().filter(business__in=queryset).exists():
            self.message_user(request, _("None of the selected businesses has a pending application."), messages.ERROR)
            return None  # no approval form when there is nothing to approve
        return self._run_step(request, queryset, ApprovalForm, "approve_application", self._approve)

    # Each step returns what it did, in the words of the success message.
    def _record(self, request, business, data):
        case = services.renewal_record_application(
            business=business,
            received_on=data["received_on"],
            channel=data["channel"],
            user=request.user,
            note=data["note"],
        )
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)
        return _("Renewal application recorded (fee %(fee)s).") % {"fee": yen(case.fee)}

    def _approve(self, request, business, data):
        case = business.renewal_cases.filter(status=RenewalCase.Status.PENDING).first()
        if case is None:
            raise services.RenewalError(
                _("%(business)s has no pending application.") % {"business": f"{business.name} ({business.ccus_id})"}
            )
        term = services.renewal_approve(case=case, approved_on=data["approved_on"], user=request.user)
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)
        return _("Approved. The new expiry date is %(date)s.") % {"date": term.expires_on}

    def _run_step(self, request, queryset, form_class, action, step):
        """Ask for the date on an intermediate page, then run the step per business."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                done, errors = [], []
                for business in queryset:
                    try:
                        done.append(f"{business.name}: {step(request, business, form.cleaned_data)}")
                    except services.RenewalError as error:
                        errors.append(str(error))
                if len(done) > NAMED_IN_MESSAGE:
                    done = [_("%(count)s businesses updated.") % {"count": len(done)}]
                for message in done:
                    self.message_user(request, message, messages.SUCCESS)
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
        term = services.registration_restart(business=business, registered_on=data["registered_on"])
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)
        return _("Registered again. The new expiry date is %(date)s.") % {"date": term.expires_on}

    def has_correct_dates_permission(self, request):
        return request.user.has_perm("renewals.correct_term")

    def _correct_dates(self, request, business, data):
        term = corrections.registration_dates_correct(
            business=business,
            registered_on=data["registered_on"],
            expires_on=data["expires_on"],
            reason=data["reason"],
            user=request.user,
        )
        outreach_services.notices_cancel_unneeded(business_ids=[business.pk], user=request.user)
        return _("Dates corrected. The registration runs from %(start)s to %(end)s.") % {
            "start": business.registered_on,
            "end": term.expires_on,
        }

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
            if name == "approve_application" and not selectors.pending_applications().filter(business=business):
                form = None  # nothing to approve: the page says so instead of offering the form
            if form is not None and request.method == "POST" and form.is_valid():
                try:
                    done = step(request, business, form.cleaned_data)
                except services.RenewalError as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, done, messages.SUCCESS)
                    return redirect(reverse("admin:registrations_business_change", args=[business.pk]))
            context = {
                **self.admin_site.each_context(request),
                "title": f"{business.name} ({business.ccus_id})",
                "step": STEP_TITLES[name],
                "opts": self.model._meta,
                "original": business,
                "form": form,
            }
            return TemplateResponse(request, "admin/renewals/renewal_object_step.html", context)

        return view


@admin.register(RenewalCase)
class RenewalCaseAdmin(FeeDisplayMixin, SimpleHistoryAdmin):
    list_display = ["business", "received_on", "channel", "status", "fee_display", "approved_on"]
    list_select_related = ["business"]
    list_filter = ["status", "channel", "received_on", "approved_on"]
    search_fields = ["=business__ccus_id"]
    readonly_fields = [
        "business", "term", "received_on", "channel", "received_by", "status", "capital_band", "fee_display",
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
        if done:
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
    list_display = ["effective_from", "capital_band", "amount_display"]
    list_filter = ["effective_from"]
    ordering = ["-effective_from", "capital_band"]

    @admin.display(description=_("fee"), ordering="amount")
    def amount_display(self, obj):
        return yen(obj.amount)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """The plan's yearly targets; a year without a row uses the latest earlier one."""

    list_display = ["fiscal_year", "renewals_display", "new_registrations_display", "fee_budget_display"]

    @admin.display(description=Target._meta.get_field("renewals").verbose_name, ordering="renewals")
    def renewals_display(self, obj):
        return f"{obj.renewals:,}"

    @admin.display(description=Target._meta.get_field("new_registrations").verbose_name, ordering="new_registrations")
    def new_registrations_display(self, obj):
        return f"{obj.new_registrations:,}"

    @admin.display(description=Target._meta.get_field("fee_budget").verbose_name, ordering="fee_budget")
    def fee_budget_display(self, obj):
        return yen(obj.fee_budget)
