"""How we reach businesses: the reminder policy (data, not code) and the notices it produces."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outreach import variables
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


class Delivery(models.TextChoices):
    """What the mail provider reported about an e-mail (its tracking webhook)."""

    DELIVERED = "delivered", _("delivered to the mailbox")
    SOFT_BOUNCE = "soft_bounce", _("soft bounce")
    HARD_BOUNCE = "hard_bounce", _("hard bounce")
    REJECTED = "rejected", _("rejected by the provider")
    COMPLAINT = "complaint", _("spam complaint")


class NoticeTemplate(models.Model):
    """The wording of one kind of notice; rendered inside a layout in templates/outreach/."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("One line, with the same variables as the body.")
    )
    body = models.TextField(_("body"), help_text=variables.HELP_TEXT)

    class Meta:
        ordering = ["channel", "name"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {
            field: variables.problems(getattr(self, field), channel=self.channel) for field in ("subject", "body")
        }
        if variables.LINE_BREAKS.intersection(self.subject):
            errors["subject"].append(_("The subject must be one line."))
        if errors := {field: found for field, found in errors.items() if found}:
            raise ValidationError(errors)


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

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

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

    def fallback_chain(self, channel: str) -> list[str]:
        """The channels tried in order for a step: its own, then the policy's fallbacks."""
        chain = [channel]
        while (following := self.fallback_for(chain[-1])) != Fallback.SKIP and following not in chain:
            chain.append(following)
        return chain


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
    call_script = models.TextField(_("call script"), blank=True, help_text=variables.HELP_TEXT)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

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
        if found := variables.problems(self.call_script):
            raise ValidationError({"call_script": found})
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
    # A run that raised, or was found unfinished long after its start (its worker died).
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("scan run")
        verbose_name_plural = _("scan runs")

    def __str__(self) -> str:
        return f"{self.for_date} ({self.started_at:%Y-%m-%d %H:%M})"

    def counts_in_words(self) -> str:
        """The run's counts as the desk reads them: 方針: … / 電話: 作成 1件（見送り: 電話番号なし 2件） / 取消 0件."""
        counts = self.counts or {}
        parts = [_("policy: %(name)s") % {"name": counts["policy"]}] if counts.get("policy") else []
        for channel, entry in counts.items():
            if channel not in Channel.values:
                continue
            part = _("%(channel)s: %(n)s created") % {"channel": Channel(channel).label, "n": entry.get("created", 0)}
            skipped = "、".join(
                f"{dict(Notice.Reason.choices).get(reason, reason)} {n}"
                for reason, n in entry.get("skipped", {}).items()
            )
            parts.append(part + (_(" (left out: %(reasons)s)") % {"reasons": skipped} if skipped else ""))
        for key, label in (("cancelled", _("cancelled: %(n)s")), ("lapsed", _("lapsed: %(n)s"))):
            if key in counts:
                parts.append(label % {"n": counts[key]})
        return " / ".join(str(part) for part in parts)

    counts_in_words.short_description = _("counts")


class Heartbeat(models.Model):
    """When a periodic job last ran (the worker's heartbeat, the sweeper), for /health/ and the desk."""

    class Name(models.TextChoices):
        WORKER = "worker", _("worker")
        SWEEPER = "sweeper", _("outbox sweeper")

    name = models.CharField(_("name"), max_length=20, choices=Name.choices, unique=True)
    beat_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.get_name_display()} {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, name: str) -> None:
        cls.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})

    @classmethod
    def last(cls, name: str):
        return cls.objects.filter(name=name).values_list("beat_at", flat=True).first()


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
        RENDER_FAILED = "render_failed", _("the wording could not be filled in")
        ANSWERED = "answered", _("paused by the business's answer")
        CLOSED = "closed", _("the business has closed or merged")
        HOLDOUT = "holdout", _("held out to measure the rung's effect")

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
    scan_run = models.ForeignKey(
        ScanRun, models.SET_NULL, null=True, blank=True, related_name="notices", verbose_name=_("scan run")
    )
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
    # Database defaults: the scan and the seeders write notices with INSERT … SELECT.
    provider_message_id = models.CharField(_("provider's message ID"), max_length=200, blank=True, db_default="")
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, blank=True, db_default="")
    delivery_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

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
            # The scan's daily caps count today's notices.
            models.Index(fields=["due_on"], name="notice_due_idx"),
            # The provider's reports name the message it sent.
            models.Index(
                fields=["provider_message_id"], name="notice_provider_msg_idx", condition=~Q(provider_message_id="")
            ),
        ]

    def __str__(self) -> str:
        return _("%(business)s: %(channel)s, due %(date)s") % {
            "business": self.business.name,
            "channel": self.get_channel_display(),
            "date": self.due_on,
        }


class Bounce(models.Model):
    """An e-mail address that bounced, as a bounce list or a provider reported it."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("uploaded bounce list")
        PROVIDER = "provider", _("mail provider's report")

    business = models.ForeignKey(Business, models.CASCADE, related_name="bounces", verbose_name=_("business"))
    email = models.CharField(_("e-mail"), max_length=254)
    bounced_on = models.DateField(_("bounced on"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
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
        ordering = ["-created_at", "-pk"]
        verbose_name = _("e-mail bounce")
        verbose_name_plural = _("e-mail bounces")
        indexes = [models.Index(fields=["business", "-created_at"], name="bounce_business_idx")]

    def __str__(self) -> str:
        return f"{self.email} {self.bounced_on}"


class DeliveryEvent(models.Model):
    """One report of the mail provider's tracking webhook, kept once (by its event id) for its effect."""

    provider = models.CharField(_("provider"), max_length=20)
    event_id = models.CharField(_("event ID"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Delivery.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    message_id = models.CharField(_("provider's message ID"), max_length=200, blank=True)
    notice = models.ForeignKey(
        Notice, models.SET_NULL, null=True, blank=True, related_name="delivery_events", verbose_name=_("notice")
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="delivery_event_once")]
        # Soft bounces are counted per address since its last delivery.
        indexes = [models.Index(fields=["recipient", "kind", "occurred_at"], name="delivery_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recipient}"


class MorningCheck(ScanRun):
    """The desk's morning check: last scans, yesterday's sends, failures, what waits (an admin page)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("morning check")
        verbose_name_plural = _("morning check")
