"""How we reach businesses: the reminder policy (data, not code) and the notices it produces."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outreach import rendering
from registrations.models import Association, Business
from renewals.models import RenewalStatus, Term


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
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("One line, with the same variables as the body.")
    )
    body = models.TextField(_("body"), help_text=rendering.HELP_TEXT)

    class Meta:
        ordering = ["channel", "name"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {field: rendering.problems(getattr(self, field)) for field in ("subject", "body")}
        if rendering.LINE_BREAKS.intersection(self.subject):
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
    call_script = models.TextField(_("call script"), blank=True, help_text=rendering.HELP_TEXT)

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
        if found := rendering.problems(self.call_script):
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

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("scan run")
        verbose_name_plural = _("scan runs")

    def __str__(self) -> str:
        return f"{self.for_date} ({self.started_at:%Y-%m-%d %H:%M})"


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
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.business_id} {self.due_on}"


class CallOutcome(models.TextChoices):
    """What an operator records after a call; the order is the keyboard numbering on the call screen."""

    WILL_RENEW = "will_renew", _("reached – will renew")
    ALREADY_APPLIED = "already_applied", _("reached – already applied")
    REFUSES = "refuses", _("reached – refuses")
    NO_ANSWER = "no_answer", _("no answer")
    VOICEMAIL = "voicemail", _("voicemail")
    WRONG_NUMBER = "wrong_number", _("wrong number")
    CALLBACK = "callback", _("callback requested")


class CallTask(models.Model):
    """One call to make for a phone notice, from a given moment.

    A phone notice may need several calls (a retry after no answer, a callback at the
    time the business asked for); each is a task with its own due time and claim, so
    the notice stays the one outbox row per (term, step).
    """

    class Kind(models.TextChoices):
        FIRST = "first", _("first call")
        RETRY = "retry", _("retry after no answer")
        CALLBACK = "callback", _("callback")

    class Status(models.TextChoices):
        OPEN = "open", _("to call")
        DONE = "done", _("done")

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="call_tasks", verbose_name=_("notice"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIRST)
    due_at = models.DateTimeField(_("call from"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("operator")
    )
    claimed_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # The business's expiry when the task was made: the queue's order, read without a join.
    expires_on = models.DateField(_("expires on"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("call queue")
        verbose_name_plural = _("call queue")
        permissions = [("take_call", _("Can take calls from the queue and record them"))]
        constraints = [
            models.UniqueConstraint(fields=["notice"], condition=Q(status="open"), name="calltask_one_open_per_notice")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="calltask_queue_idx"),
            models.Index(
                fields=["expires_on", "due_at", "id"], condition=Q(status="open"), name="calltask_open_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.notice.business} {self.due_at:%Y-%m-%d %H:%M}"


class CallAttempt(models.Model):
    """One call an operator made, with its outcome; rows under the phone notice."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="call_attempts", verbose_name=_("notice"))
    task = models.OneToOneField(
        CallTask, models.SET_NULL, null=True, blank=True, related_name="attempt", verbose_name=_("call task")
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="call_attempts", verbose_name=_("operator")
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        indexes = [models.Index(fields=["operator", "started_at"], name="callattempt_operator_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RenewalCheck(models.Model):
    """A business that told an operator it has already applied: the desk checks the renewal."""

    business = models.ForeignKey(Business, models.CASCADE, related_name="renewal_checks", verbose_name=_("business"))
    attempt = models.OneToOneField(
        CallAttempt, models.SET_NULL, null=True, blank=True, related_name="renewal_check", verbose_name=_("call")
    )
    reported_at = models.DateTimeField(_("reported at"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("checked by")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["checked_at", "-reported_at"]
        verbose_name = _("renewal to check (already applied)")
        verbose_name_plural = _("renewals to check (already applied)")

    def __str__(self) -> str:
        return str(self.business)


class Bounce(models.Model):
    """An e-mail address that bounced, as a bounce list or a provider reported it."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("uploaded bounce list")

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


class CallStats(CallAttempt):
    """The supervisors' view of calls per operator and day (an admin page, no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("calls per operator and day")
        verbose_name_plural = _("calls per operator and day")


class EffectReport(Notice):
    """The report of what each contact achieved (an admin page, no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("effect of reminders")
        verbose_name_plural = _("effect of reminders")


class AssociationStaff(models.Model):
    """Ties a staff user of a member association to that one association (see outreach/scoping.py)."""

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
    """A dated snapshot of subcontractors' renewal status for one prime or an association's member primes.

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

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

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


class SubcontractorListRow(models.Model):
    """One subcontractor in a snapshot, as it stood on the snapshot's date.

    Also the record of every list a business appeared in: its page shows the pressure
    that came through its primes.
    """

    snapshot = models.ForeignKey(SubcontractorList, models.CASCADE, related_name="rows", verbose_name=_("list"))
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
        _("last contact outcome"), max_length=10, choices=Notice.Status.choices, blank=True
    )

    class Meta:
        ordering = ["snapshot", "prime", "distance", "business"]
        verbose_name = _("subcontractor list row")
        verbose_name_plural = _("subcontractor list rows")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "prime", "business"], name="sublist_row_once"),
        ]
        indexes = [models.Index(fields=["business", "snapshot"], name="sublist_row_business_idx")]

    def __str__(self) -> str:
        return f"{self.prime_id} → {self.business_id} ({self.distance})"


class ListDelivery(models.Model):
    """Who received which snapshot file, when, and how: every download and e-mail."""

    class Kind(models.TextChoices):
        DOWNLOAD = "download", _("download")
        EMAIL = "email", _("e-mail announcement")

    snapshot = models.ForeignKey(SubcontractorList, models.CASCADE, related_name="deliveries", verbose_name=_("list"))
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
        return f"{self.snapshot} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


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
        return str(self.business_id)


class CommitteeReport(models.Model):
    """The quarterly report to the steering committee (運営委員会): an XLSX and a PDF."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

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


class MorningCheck(ScanRun):
    """The desk's morning check: last scans, yesterday's sends, failures, what waits (an admin page)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("morning check")
        verbose_name_plural = _("morning check")
