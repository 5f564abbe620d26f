"""When: registration terms, renewal applications and the fee schedule."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registrations.models import Business, CapitalBand
from registrations.validation import validate_not_in_future


class RenewalStatus(models.TextChoices):
    """Where a business stands in its renewal cycle, as the desk filters it."""

    ACTIVE = "active", _("active")
    WINDOW_OPEN = "window_open", _("renewal window open")
    PENDING = "pending", _("application pending")
    RENEWED = "renewed", _("renewed")
    EXPIRED_PENDING = "expired_pending", _("expired, application pending")
    LAPSED = "lapsed", _("lapsed (失効)")
    CLOSED = "closed", _("closed or merged (廃業・合併)")


class Term(models.Model):
    """One registration period of a business, from its start to its expiry."""

    class Origin(models.TextChoices):
        REGISTRATION = "registration", _("new registration")
        RENEWAL = "renewal", _("renewal")
        REREGISTRATION = "reregistration", _("registration after a lapse")

    class End(models.TextChoices):
        RENEWED = "renewed", _("renewed")
        LAPSED = "lapsed", _("lapsed")
        # The business told us, and the desk confirmed: not a lapse, counted apart.
        CLOSED = "closed", _("closed (廃業)")
        MERGED = "merged", _("merged (合併)")

    # Ends that are no lapse: the business is gone (the register, dashboard and segments count them apart).
    GONE = (End.CLOSED, End.MERGED)

    business = models.ForeignKey(Business, models.CASCADE, related_name="terms", verbose_name=_("business"))
    starts_on = models.DateField(_("starts on"))
    expires_on = models.DateField(_("expires on"))
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.REGISTRATION)
    is_current = models.BooleanField(_("current"), default=True)
    ended = models.CharField(_("ended"), max_length=10, choices=End.choices, blank=True)
    lapse_recorded_on = models.DateField(_("lapse recorded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

    class Meta:
        ordering = ["business", "-starts_on"]
        verbose_name = _("registration term")
        verbose_name_plural = _("registration terms")
        # Supervisors and administrators: renewals/corrections.py.
        permissions = [("correct_term", _("Can correct a registration's dates, with a reason"))]
        constraints = [
            models.UniqueConstraint(fields=["business"], condition=Q(is_current=True), name="term_one_current"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("starts_on")), name="term_expires_after_start"),
        ]
        indexes = [
            models.Index(fields=["expires_on"], condition=Q(is_current=True), name="term_current_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.expires_on}"

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.expires_on - (today or timezone.localdate())).days


class RenewalCase(models.Model):
    """A renewal application, from receipt to approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        POST = "post", _("by post")
        DESK = "desk", _("at the desk")
        AGENT = "agent", _("through an agent")
        FILE = "file", _("file import")

    business = models.ForeignKey(Business, models.CASCADE, related_name="renewal_cases", verbose_name=_("business"))
    term = models.ForeignKey(Term, models.PROTECT, related_name="renewal_cases", verbose_name=_("term being renewed"))
    received_on = models.DateField(_("application received on"), validators=[validate_not_in_future])
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    capital_band = models.PositiveSmallIntegerField(_("capital band"), choices=CapitalBand.choices)
    fee = models.PositiveIntegerField(_("fee (yen)"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True, validators=[validate_not_in_future])
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    new_term = models.OneToOneField(
        Term, models.PROTECT, null=True, blank=True, related_name="renewed_by", verbose_name=_("new term")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("renewal application")
        verbose_name_plural = _("renewal applications")
        constraints = [
            models.UniqueConstraint(
                fields=["business"], condition=Q(status="pending"), name="renewal_one_pending_per_business"
            ),
            models.UniqueConstraint(fields=["term"], condition=~Q(status="withdrawn"), name="renewal_one_per_term"),
        ]

    def __str__(self) -> str:
        return _("%(business)s: applied %(date)s") % {"business": self.business.name, "date": self.received_on}


class FeeRateQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date) -> "FeeRateQuerySet":
        """The rows of the schedule in force on a date: the latest start per band."""
        return self.filter(effective_from__lte=on).order_by("capital_band", "-effective_from")


class FeeRate(models.Model):
    """事業者登録料 for one capital band, from a date until the next row for that band."""

    capital_band = models.PositiveSmallIntegerField(_("capital band"), choices=CapitalBand.choices)
    effective_from = models.DateField(_("in force from"))
    amount = models.PositiveIntegerField(_("fee (yen)"))

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

    objects = FeeRateQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "capital_band"]
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee schedule")
        constraints = [
            models.UniqueConstraint(fields=["capital_band", "effective_from"], name="fee_rate_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_capital_band_display()} ¥{self.amount:,} ({self.effective_from}〜)"


class TargetQuerySet(models.QuerySet):
    def for_year(self, fiscal_year: int) -> tuple["Target | None", bool]:
        """The year's own target, else the latest earlier one; the flag says it was carried over."""
        target = self.filter(fiscal_year__lte=fiscal_year).order_by("-fiscal_year").first()
        return target, bool(target and target.fiscal_year != fiscal_year)


class Target(models.Model):
    """The plan's targets for a fiscal year (April – March), excluding 一人親方."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), unique=True, help_text=_("FY2025 = April 2025 – March 2026")
    )
    renewals = models.PositiveIntegerField(_("renewals target"))
    new_registrations = models.PositiveIntegerField(_("new registrations target"))
    fee_budget = models.BigIntegerField(_("registration fee budget (yen)"), help_text=_("事業者登録料"))

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")

    def __str__(self) -> str:
        return f"FY{self.fiscal_year}"
