"""Subcontractor renewal lists: the dated lists, their rows and deliveries, association staff."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outreach.models.calls import CallOutcome
from outreach.models.core import Channel
from registrations.models import Association, Business
from renewals.models import RenewalStatus


class AssociationStaff(models.Model):
    """Ties a staff user of a member association to that one association (see outreach/lists/scoping.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="association_staff", verbose_name=_("user")
    )
    association = models.ForeignKey(Association, models.PROTECT, related_name="staff", verbose_name=_("association"))

    class Meta:
        verbose_name = _("association staff member")
        verbose_name_plural = _("association staff")

    def __str__(self) -> str:
        return f"{self.user} ({self.association.code})"


class SubcontractorList(models.Model):
    """A dated list of subcontractors' renewal status for one prime or an association's member primes.

    Built once by a task into files under MEDIA_ROOT; pages and downloads read the stored
    rows and files, never the live graph.
    """

    class Scope(models.TextChoices):
        PRIME = "prime", _("one prime contractor")
        ASSOCIATION = "association", _("an association's member primes")

    class Filter(models.TextChoices):
        EXPIRING = "expiring", _("expiring within N days")
        LAPSED = "lapsed", _("lapsed")
        ALL = "all", _("all")

    class Status(models.TextChoices):  # a file being made: 作成待ち, not the 送信待ち of a notice
        QUEUED = "queued", pgettext_lazy("file job", "queued")
        BUILDING = "building", pgettext_lazy("file job", "building")
        DONE = "done", pgettext_lazy("file job", "done")
        FAILED = "failed", pgettext_lazy("file job", "failed")

    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    prime = models.ForeignKey(
        Business, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("prime contractor (元請)")
    )
    association = models.ForeignKey(
        Association, models.CASCADE, null=True, blank=True, related_name="subcontractor_lists",
        verbose_name=_("association"),
    )  # fmt: skip
    row_filter = models.CharField(_("filter"), max_length=10, choices=Filter.choices, default=Filter.EXPIRING)
    days = models.PositiveSmallIntegerField(_("within days"), default=90)
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    primes_total = models.PositiveIntegerField(_("primes"), default=0)
    primes_done = models.PositiveIntegerField(_("primes done"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    xlsx_file = models.FileField(_("XLSX file"), max_length=300, blank=True)
    csv_file = models.FileField(_("CSV file"), max_length=300, blank=True)
    csv_cp932_file = models.FileField(_("CSV file (Shift_JIS)"), max_length=300, blank=True)
    cp932_problems = models.TextField(_("characters Shift_JIS cannot hold"), blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("first delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("subcontractor renewal list")
        verbose_name_plural = _("subcontractor renewal lists")
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="prime", prime__isnull=False, association__isnull=True))
                | Q(scope="association", prime__isnull=True, association__isnull=False),
                name="sublist_scope_target",
            )
        ]

    def __str__(self) -> str:
        target = self.prime.ccus_id if self.prime_id else self.association.code
        return f"{target} {self.as_of}"


# How the last contact with a listed subcontractor ended: a notice's fate, or a call's recorded outcome.
ContactOutcome = models.TextChoices(
    "ContactOutcome",
    [
        ("SENT", ("sent", _("sent"))),
        ("POSTED", ("posted", _("posted"))),
        ("PRINTING", ("printing", _("in a print batch"))),
        ("BOUNCED", ("bounced", _("e-mail bounced"))),
        ("RETURNED", ("returned", _("postcard returned"))),
        ("FAILED", ("failed", _("failed"))),
        ("UNCERTAIN", ("uncertain", _("uncertain (check whether it went out)"))),
        *((outcome.name, (outcome.value, outcome.label)) for outcome in CallOutcome),
    ],
)


class SubcontractorListRow(models.Model):
    """One subcontractor in a list, as it stood on the list's date.

    Also the record of every list a business appeared in: its page shows the pressure
    that came through its primes.
    """

    subcontractor_list = models.ForeignKey(
        SubcontractorList, models.CASCADE, related_name="rows", db_column="snapshot_id", verbose_name=_("list")
    )  # the column keeps the field's first name
    prime = models.ForeignKey(Business, models.CASCADE, related_name="+", verbose_name=_("prime contractor (元請)"))
    business = models.ForeignKey(
        Business, models.CASCADE, related_name="list_rows", verbose_name=_("subcontractor (下請)")
    )
    distance = models.PositiveSmallIntegerField(_("distance (1 = direct)"))
    expires_on = models.DateField(_("expires on (有効期限)"))
    renewal_status = models.CharField(_("renewal status"), max_length=16, choices=RenewalStatus.choices, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_contact_channel = models.CharField(_("last contact by"), max_length=12, choices=Channel.choices, blank=True)
    last_contact_status = models.CharField(
        _("last contact outcome"), max_length=16, choices=ContactOutcome.choices, blank=True
    )

    class Meta:
        ordering = ["subcontractor_list", "prime", "distance", "business"]
        verbose_name = _("subcontractor list row")
        verbose_name_plural = _("subcontractor list rows")
        constraints = [
            models.UniqueConstraint(fields=["subcontractor_list", "prime", "business"], name="sublist_row_once"),
        ]
        indexes = [models.Index(fields=["business", "subcontractor_list"], name="sublist_row_business_idx")]

    def __str__(self) -> str:
        return _("%(prime)s → %(business)s (tier %(distance)s)") % {
            "prime": self.prime.name,
            "business": self.business.name,
            "distance": self.distance,
        }


class ListDelivery(models.Model):
    """Who received which list's file, when, and how: every download and e-mail."""

    class Kind(models.TextChoices):
        DOWNLOAD = "download", _("download")
        EMAIL = "email", _("e-mail announcement")

    subcontractor_list = models.ForeignKey(
        SubcontractorList, models.CASCADE, related_name="deliveries", db_column="snapshot_id", verbose_name=_("list")
    )  # the column keeps the field's first name
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_format = models.CharField(_("file"), max_length=4, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("list delivery")
        verbose_name_plural = _("list deliveries")

    def __str__(self) -> str:
        return f"{self.subcontractor_list} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
