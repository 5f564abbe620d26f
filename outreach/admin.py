"""Outreach in the admin: the policy, templates with preview, notices and scan runs.

Django loads this module; it loads each wing's admin (the phone desk, postcards,
subcontractor lists, reports) and the desk's pages (bounces, morning check), which
register themselves on import. Like views, admin modules may import any room.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from outreach import admin_desk, admin_timeline, answer_links, business_days, holdouts, rendering, services
from outreach.admin_answers import RevokeLinksMixin
from outreach.calls import admin as call_admin
from outreach.lists import admin as list_admin
from outreach.models import (
    Assignment,
    Channel,
    Notice,
    NoticeTemplate,
    ReminderPolicy,
    ReminderStep,
    ScanRun,
    SubcontractorListRow,
)
from outreach.postcards.admin import ReturnedMailInline
from outreach.reports import admin as report_admin
from registrations.models import Business
from renewals.models import Term

# How many list appearances the business page shows.
APPEARANCES_SHOWN = 20
# How many businesses one "send a reminder now" action queues.
SEND_NOW_LIMIT = 500


def confirm_sending(model_admin, request, action: str, items: list[str], queryset) -> TemplateResponse:
    """The page a list action that sends something shows first: what goes, and when it really goes out."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": dict(model_admin.get_action_choices(request)).get(action, action),
        "opts": model_admin.model._meta,
        "items": items,
        "when": when_sent_text(Channel.EMAIL),
        "action": action,
        "selected": queryset.values_list("pk", flat=True)[:SEND_NOW_LIMIT],
        "limit": SEND_NOW_LIMIT,
    }
    return TemplateResponse(request, "admin/outreach/send_reminder_confirm.html", context)


def when_sent_text(channel: str, scheduled_for=None) -> str:
    """When a reminder queued now reaches the business, in the desk's words."""
    if channel == Channel.EMAIL:
        return business_days.sending_time_text()
    if channel == Channel.POSTCARD:
        return _("It is printed with the next postcard batch.")
    return _("It joins the call queue from %(date)s.") % {"date": scheduled_for or timezone.localdate()}


class ReminderStepInline(admin.TabularInline):
    model = ReminderStep
    fields = ["name", "channel", "days_before", "last_days_before", "template", "call_script"]
    extra = 0


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_active", "email_fallback", "postcard_fallback", "phone_fallback"]
    inlines = [ReminderStepInline]


@admin.register(ReminderStep)
class ReminderStepAdmin(SimpleHistoryAdmin):
    """The steps are edited inline on their policy; this page lists them and keeps their history."""

    list_display = ["name", "policy", "channel", "days_before", "last_days_before", "template"]
    list_select_related = ["policy", "template"]
    list_filter = ["policy", "channel"]


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "subject"]
    list_filter = ["channel"]
    change_form_template = "admin/outreach/noticetemplate_change_form.html"

    def get_urls(self):
        preview = path(
            "<int:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="outreach_noticetemplate_preview",
        )
        return [preview, *super().get_urls()]

    @staticmethod
    def _preview_answer_url(business) -> str:
        """The answer link the business's latest notice would carry now (a placeholder without one)."""
        notice = Notice.objects.filter(business=business).order_by("-created_at", "-pk").first()
        return answer_links.url_for(notice) if notice else str(_("(the notice's own answer page link)"))

    def preview_view(self, request, object_id):
        """The template rendered for a real business (by 事業者ID), as it would be sent today."""
        template = get_object_or_404(NoticeTemplate, pk=object_id)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        ccus_id = request.GET.get("business", "").strip()
        business = (Business.objects.filter(ccus_id=ccus_id) if ccus_id else Business.objects.order_by("pk")).first()
        subject = body = error = ""
        if business is None:
            error = _("No business with business ID %(id)s.") % {"id": ccus_id}
        else:
            # The expiry the sender uses: the current term's, as the scan wrote it on the notice.
            term = Term.objects.filter(business=business, is_current=True).first()
            expires_on = term.expires_on if term else business.expires_on
            try:
                subject, body = rendering.render(
                    template,
                    channel=template.channel,
                    business=business,
                    expires_on=expires_on,
                    today=timezone.localdate(),
                    answer_url=self._preview_answer_url(business) if template.channel == Channel.EMAIL else "",
                )
            except rendering.RenderError as render_error:
                error = _("The template has an error: %(error)s") % {"error": render_error}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(name)s") % {"name": template.name},
            "opts": self.model._meta,
            "original": template,
            "business": business,
            "subject": subject,
            "body": body,
            "error": error,
        }
        return TemplateResponse(request, "admin/outreach/noticetemplate_preview.html", context)


