"""Postcards: print batches, the notices they left out, returned mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from outreach.models.core import Notice
from registrations.models import Business


class PostcardBatch(models.Model):
    """One print run for the print shop: the postcard notices it took, its files and its fate."""

    class Status(models.TextChoices):
        BUILDING = "building", _("building")
        READY = "ready", _("ready to print")
        POSTED = "posted", _("posted")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    for_date = models.DateField(_("postcards scheduled up to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BUILDING)
    total = models.PositiveIntegerField(_("postcards"), default=0)
    done = models.PositiveIntegerField(_("postcards written"), default=0)
    excluded = models.PositiveIntegerField(_("left out"), default=0)
    pdf = models.FileField(_("PDF for printing"), blank=True)
    csv_cp932 = models.FileField(_("CSV (CP932, Excel)"), blank=True)
    csv_utf8 = models.FileField(_("CSV (UTF-8)"), blank=True)
    char_problems = models.JSONField(_("characters that could not be printed or encoded"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("posted by")
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("postcard print batch")
        verbose_name_plural = _("postcard print batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.for_date} ({self.get_status_display()})"


class PostcardExclusion(models.Model):
    """A notice a batch left out because the postcard could not be delivered, and why."""

    batch = models.ForeignKey(PostcardBatch, models.CASCADE, related_name="exclusions", verbose_name=_("print batch"))
    notice = models.ForeignKey(Notice, models.CASCADE, related_name="+", verbose_name=_("notice"))
    reason = models.CharField(_("reason"), max_length=16, choices=Notice.Reason.choices)

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("left-out postcard")
        verbose_name_plural = _("left-out postcards")

    def __str__(self) -> str:
        return f"{self.notice.business.name}: {self.get_reason_display()}"


class ReturnedMail(models.Model):
    """A postcard returned as undeliverable (宛所不明): the business's address is flagged."""

    business = models.ForeignKey(Business, models.CASCADE, related_name="returned_mail", verbose_name=_("business"))
    returned_on = models.DateField(_("returned on"))
    notice = models.ForeignKey(
        Notice, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("postcard notice")
    )
    batch = models.ForeignKey(
        PostcardBatch, models.SET_NULL, null=True, blank=True, related_name="returned", verbose_name=_("print batch")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-returned_on", "-pk"]
        verbose_name = _("returned mail (宛所不明)")
        verbose_name_plural = _("returned mail (宛所不明)")

    def __str__(self) -> str:
        return _("%(business)s: returned %(date)s") % {"business": self.business.name, "date": self.returned_on}
