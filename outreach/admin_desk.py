"""The desk's pages in the admin: bounce lists and the morning check."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ccus.admin_mixins import ReadOnlyAdminMixin
from outreach import bounces, selectors
from outreach.forms import BounceUploadForm
from outreach.models import Bounce, MorningCheck


@admin.register(Bounce)
class BounceAdmin(admin.ModelAdmin):
    list_display = ["business", "email", "bounced_on", "source", "file_name", "recorded_by", "created_at"]
    list_select_related = ["business", "recorded_by"]
    list_filter = ["source", "bounced_on"]
    search_fields = ["=business__ccus_id", "=email"]
    readonly_fields = ["business", "email", "bounced_on", "source", "file_name", "recorded_by", "created_at"]
    show_full_result_count = False
    change_list_template = "admin/outreach/bounce/change_list.html"

    def has_add_permission(self, request):
        return False  # bounces come from a list, through bounces_record_list

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="outreach_bounce_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Upload a bounce list: every row valid, or nothing recorded and every bad row named."""
        if not request.user.has_perm("outreach.add_bounce"):
            raise PermissionDenied
        form = BounceUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = bounces.bounces_record_list(
                    data=upload.read(),
                    file_name=upload.name,
                    bounced_on=form.cleaned_data["bounced_on"],
                    user=request.user,
                )
            except bounces.BounceListError as error:
                errors = error.errors
            else:
                message = _("%(count)s businesses flagged: their reminders go by postcard from now on.")
                self.message_user(request, message % {"count": count}, messages.SUCCESS)
                return redirect("admin:outreach_bounce_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Upload a bounce list"),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/outreach/bounce_upload.html", context)


@admin.register(MorningCheck)
class MorningCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The desk's first page of the day: did the ladder run, what went out, what needs a person."""

    fields = ["for_date", "dry_run", "started_at", "finished_at", "failed_at", "error", "counts_in_words"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "title": MorningCheck._meta.verbose_name,
            "opts": self.model._meta,
            "today": today,
            "check": selectors.morning_check(today=today),
        }
        return TemplateResponse(request, "admin/outreach/morning_check.html", context)
