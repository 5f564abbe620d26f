"""The registration desk's admin for the register."""

import datetime

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ccus.paginator import EstimatedCountPaginator, SearchCountPaginator
from outreach.admin import BusinessOutreachMixin
from outreach.lists import scoping
from outreach.lists.admin import ScopedAdminMixin
from registrations.admin_files import FileExportMixin, FileImportMixin
from registrations.forms import BusinessForm
from registrations.models import (
    Association,
    Business,
    CapitalBand,
    Membership,
    Prefecture,
    SubcontractLink,
    Trade,
    TradeGroup,
)
from registrations.resources import (
    AssociationResource,
    MembershipResource,
    SubcontractLinkResource,
)
from renewals.admin import BusinessRenewalMixin
from renewals.register_import import RegisterResource

# How many links the business page shows in each direction before linking onwards.
LINKS_SHOWN = 20


class TradeGroupFilter(admin.SimpleListFilter):
    title = _("trade group")
    parameter_name = "trade_group"

    def lookups(self, request, model_admin):
        return TradeGroup.objects.values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(trades__groups=self.value()).distinct()
        return queryset


class ExpiryMonthFilter(admin.SimpleListFilter):
    """The month a registration expires, from last year to two years ahead."""

    title = _("expiry month")
    parameter_name = "expiry_month"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        months = []
        year, month = today.year - 1, today.month
        for _i in range(36):
            months.append((f"{year:04d}-{month:02d}", f"{year}年{month}月"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            first = datetime.date.fromisoformat(f"{self.value()}-01")
        except ValueError:
            return queryset.none()
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return queryset.filter(expires_on__gte=first, expires_on__lt=following)


class DropdownFilterMixin:
    """A filter shown as one drop-down instead of a list of links: long lists keep the sidebar short."""

    template = "admin/registrations/dropdown_filter.html"


class DropdownFieldFilter(DropdownFilterMixin, admin.RelatedFieldListFilter):
    pass


class DropdownChoicesFilter(DropdownFilterMixin, admin.ChoicesFieldListFilter):
    pass


class DropdownTradeGroupFilter(DropdownFilterMixin, TradeGroupFilter):
    pass


class DropdownExpiryMonthFilter(DropdownFilterMixin, ExpiryMonthFilter):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["association"]
    extra = 0
    verbose_name_plural = _("associations")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business", "association")


@admin.register(Business)
class BusinessAdmin(
    ScopedAdminMixin,
    BusinessRenewalMixin,
    BusinessOutreachMixin,
    FileImportMixin,
    FileExportMixin,
    SimpleHistoryAdmin,
):
    form = BusinessForm
    resource_classes = [RegisterResource]  # the register's rows, and their terms in step
    import_export_change_list_template = "admin/registrations/business/change_list.html"
    list_display = [
        "ccus_id",
        "name",
        "prefecture",
        "phone",
        *BusinessRenewalMixin.renewal_list_columns,
        "expires_on",
    ]
    list_display_links = ["ccus_id", "name"]
    list_select_related = ["prefecture"]
    # What the desk filters by most comes first; the long lists are drop-downs.
    list_filter = [
        *BusinessRenewalMixin.renewal_list_filters,
        ("prefecture", DropdownFieldFilter),
        ("trades", DropdownFieldFilter),
        DropdownTradeGroupFilter,
        DropdownExpiryMonthFilter,
        ("associations", DropdownFieldFilter),
        ("capital_band", DropdownChoicesFilter),
        "is_sole_proprietor",
    ]
    search_fields = ["ccus_id"]  # the search itself is BusinessQuerySet.search
    search_help_text = _("Business ID, corporate number, phone number, or trade name or reading in any form")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    autocomplete_fields = ["trades"]
    inlines = [MembershipInline, *BusinessRenewalMixin.renewal_inlines, *BusinessOutreachMixin.outreach_inlines]
    actions = ["record_application", "approve_application", "send_reminder_now"]
    readonly_fields = [
        *BusinessOutreachMixin.outreach_readonly_fields,
        "capital_band_display",
        "links_as_prime_display",
        "links_as_sub_display",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["ccus_id", "corporate_number", "entity_type", "name", "name_kana", "is_sole_proprietor"]}),
        (_("capital"), {"fields": ["capital", "capital_band_display"]}),
        (
            _("address and contact"),
            {
                "fields": [
                    "postal_code",
                    "prefecture",
                    "address",
                    "phone",
                    "email",
                    "representative",
                    "contact_person",
                ]
            },
        ),
        (_("registration"), {"fields": ["permit_number", "trades", "registered_on", "expires_on"]}),
        (
            _("contact flags"),
            {
                "fields": [
                    "do_not_email_since",
                    "do_not_call_since",
                    "address_undeliverable_since",
                    "email_bounced_since",
                    "phone_invalid_since",
                ]
            },
        ),
        (
            _("subcontract links"),
            {"fields": ["links_as_prime_display", "links_as_sub_display", "list_appearances_display"]},
        ),
        (_("contact timeline"), {"fields": ["holdout_display", "contact_timeline"]}),
        (None, {"fields": ["updated_at"]}),
    ]

    def get_urls(self):
        return self.outreach_urls() + super().get_urls()

    # What each page element that is not a field of its own shows of a business: a role sees the element
    # only if it may see that field (outreach.lists.scoping.visible_fields). Anything unnamed is hidden from a
    # role that does not see every field.
    SHOWS = {
        "capital_band_display": "capital",
        DropdownTradeGroupFilter: "trades",
        DropdownExpiryMonthFilter: "expires_on",
        **dict.fromkeys(BusinessRenewalMixin.renewal_list_filters, "expires_on"),
        **dict.fromkeys(BusinessRenewalMixin.renewal_list_columns, "expires_on"),
    }

    class Media:
        css = {"all": ["registrations/register.css"]}
        js = ["registrations/dropdown_filter.js"]

    def _shown(self, request, elements):
        """The page elements (field names, columns, filters) this user's role may see."""
        visible = scoping.visible_fields(request.user, self.model)
        if visible is None:
            return list(elements)
        return [element for element in elements if self._shows(element) in visible]

    def _shows(self, element):
        """The field a page element shows: ("prefecture", SomeFilter) shows its field, the rest per SHOWS."""
        return element[0] if isinstance(element, tuple) else self.SHOWS.get(element, element)

    def renewal_panel_shows_detail(self, request) -> bool:
        return scoping.visible_fields(request.user, self.model) is None

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """A searched list is counted to a lower cap and its page found in the covering index."""
        searched = request.GET.get(SEARCH_VAR, "").strip()
        paginator = SearchCountPaginator if searched else self.paginator
        return paginator(queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        fields = scoping.visible_fields(request.user, self.model)
        return queryset.search(search_term, fields=fields), False

    # The registration's dates: 登録日 is typed when a business is added, its 有効期限 computed from it
    # (BusinessForm); afterwards both are read-only here, moved by renewal, re-registration or a
    # supervisor's correction with a reason (renewals.admin: correct_dates).
    DATES = ["registered_on", "expires_on"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, *self.DATES] if obj else readonly

    # Association staff: their members only (ScopedAdminMixin), and no contact data.
    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            shown = options["fields"] if obj else [f for f in options["fields"] if f != "expires_on"]
            if fields := self._shown(request, shown):
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def changelist_view(self, request, extra_context=None):
        """The register's list takes the page's width: its columns stay on one line at 1366 px without the
        models sidebar (the breadcrumbs and the home page lead everywhere else)."""
        return super().changelist_view(request, {**(extra_context or {}), "is_nav_sidebar_enabled": False})

    def get_list_display(self, request):
        return self._shown(request, super().get_list_display(request))

    def get_list_display_links(self, request, list_display):
        return [link for link in super().get_list_display_links(request, list_display) if link in list_display]

    def get_list_filter(self, request):
        return self._shown(request, super().get_list_filter(request))

    def get_inlines(self, request, obj):
        return [] if scoping.is_association_staff(request.user) else super().get_inlines(request, obj)

    @admin.display(description=_("capital band"), ordering="capital_band")
    def capital_band_display(self, obj):
        return CapitalBand(obj.capital_band).label if obj.capital_band is not None else "-"

    @admin.display(description=_("subcontractors (as prime)"))
    def links_as_prime_display(self, obj):
        return self._links(obj, "links_as_prime", "subcontractor", "prime__id__exact")

    @admin.display(description=_("primes (as subcontractor)"))
    def links_as_sub_display(self, obj):
        return self._links(obj, "links_as_sub", "prime", "subcontractor__id__exact")

    def _links(self, obj, relation, other, filter_param):
        """The first LINKS_SHOWN links, and a link to the full, paginated list."""
        if not obj.pk:
            return "-"
        # One query: the window counts every link before LIMIT keeps the first few.
        links = getattr(obj, relation).select_related(other).order_by(f"{other}__ccus_id")
        shown = list(links.annotate(total=Window(Count("pk")))[:LINKS_SHOWN])
        if not shown:
            return "-"
        total = shown[0].total
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> {} ({}次)</li>',
            (
                (
                    reverse("admin:registrations_business_change", args=[getattr(link, f"{other}_id")]),
                    getattr(link, other).ccus_id,
                    getattr(link, other).name,
                    link.tier,
                )
                for link in shown
            ),
        )
        full_list = f"{reverse('admin:registrations_subcontractlink_changelist')}?{filter_param}={obj.pk}"
        return format_html(
            '<ul style="margin:0">{}</ul><a href="{}">{}</a>', rows, full_list, _("All %(n)s links") % {"n": total}
        )


