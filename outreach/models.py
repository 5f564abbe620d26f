"""How we reach businesses: the reminder policy (data, not code) and the notices it produces."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registrations.models import Business
from renewals.models import Term


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    POSTCARD = "postcard", _("postcard")
    PHONE = "phone", _("phone")
    PRIME_LIST = "prime_list", _("prime contractor list")


class Fallback(models.TextChoices):
    POSTCARD = "postcard", _("postcard")
    PHONE = "phone", _("phone")
    SKIP = "skip", _("skip")


class NoticeTemplate(models.Model):
    """The wording of one kind of notice; rendered inside a layout in templates/outreach/."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Django template text. Available: {{ business.name }}, {{ business.ccus_id }}, {{ expires_on }}, "
            "{{ days_left }}, {{ renew_by }}, {{ desk_phone }}."
        ),
    )

    class Meta:
        ordering = ["channel", "name"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return self.name


class ReminderPolicy(models.Model):
    """The ladder: ordered steps and what to do when a channel cannot be used."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=False, help_text=_("The daily scan uses the active policy."))
    email_fallback = models.CharField(
        _("when e-mail cannot be used"), max_length=10, choices=Fallback.choices, default=Fallback.POSTCARD
    )
    postcard_fallback = models.CharField(
        _("when the address is undeliverable"), max_length=10, choices=Fallback.choices, default=Fallback.PHONE
    )
    phone_fallback = models.CharField(
        _("when the business may not be called"), max_length=10, choices=Fallback.choices, default=Fallback.SKIP
    )
    max_call_attempts = models.PositiveSmallIntegerField(_("call attempts per phone notice"), default=3)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name

    def fallback_for(self, channel: str) -> str:
        return {
            Channel.EMAIL: self.email_fallback,
            Channel.POSTCARD: self.postcard_fallback,
            Channel.PHONE: self.phone_fallback,
        }.get(channel, Fallback.SKIP)


class ReminderStep(models.Model):
    """One rung: a channel, a number of days before (negative: after) expiry, a template."""

    policy = models.ForeignKey(ReminderPolicy, models.CASCADE, related_name="steps", verbose_name=_("policy"))
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    days_before = models.IntegerField(
        _("days before expiry"), help_text=_("180 = 180 days before expiry; -7 = 7 days after expiry (lapsed).")
    )
    last_days_before = models.IntegerField(
        _("still worth sending until (days before expiry)"),
        help_text=_("After this day a missed step is not caught up. Steps before expiry must stop by expiry (≥ 0)."),
    )
    template = models.ForeignKey(NoticeTemplate, models.PROTECT, verbose_name=_("template"))
    call_script = models.TextField(_("call script"), blank=True)

    class Meta:
        ordering = ["policy", "-days_before", "channel"]
        verbose_name = _("reminder step")
        verbose_name_plural = _("reminder steps")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_days_before__lte=models.F("days_before")), name="step_window_order"
            ),
            models.CheckConstraint(
                condition=Q(days_before__lt=0) | Q(last_days_before__gte=0), name="step_pre_expiry_stops_at_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.days_before})"

    @property
    def after_expiry(self) -> bool:
        return self.days_before < 0

    def clean(self) -> None:
        if self.last_days_before is None or self.days_before is None:
            return
        if self.last_days_before > self.days_before:
            raise ValidationError({"last_days_before": _("The last day must not come before the first day.")})
        if self.days_before >= 0 and self.last_days_before < 0:
            raise ValidationError({"last_days_before": _("A step before expiry must never fire after expiry.")})
        if self.template_id and self.template.channel != self.channel and self.channel != Channel.PRIME_LIST:
            raise ValidationError({"template": _("The template is for another channel.")})


class ScanRun(models.Model):
    """One run of the daily scan, so the desk can see that the ladder ran."""

    for_date = models.DateField(_("scan date"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("scan run")
        verbose_name_plural = _("scan runs")

    def __str__(self) -> str:
        return f"{self.for_date} ({self.started_at:%Y-%m-%d %H:%M})"


class Notice(models.Model):
    """One outbound contact; the outbox row a worker, a print batch or an operator acts on."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")
        CANCELLED = "cancelled", _("cancelled")
        UNCERTAIN = "uncertain", _("uncertain (check whether it went out)")
        PRINTING = "printing", _("in a print batch")

    class Reason(models.TextChoices):
        NONE = "", "-"
        NO_EMAIL = "no_email", _("no e-mail address")
        DO_NOT_EMAIL = "do_not_email", _("asked not to be e-mailed")
        EMAIL_BOUNCED = "email_bounced", _("e-mail bounced")
        UNDELIVERABLE = "undeliverable", _("address undeliverable")
        NO_POSTAL_CODE = "no_postal_code", _("no postal code")
        POSTAL_UNKNOWN = "postal_unknown", _("postal code unknown to Japan Post")
        POSTAL_ELSEWHERE = "postal_elsewhere", _("postal code of another prefecture")
        NO_PHONE = "no_phone", _("no phone number")
        DO_NOT_CALL = "do_not_call", _("asked not to be called")
        PHONE_INVALID = "phone_invalid", _("phone number wrong")
        OVERTAKEN = "overtaken", _("overtaken by a later step")
        APPLIED = "applied", _("renewal application received")
        TERM_ENDED = "term_ended", _("the term is no longer current")
        MANUAL = "manual", _("sent by hand")

    business = models.ForeignKey(Business, models.CASCADE, related_name="notices", verbose_name=_("business"))
    term = models.ForeignKey(
        Term, models.CASCADE, null=True, blank=True, related_name="notices", verbose_name=_("term")
    )
    step = models.ForeignKey(
        ReminderStep, models.PROTECT, null=True, blank=True, related_name="notices", verbose_name=_("step")
    )
    template = models.ForeignKey(NoticeTemplate, models.PROTECT, verbose_name=_("template"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    fallback_reason = models.CharField(_("fallback because"), max_length=60, blank=True)
    due_on = models.DateField(_("due on"))
    scheduled_for = models.DateField(_("scheduled for"))
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    scan_run = models.ForeignKey(ScanRun, models.SET_NULL, null=True, blank=True, related_name="notices")
    batch = models.ForeignKey(
        "PostcardBatch",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("print batch"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        permissions = [("send_reminder", _("Can send a reminder now"))]
        constraints = [models.UniqueConstraint(fields=["term", "step"], name="notice_once_per_term_step")]
        indexes = [
            models.Index(fields=["channel", "status", "scheduled_for"], name="notice_work_idx"),
            models.Index(fields=["status", "updated_at"], name="notice_status_age_idx"),
            models.Index(fields=["business", "-created_at"], name="notice_business_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.business_id} {self.due_on}"


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
        return f"{self.notice.business_id}: {self.get_reason_display()}"


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
        return f"{self.business_id} {self.returned_on}"
