"""The renewal dashboard, segment targeting, segment lists, committee reports and lapse models in the admin."""

import datetime
import io

import xlsxwriter
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ccus.admin_mixins import ReadOnlyAdminMixin
from ccus.tabular import UTF8_BOM, CsvLines
from ccus.tabular.sheets import Sheet
from outreach.models import CommitteeReport, Dashboard, EffectReport, Experiment, LapseModel, SegmentList
from outreach.reports import admin_experiments, charts, effect_workbook, segments, snapshots
from outreach.reports.committee import outcome_labels
from outreach.reports.effect import effect_report
from outreach.reports.forms import CommitteeReportForm, MonthRangeForm
from outreach.reports.tasks import committee_report_task, refresh_dashboard_task
from registrations.export_files import download_record
from registrations.models import DownloadLog
from renewals import stats

PREVIEW_ROWS = 100
CALLS_MESSAGE = gettext_lazy(
    "%(created)s call tasks handed to the phone desk; %(left_out)s left out "
    "(no usable number, applied or already waiting for a call)."
)
DIMENSION_LABELS = {
    "prefecture": gettext_lazy("prefecture"),
    "trade_group": gettext_lazy("trade group"),
    "trade": gettext_lazy("trade"),
    "capital_band": gettext_lazy("capital band"),
}


def _charts(data: dict) -> dict:
    labels = outcome_labels()
    return {
        "calendar_chart": charts.stacked_bars(
            [(m.strftime("%y/%m"), [c[o] for o in stats.OUTCOMES]) for m, c in data["calendar"]],
            [labels[o] for o in stats.OUTCOMES],
            title=_("Expiries per month by renewal status"),
        ),
        "lapses_chart": charts.bars(
            [(m.strftime("%y/%m"), n) for m, n in data["lapses"]], title=_("Lapses per month (month of expiry)")
        ),
    }


@admin.register(Dashboard)
class DashboardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The managers' picture: targets, income, expiries, rates, funnel, lapses; and weak segments."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("segments/", view(self.segments_view), name="outreach_dashboard_segments"),
            path("refresh/", view(self.refresh_view), name="outreach_dashboard_refresh"),
            *super().get_urls(),
        ]

    def _context(self, request, title) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta}

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        snapshot = snapshots.latest() or snapshots.snapshot_refresh(today=timezone.localdate())
        data = snapshots.dashboard_from(snapshot)
        max_age = datetime.timedelta(minutes=settings.DASHBOARD_SNAPSHOT_MAX_AGE_MINUTES)
        rates = [(DIMENSION_LABELS[name], rows) for name, rows in data["rates"].items()]
        context = {
            **self._context(request, _("Renewal dashboard")),
            **data,
            **_charts(data),
            "snapshot": snapshot,
            "snapshot_stale": snapshots.is_stale(snapshot, now=timezone.now(), max_age=max_age),
            "rate_tables": rates,
            "outcome_labels": [outcome_labels()[o] for o in stats.OUTCOMES],
            "calendar_rows": [(m, [c[o] for o in stats.OUTCOMES], sum(c.values())) for m, c in data["calendar"]],
        }
        return TemplateResponse(request, "admin/outreach/dashboard.html", context)

    def refresh_view(self, request):
        """POST: recompute the snapshot in a task (in process without a broker), then back to the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        transaction.on_commit(refresh_dashboard_task.delay)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            messages.success(request, _("The dashboard was recomputed."))
        else:
            messages.success(request, _("The dashboard is being recomputed: reload the page in a moment."))
        return redirect("admin:outreach_dashboard_changelist")

    def segments_view(self, request):
        """Segments ranked; POST saves one as a list and exports it or hands it to the phone desk."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        kind = request.GET.get("kind") or request.POST.get("kind") or "prefecture_trade_group"
        order = request.GET.get("order", "rate")
        if kind not in segments.SEGMENTINGS or order not in segments.ORDERS:
            messages.error(request, _("Unknown segmentation or order: showing the default."))
            kind, order = "prefecture_trade_group", "rate"
        if request.method == "POST":
            return self._act(request, kind)
        rows = segments.segments(kind, today=timezone.localdate(), order=order)
        context = {
            **self._context(request, _("Weak segments")),
            "kind": kind,
            "order": order,
            "segmentings": [(key, label) for key, (_dims, label) in segments.SEGMENTINGS.items()],
            "orders": list(segments.ORDERS.items()),
            "rows": [{**row, "value": "|".join(str(k) for k in row["keys"])} for row in rows[:200]],
            "can_act": request.user.has_perm("outreach.add_segmentlist"),
            "min_terms": settings.SEGMENT_MIN_TERMS,
        }
        return TemplateResponse(request, "admin/outreach/segments.html", context)

    def _act(self, request, kind):
        """Downloads read the segment live and save nothing; saving (or handing to the phone desk) keeps one
        list per segment and day: a second click finds the list saved earlier instead of a copy."""
        if not request.user.has_perm("outreach.add_segmentlist"):
            raise PermissionDenied
        action, today = request.POST.get("action"), timezone.localdate()
        try:
            keys = segments.parse_keys(kind, request.POST.get("segment", ""))
            if action not in ("save", "csv", "xlsx", "calls"):
                raise segments.TargetingError(_("Choose what to do with the segment."))
            if action in ("csv", "xlsx"):
                name = f"segment-{'-'.join(str(key) for key in keys)}-{today:%Y%m%d}.{action}"
                return segment_file(segments.segment_rows(kind, keys, today=today), name, action)
            with transaction.atomic():
                segment_list = segments.segment_list_of_day(kind=kind, keys=keys, today=today)
                saved_before = segment_list is not None
                if segment_list is None:
                    segment_list = segments.segment_list_create(kind=kind, keys=keys, today=today, user=request.user)
                result = segments.segment_list_calls(segment_list=segment_list) if action == "calls" else None
        except segments.TargetingError as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('admin:outreach_dashboard_segments')}?kind={kind}")
        if result is not None:
            messages.success(request, CALLS_MESSAGE % result)
        elif saved_before:
            messages.info(request, _("“%(name)s” was already saved today: here it is.") % {"name": segment_list.name})
        else:
            messages.success(request, _("Saved the list “%(name)s”.") % {"name": segment_list.name})
        return redirect("admin:outreach_segmentlist_change", segment_list.pk)


