"""Files in the admin: imports (django-import-export screens over the import engine) and exports."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from registrations import export_jobs, services
from registrations.models import DownloadLog, ExportJob
from registrations.resources import SpreadsheetFormat


class UploadForm(ImportForm):
    """django-import-export's form with the upload size limit (IMPORT_MAX_UPLOAD_MB)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _(
                    "The file is %(size).1f MB; the admin accepts files up to %(limit)s MB. "
                    "Split it, or ask an operator to load it with the import command."
                ),
                code="too_large",
                params={"size": upload.size / 1024 / 1024, "limit": limit},
            )
        return upload


class FileImportMixin(ImportMixin):
    """Import from CSV or XLSX: dry-run preview, row errors, then all rows or none."""

    import_formats = [SpreadsheetFormat]
    import_form_class = UploadForm
    import_template_name = "admin/registrations/import.html"
    skip_admin_log = True  # a 200,000-row import is not 200,000 log entries

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_context_data(self, **kwargs):
        return super().get_import_context_data(import_max_upload_mb=settings.IMPORT_MAX_UPLOAD_MB, **kwargs)

    def add_success_message(self, result, request):
        messages.success(request, result.outcome.summary())

    def write_to_tmp_storage(self, import_file, input_format):
        tmp_storage = self.get_tmp_storage_class()(
            encoding=None, read_mode=input_format.get_read_mode(), **self.get_tmp_storage_class_kwargs()
        )
        tmp_storage.save(b"".join(import_file.chunks()))
        return tmp_storage


class FileExportMixin:
    """Export the changelist as filtered: small UTF-8 CSV streams, the rest becomes a job."""

    def get_urls(self):
        return [
            path(
                "export/<str:file_format>/",
                self.admin_site.admin_view(self.export_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("registrations.view_exportjob")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_export_permission": self.has_export_permission(request)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request, file_format: str):
        if not self.has_export_permission(request) or file_format not in ExportJob.Format.values:
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).queryset
        if file_format == ExportJob.Format.CSV_UTF8 and not queryset[settings.EXPORT_STREAM_MAX_ROWS :].exists():
            response = StreamingHttpResponse(
                services.export_csv_stream(queryset=queryset), content_type="text/csv; charset=utf-8"
            )
            name = f"businesses-{timezone.localtime():%Y%m%d-%H%M}.csv"
            services.download_record(request=request, kind=DownloadLog.Kind.STREAMED_EXPORT, file_name=name)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        job = export_jobs.export_start(user=request.user, queryset=queryset, file_format=file_format)
        messages.info(request, gettext("The export has started; this page shows its progress."))
        return HttpResponseRedirect(reverse("admin:registrations_exportjob_change", args=[job.pk]))


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "format", "status", "progress_display", "created_by", "download"]
    list_filter = ["status", "format"]
    fields = ["format", "status", "progress_display", "total", "written", "download", "problems", "error"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("created_by")
        return queryset if request.user.is_superuser else queryset.filter(created_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="registrations_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = self.get_queryset(request).filter(pk=pk, status=ExportJob.Status.DONE).first()
        if job is None:
            raise Http404
        name = job.file.name.rsplit("/", 1)[-1]
        services.download_record(request=request, kind=DownloadLog.Kind.EXPORT_FILE, file_name=name, job=job)
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        return f"{obj.progress()}% ({obj.written:,} / {obj.total:,})"

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != ExportJob.Status.DONE:
            return "-"
        url = reverse("admin:registrations_exportjob_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


@admin.register(DownloadLog)
class DownloadLogAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the downloads themselves."""

    list_display = ["downloaded_at", "user", "kind", "file_name", "export_job", "address"]
    list_select_related = ["user", "export_job"]
    list_filter = ["kind", "downloaded_at"]
    search_fields = ["=user__username", "file_name"]
    date_hierarchy = "downloaded_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
