"""The phone desk's rows: calls to make, calls made, renewals to check."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outreach.models.core import Notice
from registrations.models import Business


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


class CallStats(CallAttempt):
    """The supervisors' view of calls per operator and day (an admin page, no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("calls per operator and day")
        verbose_name_plural = _("calls per operator and day")