def segment_list_file(segment_list: SegmentList, file_format: str):
    """A saved list as a file."""
    name = f"segment-{segment_list.pk}-{segment_list.as_of:%Y%m%d}.{file_format}"
    return segment_file(segments.export_rows(segment_list), name, file_format)


def segment_file(rows, name: str, file_format: str):
    """Rows as CSV (streamed, UTF-8 with BOM for Excel) or XLSX (constant memory)."""
    if file_format == "csv":
        lines = CsvLines("utf-8")

        def stream():
            yield UTF8_BOM + lines.line(segments.export_headers())
            for row in rows:
                yield lines.line([str(cell) for cell in row])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    else:
        buffer = io.BytesIO()
        options = {"constant_memory": True, "in_memory": True, "strings_to_formulas": False}
        workbook = xlsxwriter.Workbook(buffer, options)
        sheet = Sheet(workbook, _("businesses at risk"), neutralised=True)
        sheet.header(segments.export_headers())
        for row in rows:
            sheet.row(row)
        sheet.close()
        workbook.close()
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(SegmentList)
class SegmentListAdmin(admin.ModelAdmin):
    list_display = ["name", "as_of", "size", "calls_created", "created_by", "created_at"]
    list_select_related = ["created_by"]
    readonly_fields = ["name", "as_of", "calls_created", "created_by", "created_at", "preview"]
    fields = readonly_fields
    actions = ["export_csv", "export_xlsx", "hand_to_phone_desk"]

    def has_add_permission(self, request):
        return False  # lists are saved from the segments page

    def has_hand_to_phone_desk_permission(self, request):
        # Who may save a segment as a list may hand it to the phone desk (as on the segments page);
        # not "add", which is off here because lists are saved from the segments page.
        return request.user.has_perm("outreach.add_segmentlist")

    @admin.display(description=gettext_lazy("businesses"))
    def size(self, obj):
        return obj.entries.count()

    @admin.display(description=gettext_lazy("first businesses of the list (export it for all)"))
    def preview(self, obj):
        rows = obj.entries.select_related("business", "term").order_by("term__expires_on", "pk")[:PREVIEW_ROWS]
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:registrations_business_change", args=[e.business_id]),
                        e.business.ccus_id,
                        e.business.name,
                        e.business.phone,
                        e.term.expires_on,
                    )
                    for e in rows
                ),
            ),
        )

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one list to export."), messages.ERROR)
            return None
        return queryset.get()

    @admin.action(description=gettext_lazy("Export as CSV"))
    def export_csv(self, request, queryset):
        segment_list = self._one(request, queryset)
        return segment_list_file(segment_list, "csv") if segment_list else None

    @admin.action(description=gettext_lazy("Export as XLSX"))
    def export_xlsx(self, request, queryset):
        segment_list = self._one(request, queryset)
        return segment_list_file(segment_list, "xlsx") if segment_list else None

    @admin.action(description=gettext_lazy("Hand to the phone desk as call tasks"), permissions=["hand_to_phone_desk"])
    def hand_to_phone_desk(self, request, queryset):
        for segment_list in queryset:
            try:
                result = segments.segment_list_calls(segment_list=segment_list)
            except segments.TargetingError as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            message = CALLS_MESSAGE
            self.message_user(request, f"{segment_list}: {message % result}", messages.SUCCESS)