@admin.register(Notice)
class NoticeAdmin(RevokeLinksMixin, SimpleHistoryAdmin):
    list_display = [
        "business", "channel", "status", "reason", "fallback_reason", "due_on", "scheduled_for", "sent_at", "delivery",
    ]  # fmt: skip
    list_select_related = ["business"]
    list_filter = ["channel", "status", "reason", "delivery", "step", "due_on"]
    search_fields = ["=business__ccus_id"]
    raw_id_fields = ["business", "term"]
    show_full_result_count = False
    date_hierarchy = "due_on"
    actions = ["confirm_sent", "requeue", "revoke_answer_links"]
    readonly_fields = [
        "business", "term", "step", "template", "channel", "status", "reason", "fallback_reason", "due_on",
        "scheduled_for", "recipient", "subject", "body", "attempts", "last_error", "scan_run", "created_at",
        "updated_at", "sent_at", "provider_message_id", "delivery", "delivery_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Checked: the uncertain notices did go out"), permissions=["change"])
    def confirm_sent(self, request, queryset):
        count = services.notices_resolve_uncertain(notices=queryset, went_out=True)
        self.message_user(request, _("%(count)s notices marked sent.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Send again: the failed or uncertain notices did not go out"), permissions=["change"])
    def requeue(self, request, queryset):
        """Ask first, saying when the e-mails among them will really go out; then queue them again."""
        if "confirm" not in request.POST:
            notices = queryset.select_related("business")[:SEND_NOW_LIMIT]
            return confirm_sending(self, request, "requeue", [str(notice) for notice in notices], queryset)
        count = services.notices_resolve_uncertain(notices=queryset, went_out=False)
        message = _("%(count)s notices queued again. %(when)s")
        self.message_user(request, message % {"count": count, "when": when_sent_text(Channel.EMAIL)}, messages.SUCCESS)


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    list_display = ["for_date", "dry_run", "started_at", "finished_at", "failed_at", "counts_in_words"]
    list_filter = ["dry_run"]
    fields = readonly_fields = [
        "for_date",
        "dry_run",
        "started_at",
        "finished_at",
        "failed_at",
        "error",
        "counts_in_words",
    ]

    def has_add_permission(self, request):
        return False


