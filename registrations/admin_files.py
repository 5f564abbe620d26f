"""Files in the admin: imports (django-import-export screens over the import engine) and exports."""

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from ccus.tabular import TabularError
from registrations import changelist, export_files, export_jobs, import_uploads
from registrations.import_uploads import PendingUpload, UploadGone
from registrations.models import DownloadLog, ExportJob
from registrations.resources import SpreadsheetFormat

logger = logging.getLogger(__name__)
# PostgreSQL's deadlock_detected and serialization_failure: the loser of two writers.
OVERTAKEN_SQLSTATES = {"40P01", "40001"}


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
    """Import from CSV or XLSX: dry-run preview, row errors, then all rows or none.

    django-import-export's screens, with every way a confirm can go wrong ending in a
    Japanese message on the import screen and nothing written: a replayed or doubled
    confirm, a confirm whose format or kind is unknown, an import another one overtook.
    The upload waits for its confirm under MEDIA_ROOT (registrations/import_uploads.py).
    """

    import_formats = [SpreadsheetFormat]
    import_form_class = UploadForm
    import_template_name = "admin/registrations/import.html"
    tmp_storage_class = PendingUpload
    skip_admin_log = True  # a 200,000-row import is not 200,000 log entries

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_context_data(self, **kwargs):
        # django-import-export's get_context_data drops its keyword arguments: add ours after.
        return {**super().get_import_context_data(**kwargs), "import_max_upload_mb": settings.IMPORT_MAX_UPLOAD_MB}

    def add_success_message(self, result, request):
        messages.success(request, result.outcome.summary())

    def import_action(self, request, **kwargs):
        """The preview; its upload is kept only while a confirm button offers it."""
        import_uploads.sweep()
        upload = request.FILES.get("import_file")
        if upload is not None:
            upload.owner_id = request.user.pk
        try:
            response = super().import_action(request, **kwargs)
        except BaseException:
            self._discard(upload)
            raise
        if not response.context_data.get("confirm_form"):
            self._discard(upload)
        return response

    def write_to_tmp_storage(self, import_file, input_format):
        pending = PendingUpload()
        pending.write(import_file.chunks(), user_id=import_file.owner_id)
        import_file.tmp_storage_name = pending.name
        return pending

    @staticmethod
    def _discard(upload) -> None:
        if name := getattr(upload, "tmp_storage_name", None):
            PendingUpload(name=name).remove()

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, TabularError):
            form.add_error("import_file", str(e))
            return
        logger.exception("import: the file could not be read")
        form.add_error("import_file", gettext("The file could not be read as CSV or XLSX."))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm: claims the previewed upload, imports it all or nothing, removes it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        import_uploads.sweep()
        form = self.create_confirm_form(request)
        formats = self.get_import_formats()
        if not (
            form.is_valid()
            and _index(form.cleaned_data["format"], formats) is not None
            and _index(form.cleaned_data.get("resource") or "0", self.get_import_resource_classes(request)) is not None
        ):
            return self._refuse(
                request,
                gettext(
                    "The confirmation names a file format or kind of rows this screen does not know; "
                    "nothing was imported. Choose the file again."
                ),
            )
        pending = PendingUpload(name=form.cleaned_data["import_file_name"])
        try:
            pending.claim(user_id=request.user.pk)
        except UploadGone:
            return self._refuse(
                request,
                gettext(
                    "This file has been imported already, or its preview is too old: nothing was imported now. "
                    "To import it, choose the file again."
                ),
            )
        try:
            input_format = formats[_index(form.cleaned_data["format"], formats)](encoding=self.from_encoding)
            result = self.process_dataset(input_format.create_dataset(pending.read()), form, request, **kwargs)
        except TabularError as error:
            return self._refuse(request, str(error))
        except DatabaseError as error:
            if not _overtaken(error):
                raise
            logger.warning("import overtaken by another: %s", error)
            return self._refuse(
                request,
                gettext(
                    "Another import changed these rows at the same time, so nothing of this file was imported. "
                    "Run the import again."
                ),
            )
        finally:
            pending.remove()
        if not result.outcome.ok:  # the register changed between the preview and the confirm
            return self._refuse(request, result.outcome.summary())
        return self.process_result(result, request)

    def _refuse(self, request, message: str):
        messages.error(request, message)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))


def _index(value: str, choices: list) -> int | None:
    """A posted list index, if it is one of `choices`."""
    return int(value) if value.isascii() and value.isdigit() and int(value) < len(choices) else None


def _overtaken(error: DatabaseError) -> bool:
    """A write refused because another transaction wrote the same rows first (or they deadlocked)."""
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.__cause__, "sqlstate", None) in OVERTAKEN_SQLSTATES


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
                export_files.export_csv_stream(queryset=queryset), content_type="text/csv; charset=utf-8"
            )
            name = f"businesses-{timezone.localtime():%Y%m%d-%H%M}.csv"
            export_files.download_record(request=request, kind=DownloadLog.Kind.STREAMED_EXPORT, file_name=name)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        job = export_jobs.export_start(
            user=request.user,
            params=changelist.params_of(request.GET),
            total=queryset.count(),
            file_format=file_format,
        )
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
        export_files.download_record(request=request, kind=DownloadLog.Kind.EXPORT_FILE, file_name=name, job=job)
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