@admin.register(Association)
class AssociationAdmin(FileImportMixin, admin.ModelAdmin):
    resource_classes = [AssociationResource]
    list_display = ["code", "name", "member_count"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


@admin.register(Membership)
class MembershipAdmin(FileImportMixin, admin.ModelAdmin):
    resource_classes = [MembershipResource]
    list_display = ["business", "association", "joined_on"]
    list_select_related = ["business", "association"]
    list_filter = ["association"]
    autocomplete_fields = ["business", "association"]
    search_fields = ["=business__ccus_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(SubcontractLink)
class SubcontractLinkAdmin(FileImportMixin, admin.ModelAdmin):
    resource_classes = [SubcontractLinkResource]
    list_display = ["prime", "subcontractor", "tier", "source", "last_seen_on"]
    list_select_related = ["prime", "subcontractor"]
    list_filter = ["tier", "source"]
    link_lookups = ("prime__id__exact", "subcontractor__id__exact")  # "All n links" on a business's page
    autocomplete_fields = ["prime", "subcontractor"]
    search_fields = ["=prime__ccus_id", "=subcontractor__ccus_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_forms"]
    search_fields = ["name", "code", "short_forms"]


@admin.register(TradeGroup)
class TradeGroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["trades"]

    def get_deleted_objects(self, objs, request):
        """The delete page leaves out the group's links to its trades ("TradeGroup_trades object (2)"):
        the trades themselves stay, and the page already names the group."""
        deleted, counts, permissions, protected = super().get_deleted_objects(objs, request)
        through = TradeGroup.trades.through._meta
        prefix = f"{capfirst(through.verbose_name)}: "
        counts.pop(through.verbose_name_plural, None)
        return _without(deleted, prefix), counts, permissions, protected


def _without(nested: list, prefix: str) -> list:
    """Django's nested list of deleted objects without the entries starting with `prefix`."""
    return [
        _without(item, prefix) if isinstance(item, list) else item
        for item in nested
        if not str(item).startswith(prefix)
    ]