@admin.register(CommitteeReport)
class CommitteeReportAdmin(admin.ModelAdmin):
    form = CommitteeReportForm
    list_display = ["quarter", "status", "files", "created_by", "created_at", "finished_at"]
    list_select_related = ["created_by"]
    readonly_fields = ["status", "files", "error", "created_by", "created_at", "finished_at"]
    actions = ["rebuild"]

    def get_fields(self, request, obj=None):
        return ["quarter"] if obj is None else ["quarter", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("files"))
    def files(self, obj):
        if obj.status != CommitteeReport.Status.DONE:
            return obj.get_status_display()
        url = "admin:outreach_committeereport_download"
        return format_html(
            '<a href="{}">XLSX</a> · <a href="{}">PDF</a>',
            reverse(url, args=[obj.pk, "xlsx"]),
            reverse(url, args=[obj.pk, "pdf"]),
        )

    def get_urls(self):
        download = path(
            "<int:pk>/download/<str:kind>/",
            self.admin_site.admin_view(self.download_view),
            name="outreach_committeereport_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, pk, kind):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = CommitteeReport.objects.filter(pk=pk, status=CommitteeReport.Status.DONE).first()
        if report is None or kind not in ("xlsx", "pdf"):
            raise Http404(_("This report has no such file."))
        file = getattr(report, kind)
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _enqueue(obj.pk)

    @admin.action(description=gettext_lazy("Build the report again"), permissions=["add"])
    def rebuild(self, request, queryset):
        for report in queryset:
            CommitteeReport.objects.filter(pk=report.pk).update(status=CommitteeReport.Status.QUEUED, error="")
            _enqueue(report.pk)
        self.message_user(request, _("The reports are being built; reload this page to download them."))


def _enqueue(report_id: int) -> None:
    transaction.on_commit(lambda: committee_report_task.delay(report_id))


@admin.register(EffectReport)
class EffectReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """For each expiry month: what happened, what came last before applying, what each mix achieved."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = MonthRangeForm(request.GET or None)
        first, last = form.months()
        report = effect_report(first_month=first, last_month=last)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                effect_workbook.effect_report_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            name = f"effect-{first:%Y%m}-{last:%Y%m}-{timezone.localdate():%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            download_record(request=request, kind=DownloadLog.Kind.REPORT, file_name=name)
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": EffectReport._meta.verbose_name_plural,
            "opts": self.model._meta,
            "form": form,
            "report": report,
            **effect_workbook.present(report),
            "answer_headers": effect_workbook.answer_headers(),
            "experiments": admin_experiments.render_results(Experiment.objects.select_related("step")),
        }
        return TemplateResponse(request, "admin/outreach/effect_report.html", context)


@admin.register(LapseModel)
class LapseModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The nightly lapse models: when each was trained, how it did on later months, whether it loads."""

    list_display = ["trained_at", "auc", "brier", "top_decile", "held_out", "scored_terms", "state"]
    fields = [
        "trained_at", "auc", "brier", "top_decile", "learned", "held_out", "training_seconds", "file",
        "scored_at", "scored_terms", "state", "load_error",
    ]  # fmt: skip
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("AUC"))
    def auc(self, row):
        return f"{row.metrics['auc']:.3f}" if row.metrics else "-"

    @admin.display(description=_("Brier score"))
    def brier(self, row):
        return f"{row.metrics['brier']:.3f}" if row.metrics else "-"

    @admin.display(description=_("lapse rate: top decile / average"))
    def top_decile(self, row):
        if not row.metrics:
            return "-"
        return f"{row.metrics['top_decile_rate']:.1%} / {row.metrics['average_rate']:.1%}"

    @admin.display(description=_("learned from (expiry months)"))
    def learned(self, row):
        return _months(row.metrics, "learned")

    @admin.display(description=_("validated on (expiry months)"))
    def held_out(self, row):
        return _months(row.metrics, "held_out")

    @admin.display(description=_("seconds to train"))
    def training_seconds(self, row):
        return f"{row.seconds:.1f}"

    @admin.display(description=_("state"))
    def state(self, row):
        if row.load_error:
            return _("the file failed to load: the call queue is in expiry order")
        return _("in use") if row.scored_at else _("not scored yet")


def _months(metrics: dict, part: str) -> str:
    if not metrics:
        return "-"
    first, last = metrics[f"{part}_months"]
    return _("%(first)s – %(last)s (%(count)s terms)") % {
        "first": first,
        "last": last,
        "count": f"{metrics[f'{part}_terms']:,}",
    }
