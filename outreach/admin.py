"""Outreach in the admin: the policy, templates with preview, notices and scan runs.

Postcard print batches and returned mail are in outreach/postcard_admin.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ccus.admin_mixins import ReadOnlyAdminMixin
from ccus.paginator import EstimatedCountPaginator
from outreach import (
    admin_calls,
    admin_dashboard,
    admin_reports,
    listfiles,
    rendering,
    scoping,
    services,
    tasks,
    timeline,
)
from outreach.models import (
    AssociationStaff,
    ListDelivery,
    Notice,
    NoticeTemplate,
    ReminderPolicy,
    ReminderStep,
    ScanRun,
    SubcontractorList,
    SubcontractorListRow,
)
from outreach.postcard_admin import ReturnedMailInline
from registrations.models import Business
from renewals.models import RenewalStatus, Term

# How many list appearances the business page shows.
APPEARANCES_SHOWN = 20


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
class NoticeAdmin(SimpleHistoryAdmin):
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
    list_display = ["for_date", "dry_run", "started_at", "finished_at", "failed_at", "counts"]
    list_filter = ["dry_run"]
    readonly_fields = ["for_date", "dry_run", "started_at", "finished_at", "failed_at", "error", "counts"]

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
    """The outreach side of the business admin: notices, contact timeline, lists it appeared in, send now."""

    outreach_inlines = [NoticeInline, ReturnedMailInline]
    outreach_readonly_fields = ["contact_timeline", "list_appearances_display"]

    @admin.display(description=_("contact timeline (newest first)"))
    def contact_timeline(self, obj):
        return timeline.render_timeline(obj.pk) if obj.pk else "-"

    @admin.display(description=_("subcontractor lists it appeared in (newest first)"))
    def list_appearances_display(self, obj):
        if not obj.pk:
            return "-"
        rows = (
            SubcontractorListRow.objects.filter(business=obj)
            .select_related("snapshot", "prime")
            .order_by("-snapshot__as_of", "-snapshot_id")[:APPEARANCES_SHOWN]
        )
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> {} {} ({}次) {}</li>',
            (
                (
                    reverse("admin:outreach_subcontractorlist_change", args=[row.snapshot_id]),
                    row.snapshot.as_of,
                    row.prime.ccus_id,
                    row.prime.name,
                    row.distance,
                    _("delivered %(at)s") % {"at": f"{timezone.localtime(row.snapshot.delivered_at):%Y-%m-%d}"}
                    if row.snapshot.delivered_at
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
        business = get_object_or_404(self.get_queryset(request), pk=object_id)
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


class ScopedAdminMixin:
    """Every queryset of this admin goes through outreach.scoping; a hidden object is a 404.

    Its history pages are guarded too (ccus.admin_guards.HistoryGuardMixin, installed on every admin).
    """

    def get_queryset(self, request):
        return scoping.scoped(super().get_queryset(request), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index for a missing object; a guessed id must not look found.
        raise Http404(_("No such object."))


@admin.register(AssociationStaff)
class AssociationStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "association"]
    list_select_related = ["user", "association"]
    list_filter = ["association"]
    autocomplete_fields = ["association"]
    raw_id_fields = ["user"]
    search_fields = ["user__username", "association__code"]


class SubcontractorListForm(forms.ModelForm):
    class Meta:
        model = SubcontractorList
        fields = ["prime", "association", "row_filter", "days", "as_of"]

    def clean(self):
        data = super().clean()
        if bool(data.get("prime")) == bool(data.get("association")):
            raise forms.ValidationError(_("Choose either one prime contractor or one association."))
        if data.get("days") is not None and data["days"] < 1:
            self.add_error("days", _("Enter at least 1 day."))
        return data


@admin.register(SubcontractorList)
class SubcontractorListAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = SubcontractorListForm
    list_display = [
        "__str__", "scope", "row_filter", "as_of", "status", "progress_display", "row_count", "built_at",
        "delivered_at", "downloads",
    ]  # fmt: skip
    list_select_related = ["prime", "association"]
    list_filter = ["status", "scope", "row_filter", "as_of"]
    search_fields = ["=prime__ccus_id", "=association__code"]
    autocomplete_fields = ["association"]
    raw_id_fields = ["prime"]
    show_full_result_count = False
    change_form_template = "admin/outreach/subcontractorlist_change_form.html"
    readonly_fields = [
        "scope", "prime", "association", "row_filter", "days", "as_of", "status", "progress_display",
        "primes_total", "primes_done", "row_count", "error", "requested_by", "created_at", "built_at",
        "delivered_at", "downloads", "summary_display",
    ]  # fmt: skip
    actions = ["build_again"]

    def get_fields(self, request, obj=None):
        return self.form.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request):
        return {"as_of": timezone.localdate(), "days": 90, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        obj.scope = SubcontractorList.Scope.PRIME if obj.prime_id else SubcontractorList.Scope.ASSOCIATION
        obj.requested_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: tasks.build_subcontractor_list_task.delay(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("The list is being built; this page shows its progress."), messages.SUCCESS)
        return redirect(reverse("admin:outreach_subcontractorlist_change", args=[obj.pk]))

    @admin.action(description=_("Build the selected failed lists again"), permissions=["add"])
    def build_again(self, request, queryset):
        ids = list(queryset.filter(status=SubcontractorList.Status.FAILED).values_list("pk", flat=True))
        for list_id in ids:
            transaction.on_commit(lambda list_id=list_id: tasks.build_subcontractor_list_task.delay(list_id))
        self.message_user(request, _("%(count)s lists queued again.") % {"count": len(ids)}, messages.SUCCESS)

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        if obj.status == SubcontractorList.Status.BUILDING:
            return format_html(
                '<progress max="100" value="{}"></progress> {}% ({}/{})',
                obj.progress,
                obj.progress,
                obj.primes_done,
                obj.primes_total,
            )
        return f"{obj.progress}%"

    @admin.display(description=_("files"))
    def downloads(self, obj):
        if obj.status != SubcontractorList.Status.DONE:
            return "-"
        return format_html(
            '<a href="{}">XLSX</a> / <a href="{}">CSV</a>',
            reverse("admin:outreach_subcontractorlist_download", args=[obj.pk, "xlsx"]),
            reverse("admin:outreach_subcontractorlist_download", args=[obj.pk, "csv"]),
        )

    @admin.display(description=_("subcontractors per prime"))
    def summary_display(self, obj):
        if obj.status != SubcontractorList.Status.DONE:
            return "-"
        primes = listfiles.summary(obj)
        if not primes:
            return _("No subcontractors match the filter.")
        statuses = list(RenewalStatus)
        head = format_html_join(
            "", "<th>{}</th>", ((label,) for label in [_("prime"), _("rows"), *[s.label for s in statuses]])
        )
        body = format_html_join(
            "",
            "<tr><td>{} {}</td><td>{}</td>" + "<td>{}</td>" * len(statuses) + "</tr>",
            ((p["ccus_id"], p["name"], p["total"], *[p["by"].get(s.value, 0) for s in statuses]) for p in primes),
        )
        link = f"{reverse('admin:outreach_subcontractorlistrow_changelist')}?snapshot__id__exact={obj.pk}"
        return format_html(
            '<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table><a href="{}">{}</a>',
            head,
            body,
            link,
            _("All rows"),
        )

    def get_urls(self):
        download = path(
            "<int:object_id>/download/<str:file_format>/",
            self.admin_site.admin_view(self.download_view),
            name="outreach_subcontractorlist_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, object_id, file_format):
        """A snapshot's file, for those who may see the snapshot; every download is logged."""
        snapshot = self.get_object(request, str(object_id))
        if snapshot is None or file_format not in {"xlsx", "csv"}:
            raise Http404(_("No such list."))
        if not self.has_view_permission(request, snapshot):
            raise PermissionDenied
        stored = snapshot.xlsx_file if file_format == "xlsx" else snapshot.csv_file
        if snapshot.status != SubcontractorList.Status.DONE or not stored or not stored.storage.exists(stored.name):
            raise Http404(_("The list's file is not ready."))
        services.subcontractor_list_deliver(
            snapshot=snapshot, kind=ListDelivery.Kind.DOWNLOAD, user=request.user, file_format=file_format
        )
        return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])


@admin.register(SubcontractorListRow)
class SubcontractorListRowAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "prime", "business", "distance", "expires_on", "renewal_status", "last_contact_at", "last_contact_channel",
        "last_contact_status",
    ]  # fmt: skip
    list_select_related = ["prime", "business"]
    list_filter = ["renewal_status", "distance"]
    link_lookups = ("snapshot__id__exact",)  # "All rows" on a list's page
    search_fields = ["=business__ccus_id", "=prime__ccus_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(ListDelivery)
class ListDeliveryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "snapshot", "kind", "file_format", "user", "recipient"]
    list_select_related = ["snapshot__prime", "snapshot__association", "user"]
    list_filter = ["kind", "at"]
    show_full_result_count = False
