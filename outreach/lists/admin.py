"""Subcontractor renewal lists in the admin: lists, their rows and deliveries, association staff.

Association staff see only their association's members and lists (outreach.lists.scoping).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ccus.admin_mixins import ReadOnlyAdminMixin
from ccus.paginator import EstimatedCountPaginator
from outreach.lists import files, scoping, selectors
from outreach.lists import services as list_services
from outreach.lists.tasks import build_subcontractor_list_task
from outreach.models import AssociationStaff, ListDelivery, SubcontractorList, SubcontractorListRow
from renewals.models import RenewalStatus

# A list's files by the name of their format in download addresses and the delivery log.
FILE_FIELDS = {"xlsx": "xlsx_file", "sjis": "csv_cp932_file", "csv": "csv_file"}
FILE_LABELS = {
    "xlsx": "XLSX",
    "sjis": _("CSV (Shift_JIS, for Excel)"),
    "csv": _("CSV (UTF-8 with BOM)"),
}


class ScopedAdminMixin:
    """Every queryset of this admin goes through outreach.lists.scoping; a hidden object is a 404.

    Its history pages are guarded too (outreach.admin_guards.HistoryGuardMixin, installed on every admin).
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
        help_texts = {
            "prime": _("Type the 事業者ID or part of the trade name and pick the business from the list."),
            "association": _("Or an association: a list for each of its member primes."),
        }
        error_messages = {
            "prime": {
                "invalid_choice": _("No such business: type its 事業者ID or trade name and pick it from the list.")
            },
            "association": {"invalid_choice": _("No such association: pick it from the list.")},
        }

    def clean(self):
        data = super().clean()
        prime, association = data.get("prime"), data.get("association")
        if prime and association:
            raise forms.ValidationError(
                _("Both a prime contractor and an association are chosen: keep only one of them.")
            )
        if not prime and not association and not self.has_error("prime") and not self.has_error("association"):
            raise forms.ValidationError(
                _("Choose the prime contractor (by 事業者ID or trade name) or an association the list is for.")
            )
        if prime and not prime.links_as_prime.exists():
            self.add_error(
                "prime",
                _("%(business)s has no subcontractors on record: the list would be empty.") % {"business": prime},
            )
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
    list_filter = ["status", "scope", "row_filter", "as_of", "delivered_at"]
    search_fields = ["=prime__ccus_id", "=association__code"]
    autocomplete_fields = ["prime", "association"]  # by 事業者ID or name, not the database number
    show_full_result_count = False
    change_form_template = "admin/outreach/subcontractorlist_change_form.html"
    readonly_fields = [
        "scope", "prime", "association", "row_filter", "days", "as_of", "status", "progress_display",
        "primes_total", "primes_done", "row_count", "error", "requested_by", "created_at", "built_at",
        "delivered_at", "downloads", "cp932_problems_display", "summary_display",
    ]  # fmt: skip
    actions = ["build_again"]

    def get_fields(self, request, obj=None):
        return self.form.Meta.fields if obj is None else self.readonly_fields

    def changelist_view(self, request, extra_context=None):
        """Above the lists, while association lists are being built: how many of them are done."""
        running = selectors.association_lists_progress(scoping.scoped(SubcontractorList.objects.all(), request.user))
        if running is not None:
            extra_context = {
                **(extra_context or {}),
                "subtitle": _("Association lists being built: %(done)s of %(total)s done")
                % {"done": running[0], "total": running[1]},
            }
        return super().changelist_view(request, extra_context)

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
        transaction.on_commit(lambda: build_subcontractor_list_task.delay(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("The list is being built; this page shows its progress."), messages.SUCCESS)
        return redirect(reverse("admin:outreach_subcontractorlist_change", args=[obj.pk]))

    @admin.action(description=_("Build the selected failed lists again"), permissions=["add"])
    def build_again(self, request, queryset):
        ids = list(queryset.filter(status=SubcontractorList.Status.FAILED).values_list("pk", flat=True))
        for list_id in ids:
            transaction.on_commit(lambda list_id=list_id: build_subcontractor_list_task.delay(list_id))
        self.message_user(request, _("%(count)s lists queued again.") % {"count": len(ids)}, messages.SUCCESS)

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        if obj.status == SubcontractorList.Status.BUILDING:
            done = _("%(done)s of %(total)s primes written, %(rows)s rows") % {
                "done": f"{obj.primes_done:,}",
                "total": f"{obj.primes_total:,}",
                "rows": f"{obj.row_count:,}",
            }
            return format_html('<progress max="100" value="{}"></progress> {}% ({})', obj.progress, obj.progress, done)
        return f"{obj.progress}%"

    @admin.display(description=_("files"))
    def downloads(self, obj):
        if obj.status != SubcontractorList.Status.DONE:
            return "-"
        formats = [name for name, field in FILE_FIELDS.items() if getattr(obj, field)]
        return format_html_join(
            " / ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:outreach_subcontractorlist_download", args=[obj.pk, name]), FILE_LABELS[name])
                for name in formats
            ),
        )

    @admin.display(description=_("characters Shift_JIS cannot hold"))
    def cp932_problems_display(self, obj):
        if obj.status != SubcontractorList.Status.DONE or not obj.csv_cp932_file:
            return "-"
        if not obj.cp932_problems:
            return _("None: the Shift_JIS CSV holds every character.")
        lines = obj.cp932_problems.splitlines()
        return format_html(
            "<p>{}</p><p>{}</p>",
            _("These characters are written as 〓 in the Shift_JIS CSV; the XLSX and the UTF-8 CSV hold them."),
            format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)),
        )

    @admin.display(description=_("subcontractors per prime"))
    def summary_display(self, obj):
        if obj.status != SubcontractorList.Status.DONE:
            return "-"
        primes = files.summary(obj)
        if not primes:
            return _("No subcontractors match the filter.")
        statuses = list(RenewalStatus)
        within = files.urgency_labels()[: len(files.URGENCY_DAYS)]
        labels = [_("prime"), _("rows"), *within, *[s.label for s in statuses]]
        head = format_html_join("", "<th>{}</th>", ((label,) for label in labels))
        body = format_html_join(
            "",
            "<tr><td>{} {}</td>" + "<td>{}</td>" * (len(labels) - 1) + "</tr>",
            (
                (p["ccus_id"], p["name"], p["total"], *p["urgency"][: len(within)],
                 *[p["by"].get(s.value, 0) for s in statuses])
                for p in primes
            ),
        )  # fmt: skip
        link = f"{reverse('admin:outreach_subcontractorlistrow_changelist')}?subcontractor_list__id__exact={obj.pk}"
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
        """A list's file, for those who may see the list; every download is logged."""
        sublist = self.get_object(request, str(object_id))
        if sublist is None or file_format not in FILE_FIELDS:
            raise Http404(_("No such list."))
        if not self.has_view_permission(request, sublist):
            raise PermissionDenied
        stored = getattr(sublist, FILE_FIELDS[file_format])
        if sublist.status != SubcontractorList.Status.DONE or not stored or not stored.storage.exists(stored.name):
            raise Http404(_("The list's file is not ready."))
        list_services.subcontractor_list_deliver(
            subcontractor_list=sublist, kind=ListDelivery.Kind.DOWNLOAD, user=request.user, file_format=file_format
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
    link_lookups = ("subcontractor_list__id__exact",)  # "All rows" on a list's page
    search_fields = ["=business__ccus_id", "=prime__ccus_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(ListDelivery)
class ListDeliveryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "subcontractor_list", "kind", "file_format_name", "user", "recipient"]
    list_select_related = ["subcontractor_list__prime", "subcontractor_list__association", "user"]
    list_filter = ["kind", "at"]
    show_full_result_count = False

    @admin.display(description=_("file"), ordering="file_format")
    def file_format_name(self, obj):
        return FILE_LABELS.get(obj.file_format, obj.file_format.upper())