class NoticeInline(admin.TabularInline):
    model = Notice
    fk_name = "business"
    fields = ["created_at", "channel", "status", "reason", "fallback_reason", "step", "due_on", "sent_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("notices (newest first)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business", "step")

    def has_add_permission(self, request, obj=None):
        return False


# The wings' and the desk's pages register themselves on import.
__all__ = ["BusinessOutreachMixin", "admin_desk", "call_admin", "list_admin", "report_admin"]


class BusinessOutreachMixin:
    """The outreach side of the business admin: notices, contact timeline, lists it appeared in, send now."""

    outreach_inlines = [NoticeInline, ReturnedMailInline]
    outreach_readonly_fields = [
        "contact_timeline",
        "list_appearances_display",
        "holdout_display",
        "holdout_override_display",
    ]

    def get_fieldsets(self, request, obj=None):
        """Who may override a holdout sees the holdouts with the link that does it."""
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.has_perm("outreach.add_holdoutoverride"):
            return fieldsets
        swap = {"holdout_display": "holdout_override_display"}
        return [
            (name, {**options, "fields": [swap.get(f, f) for f in options["fields"]]}) for name, options in fieldsets
        ]

    def _holdouts(self, obj, *, with_override: bool) -> str:
        if not obj.pk:
            return "-"
        items = []
        for assignment in holdouts.held_out_now(obj.pk):
            experiment = assignment.experiment
            text = _("%(experiment)s: %(step)s not sent (from %(date)s)") % {
                "experiment": experiment.name,
                "step": experiment.step.name,
                "date": assignment.assigned_on,
            }
            if assignment.arm == Assignment.Arm.LEFT_OUT:
                items.append(format_html("<li>{} {}</li>", text, _("— contacted after all")))
            elif with_override:
                url = reverse("admin:outreach_holdoutoverride_add") + f"?business={obj.pk}&experiment={experiment.pk}"
                link = format_html('<a class="button" href="{}">{}</a>', url, _("Contact this business anyway"))
                items.append(format_html("<li>{} {}</li>", text, link))
            else:
                items.append(format_html("<li>{}</li>", text))
        return (
            format_html('<ul style="margin:0">{}</ul>', format_html_join("", "{}", ((i,) for i in items)))
            if items
            else "-"
        )

    @admin.display(description=_("held out by an experiment (this term)"))
    def holdout_display(self, obj):
        return self._holdouts(obj, with_override=False)

    @admin.display(description=_("held out by an experiment (this term)"))
    def holdout_override_display(self, obj):
        return self._holdouts(obj, with_override=True)

    @admin.display(description=_("contact timeline (newest first)"))
    def contact_timeline(self, obj):
        return admin_timeline.render_timeline(obj.pk) if obj.pk else "-"

    @admin.display(description=_("subcontractor lists it appeared in (newest first)"))
    def list_appearances_display(self, obj):
        if not obj.pk:
            return "-"
        rows = (
            SubcontractorListRow.objects.filter(business=obj)
            .select_related("subcontractor_list", "prime")
            .order_by("-subcontractor_list__as_of", "-subcontractor_list_id")[:APPEARANCES_SHOWN]
        )
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> {} {} ({}次) {}</li>',
            (
                (
                    reverse("admin:outreach_subcontractorlist_change", args=[row.subcontractor_list_id]),
                    row.subcontractor_list.as_of,
                    row.prime.ccus_id,
                    row.prime.name,
                    row.distance,
                    _("delivered %(at)s")
                    % {"at": f"{timezone.localtime(row.subcontractor_list.delivered_at):%Y-%m-%d}"}
                    if row.subcontractor_list.delivered_at
                    else _("not delivered yet"),
                )
                for row in rows
            ),
        )
        return format_html('<ul style="margin:0">{}</ul>', items) if items else "-"

    def has_send_reminder_permission(self, request):
        return request.user.has_perm("outreach.send_reminder")

    @admin.action(description=_("Send a reminder now"), permissions=["send_reminder"])
    def send_reminder_now(self, request, queryset):
        """Ask first, saying when the reminders will really go out; then queue one per business."""
        businesses = queryset[:SEND_NOW_LIMIT]
        if "confirm" not in request.POST:
            names = [f"{business.ccus_id} {business.name}" for business in businesses]
            return confirm_sending(self, request, "send_reminder_now", names, queryset)
        sent = 0
        for business in businesses:
            try:
                services.notice_send_now(business=business)
                sent += 1
            except services.OutreachError as error:
                self.message_user(request, str(error), messages.ERROR)
        if sent:
            message = _("%(count)s reminders queued. %(when)s")
            self.message_user(
                request, message % {"count": sent, "when": when_sent_text(Channel.EMAIL)}, messages.SUCCESS
            )
        return None

    def send_reminder_view(self, request, object_id):
        """GET: what would be sent, by which channel and when, with a button; POST: queue it."""
        if request.method not in ("GET", "POST") or not self.has_send_reminder_permission(request):
            raise PermissionDenied
        business = get_object_or_404(self.get_queryset(request), pk=object_id)
        change_page = reverse("admin:registrations_business_change", args=[business.pk])
        try:
            if request.method == "GET":
                notice = services.notice_send_now_plan(business=business)
                context = {
                    **self.admin_site.each_context(request),
                    "title": _("Send a reminder now"),
                    "opts": self.model._meta,
                    "original": business,
                    "items": [f"{business.ccus_id} {business.name}"],
                    "channel": notice.get_channel_display(),
                    "when": when_sent_text(notice.channel, notice.scheduled_for),
                }
                return TemplateResponse(request, "admin/outreach/send_reminder_confirm.html", context)
            notice = services.notice_send_now(business=business)
        except services.OutreachError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            message = _("A reminder by %(channel)s was queued. %(when)s")
            when = when_sent_text(notice.channel, notice.scheduled_for)
            self.message_user(
                request, message % {"channel": notice.get_channel_display(), "when": when}, messages.SUCCESS
            )
        return redirect(change_page)

    def outreach_urls(self):
        return [
            path(
                "<int:object_id>/send-reminder/",
                self.admin_site.admin_view(self.send_reminder_view),
                name="registrations_business_send_reminder",
            )
        ]
