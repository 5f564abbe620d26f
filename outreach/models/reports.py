"""Reports: the dashboard and its snapshots, saved segments, the committee and effect reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outreach.models.core import Notice
from registrations.models import Business
from renewals.models import Term


class EffectReport(Notice):
    """The report of what each contact achieved (an admin page, no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("effect of reminders")
        verbose_name_plural = _("effect of reminders")


class Dashboard(Term):
    """The renewal dashboard and the segment targeting (an admin page, no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("renewal dashboard")
        verbose_name_plural = _("renewal dashboard")


class DashboardSnapshot(models.Model):
    """The dashboard's aggregates as computed at `computed_at`: one row per day, replaced by each refresh."""

    as_of = models.DateField(_("as of"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    seconds = models.FloatField(_("seconds to compute"))
    data = models.JSONField(_("figures"))

    class Meta:
        default_permissions = ()  # written by the refresh task, shown on the dashboard page
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return f"{self.as_of} ({timezone.localtime(self.computed_at):%H:%M:%S})"


class SegmentList(models.Model):
    """A saved segment: the businesses of a region/trade/capital band at risk on the day it was saved."""

    name = models.CharField(_("name"), max_length=200)
    dimensions = models.CharField(_("segment by"), max_length=40, help_text=_("e.g. prefecture,trade_group"))
    keys = models.JSONField(_("segment keys"), default=list)
    as_of = models.DateField(_("as of"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    businesses = models.ManyToManyField(
        Business, through="SegmentListEntry", related_name="segment_lists", verbose_name=_("businesses")
    )
    calls_created = models.PositiveIntegerField(_("call tasks created"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("segment list")
        verbose_name_plural = _("segment lists")

    def __str__(self) -> str:
        return self.name


class SegmentListEntry(models.Model):
    segment_list = models.ForeignKey(SegmentList, models.CASCADE, related_name="entries", verbose_name=_("list"))
    business = models.ForeignKey(Business, models.CASCADE, related_name="+", verbose_name=_("business"))
    term = models.ForeignKey(Term, models.CASCADE, related_name="+", verbose_name=_("term"))

    class Meta:
        ordering = ["term__expires_on", "pk"]
        verbose_name = _("business in the list")
        verbose_name_plural = _("businesses in the list")
        constraints = [models.UniqueConstraint(fields=["segment_list", "business"], name="segment_entry_unique")]

    def __str__(self) -> str:
        return str(self.business)


class CommitteeReport(models.Model):
    """The quarterly report to the steering committee (運営委員会): an XLSX and a PDF."""

    class Status(models.TextChoices):  # a file being made: 作成待ち, not the 送信待ち of a notice
        QUEUED = "queued", pgettext_lazy("file job", "queued")
        DONE = "done", pgettext_lazy("file job", "done")
        FAILED = "failed", pgettext_lazy("file job", "failed")

    quarter = models.CharField(_("fiscal quarter"), max_length=6, help_text=_("e.g. 2026Q3 = October – December 2026"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    xlsx = models.FileField(_("XLSX"), upload_to="committee/", blank=True)
    pdf = models.FileField(_("PDF"), upload_to="committee/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("committee report")
        verbose_name_plural = _("committee reports")

    def __str__(self) -> str:
        return self.quarter


class LapseModel(models.Model):
    """A trained model of "will this term lapse without an application by expiry".

    The estimator is a skops file (never a pickle) under MEDIA_ROOT/lapse_models/; the row keeps
    what reading it needs (feature names, reference values), how it did on later expiry months
    than it was trained on, and the phone desk's reach table learned from the call history.
    """

    trained_at = models.DateTimeField(_("trained at"))
    file = models.FileField(_("model file"), upload_to="lapse_models/")
    spec = models.JSONField(_("features"), default=dict)
    metrics = models.JSONField(_("validation"), default=dict)
    reach = models.JSONField(_("reach by hour"), default=dict, blank=True)
    seconds = models.FloatField(_("seconds to train"), default=0)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    scored_terms = models.PositiveIntegerField(_("terms scored"), default=0)
    load_error = models.TextField(_("load error"), blank=True)

    class Meta:
        ordering = ["-trained_at", "-pk"]
        default_permissions = ("view",)  # written by the nightly training, read by the phone desk
        verbose_name = _("lapse risk model")
        verbose_name_plural = _("lapse risk models")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.trained_at):%Y-%m-%d %H:%M}"


class LapseRisk(models.Model):
    """The risk that a current term lapses, with its top reasons, as the latest model scored it."""

    term = models.OneToOneField(Term, models.CASCADE, primary_key=True, related_name="+", verbose_name=_("term"))
    business = models.ForeignKey(Business, models.CASCADE, related_name="+", verbose_name=_("business"))
    model = models.ForeignKey(LapseModel, models.CASCADE, related_name="risks", verbose_name=_("model"))
    risk = models.FloatField(_("lapse risk"))
    reasons = models.CharField(_("main reasons"), max_length=300, blank=True)

    class Meta:
        default_permissions = ()
        verbose_name = _("lapse risk")
        verbose_name_plural = _("lapse risks")

    def __str__(self) -> str:
        return f"{self.business_id}: {self.risk:.2f}"
