"""Postcards in the admin: print batches (build, progress, download, post, cancel) and returned mail."""

from pathlib import PurePosixPath

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from outreach import services
from outreach.models import Notice, PostcardBatch, PostcardExclusion, ReturnedMail
from outreach.postcards import selectors as postcard_selectors
from outreach.postcards import services as postcard_services
from outreach.postcards.forms import PostedForm, ReturnedMailForm, ReturnedMailUploadForm
from outreach.postcards.tasks import build_postcard_batch_task

DOWNLOADS = {"pdf": _("PDF for printing"), "csv_cp932": _("CSV (CP932, Excel)"), "csv_utf8": _("CSV (UTF-8)")}


@admin.register(PostcardBatch)
class PostcardBatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "for_date", "status", "progress", "excluded", "posted_on", "created_at", "created_by"]
    list_select_related = ["created_by"]
    list_filter = ["status"]
    change_list_template = "admin/outreach/postcardbatch/change_list.html"
    change_form_template = "admin/outreach/postcardbatch/change_form.html"
    fields = [
        "status", "for_date", "progress", "left_out", "character_problems", "error", "created_at", "created_by",
        "built_at", "posted_on", "posted_by", "cancelled_at", "cancelled_by",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # batches are built with the button, through the service

    def has_change_permission(self, request, obj=None):
        return False  # posting and cancelling are their own views

    def may(self, request, action: str) -> bool:
        return request.user.has_perm(f"outreach.{action}_postcardbatch")

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if obj.status == PostcardBatch.Status.BUILDING:
            return _("%(done)s of %(total)s postcards written") % {"done": obj.done, "total": obj.total}
        return _("%(done)s postcards") % {"done": obj.done}

    @admin.display(description=_("left out"))
    def left_out(self, obj):
        counts = obj.exclusions.values("reason").annotate(n=Count("pk")).order_by("reason")
        if not counts:
            return "-"
        url = f"{reverse('admin:outreach_postcardexclusion_changelist')}?batch__id__exact={obj.pk}"
        reasons = format_html_join(", ", "{} {}", ((Notice.Reason(c["reason"]).label, c["n"]) for c in counts))
        return format_html('{} <a href="{}">{}</a>', reasons, url, _("list"))

    @admin.display(description=_("characters that could not be printed or encoded"))
    def character_problems(self, obj):
        if not obj.char_problems:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (p["row"], p["ccus_id"], p["field"], " ".join(p["cp932"]) or "-", " ".join(p["font"]) or "-")
                for p in obj.char_problems
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("row"),
            _("business ID"),
            _("field"),
            _("not in CP932 (shown as 〓 in the CSV)"),
            _("not in the font (printed as 〓)"),
            rows,
        )

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("build/", view(self.build_view), name="outreach_postcardbatch_build"),
            path("<int:object_id>/download/<str:kind>/", view(self.download_view), name="outreach_postcardbatch_file"),
            path("<int:object_id>/posted/", view(self.posted_view), name="outreach_postcardbatch_posted"),
            path("<int:object_id>/cancel/", view(self.cancel_view), name="outreach_postcardbatch_cancel"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "posted_form": PostedForm(),
            "may_change": self.may(request, "change"),
            "downloads": [(kind, label) for kind, label in DOWNLOADS.items() if batch and getattr(batch, kind)],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def build_view(self, request):
        """Start a batch of every postcard queued up to today and build it in a task."""
        if request.method != "POST" or not self.may(request, "add"):
            raise PermissionDenied
        try:
            with transaction.atomic():
                batch = postcard_services.postcard_batch_start(for_date=timezone.localdate(), user=request.user)
                transaction.on_commit(lambda: build_postcard_batch_task.delay(batch.pk))
        except services.OutreachError as error:
            self.message_user(request, str(error), messages.WARNING)
            return redirect(reverse("admin:outreach_postcardbatch_changelist"))
        self.message_user(request, _("The print batch is being built."), messages.SUCCESS)
        return redirect(reverse("admin:outreach_postcardbatch_change", args=[batch.pk]))

    def download_view(self, request, object_id, kind):
        batch = get_object_or_404(PostcardBatch, pk=object_id)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        field = getattr(batch, kind, None) if kind in DOWNLOADS else None
        if not field or not default_storage.exists(field.name):
            raise Http404(_("This batch has no such file."))
        name = PurePosixPath(field.name).name
        return FileResponse(default_storage.open(field.name, "rb"), as_attachment=True, filename=name)

    def posted_view(self, request, object_id):
        return self._state_view(request, object_id, posted=True)

    def cancel_view(self, request, object_id):
        return self._state_view(request, object_id, posted=False)

    def _state_view(self, request, object_id, *, posted: bool):
        if request.method != "POST" or not self.may(request, "change"):
            raise PermissionDenied
        batch = get_object_or_404(PostcardBatch, pk=object_id)
        try:
            if posted:
                form = PostedForm(request.POST)
                if not form.is_valid():
                    raise services.OutreachError(_("Enter the posting date."))
                count = postcard_services.postcard_batch_mark_posted(
                    batch=batch, posted_on=form.cleaned_data["posted_on"], user=request.user
                )
                message = _("%(count)s postcards marked sent.") % {"count": count}
            else:
                count = postcard_services.postcard_batch_cancel(batch=batch, user=request.user)
                message = _("Batch cancelled: %(count)s postcards are back in the queue.") % {"count": count}
        except services.OutreachError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:outreach_postcardbatch_change", args=[batch.pk]))


@admin.register(PostcardExclusion)
class PostcardExclusionAdmin(admin.ModelAdmin):
    list_display = ["batch", "business", "reason", "now_channel", "now_status"]
    list_select_related = ["batch", "notice__business"]
    list_filter = ["reason", "batch"]
    search_fields = ["=notice__business__ccus_id"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("business"))
    def business(self, obj):
        return obj.notice.business

    @admin.display(description=_("channel now"))
    def now_channel(self, obj):
        return obj.notice.get_channel_display()

    @admin.display(description=_("status now"))
    def now_status(self, obj):
        return obj.notice.get_status_display()


class AddressStateFilter(admin.SimpleListFilter):
    """Whether the business's address is still flagged undeliverable: the desk's work is the flagged ones."""

    title = _("address")
    parameter_name = "address"

    def lookups(self, request, model_admin):
        return [("flagged", _("not corrected yet")), ("corrected", _("corrected"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset & postcard_selectors.returned_mail_unhandled()
        if self.value() == "corrected":
            return queryset.filter(business__address_undeliverable_since__isnull=True)
        return queryset


@admin.register(ReturnedMail)
class ReturnedMailAdmin(admin.ModelAdmin):
    list_display = ["business", "returned_on", "batch", "recorded_by", "created_at"]
    list_select_related = ["business", "batch", "recorded_by"]
    list_filter = [AddressStateFilter]
    search_fields = ["=business__ccus_id"]
    date_hierarchy = "returned_on"
    show_full_result_count = False
    change_list_template = "admin/outreach/returnedmail/change_list.html"
    readonly_fields = ["business", "returned_on", "notice", "batch", "recorded_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="outreach_returnedmail_upload")
        return [upload, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        """One returned postcard at a time: scan or type the ID, save, and the form is ready for the next."""
        return self._form_view(request, ReturnedMailForm, _("Record returned mail"))

    def upload_view(self, request):
        return self._form_view(request, ReturnedMailUploadForm, _("Upload a list of returned mail"))

    def _form_view(self, request, form_class, title):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if "ccus_id" in data:
                ids, what = [data["ccus_id"].pk], str(data["ccus_id"])
            else:
                ids, what = data["file"], _("%(count)s businesses") % {"count": len(data["file"])}
            postcard_services.returned_mail_record(business_ids=ids, returned_on=data["returned_on"], user=request.user)
            self.message_user(
                request,
                _("Returned mail recorded: %(what)s. The address is flagged undeliverable.") % {"what": what},
                messages.SUCCESS,
            )
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "recent": ReturnedMail.objects.select_related("business")[:10],
        }
        return TemplateResponse(request, "admin/outreach/returnedmail/record.html", context)


class ReturnedMailInline(admin.TabularInline):
    model = ReturnedMail
    fields = ["returned_on", "batch", "recorded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("returned mail (宛所不明)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business", "batch", "recorded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
