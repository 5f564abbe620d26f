"""Outreach in the admin: the policy, templates with preview, notices and scan runs."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach import admin_calls, admin_dashboard, admin_reports, rendering, services, timeline
from outreach.models import Notice, NoticeTemplate, ReminderPolicy, ReminderStep, ScanRun
from registrations.models import Business


class ReminderStepInline(admin.TabularInline):
    model = ReminderStep
    fields = ["name", "channel", "days_before", "last_days_before", "template", "call_script"]
    extra = 0


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "email_fallback", "postcard_fallback", "phone_fallback"]
    inlines = [ReminderStepInline]


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
            today = timezone.localdate()
            context = rendering.notice_context(business=business, expires_on=business.expires_on, today=today)
            try:
                subject, body = rendering.render(template, channel=template.channel, context=context)
            except TemplateSyntaxError as syntax_error:
                error = _("The template has an error: %(error)s") % {"error": syntax_error}
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
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["business", "channel", "status", "reason", "fallback_reason", "due_on", "scheduled_for", "sent_at"]
    list_select_related = ["business"]
    list_filter = ["channel", "status", "reason", "step", "due_on"]
    search_fields = ["=business__ccus_id"]
    raw_id_fields = ["business", "term"]
    show_full_result_count = False
    date_hierarchy = "due_on"
    actions = ["confirm_sent", "requeue"]
    readonly_fields = [
        "business", "term", "step", "template", "channel", "status", "reason", "fallback_reason", "due_on",
        "scheduled_for", "recipient", "subject", "body", "attempts", "last_error", "scan_run", "created_at",
        "updated_at", "sent_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Checked: the uncertain notices did go out"), permissions=["change"])
    def confirm_sent(self, request, queryset):
        count = services.notices_resolve_uncertain(notices=queryset, went_out=True)
        self.message_user(request, _("%(count)s notices marked sent.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Send again: the failed or uncertain notices did not go out"), permissions=["change"])
    def requeue(self, request, queryset):
        count = services.notices_resolve_uncertain(notices=queryset, went_out=False)
        self.message_user(request, _("%(count)s notices queued again.") % {"count": count}, messages.SUCCESS)


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    list_display = ["for_date", "dry_run", "started_at", "finished_at", "counts"]
    list_filter = ["dry_run"]
    readonly_fields = ["for_date", "dry_run", "started_at", "finished_at", "counts"]

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

    def has_add_permission(self, request, obj=None):
        return False


# The phone desk, bounce and report pages register themselves on import.
__all__ = ["BusinessOutreachMixin", "admin_calls", "admin_dashboard", "admin_reports"]


class BusinessOutreachMixin:
    """The outreach side of the business admin: its notices, its contact timeline and "send a reminder now"."""

    outreach_inlines = [NoticeInline]
    outreach_readonly_fields = ["contact_timeline"]

    @admin.display(description=_("contact timeline (newest first)"))
    def contact_timeline(self, obj):
        return timeline.render_timeline(obj.pk) if obj.pk else "-"

    def has_send_reminder_permission(self, request):
        return request.user.has_perm("outreach.send_reminder")

    @admin.action(description=_("Send a reminder now"), permissions=["send_reminder"])
    def send_reminder_now(self, request, queryset):
        sent = 0
        for business in queryset[:500]:
            try:
                services.notice_send_now(business=business)
                sent += 1
            except services.OutreachError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, _("%(count)s reminders queued.") % {"count": sent}, messages.SUCCESS)

    def send_reminder_view(self, request, object_id):
        if request.method != "POST" or not self.has_send_reminder_permission(request):
            raise PermissionDenied
        business = get_object_or_404(Business, pk=object_id)
        try:
            notice = services.notice_send_now(business=business)
        except services.OutreachError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("A reminder by %(channel)s was queued.") % {"channel": notice.get_channel_display()},
                messages.SUCCESS,
            )
        return redirect(reverse("admin:registrations_business_change", args=[business.pk]))

    def outreach_urls(self):
        return [
            path(
                "<int:object_id>/send-reminder/",
                self.admin_site.admin_view(self.send_reminder_view),
                name="registrations_business_send_reminder",
            )
        ]
