"""The answers businesses send back from the page behind a notice, and the revocation of its links (core)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outreach.models.core import Notice
from registrations.models import Business


class Answer(models.Model):
    """One answer a business gave on the page of a notice, and what the desk decided about it."""

    class Kind(models.TextChoices):
        WILL_APPLY = "will_apply", _("We will apply for renewal")
        APPLIED = "applied", _("We have applied")
        AGENT = "agent", _("An administrative scrivener or a registration agency handles it for us")
        CLOSED = "closed", _("We have closed the business")
        MERGED = "merged", _("We have merged")
        CONTACT = "contact", _("Our contact details have changed")

    class Status(models.TextChoices):
        NOTED = "noted", _("noted (no check needed)")
        PENDING = "pending", _("waiting for the desk")
        CONFIRMED = "confirmed", _("confirmed by the desk")
        REJECTED = "rejected", _("rejected by the desk")

    class Route(models.TextChoices):
        DIRECT = "direct", _("ourselves")
        AGENT = "agent", _("through an agent")

    business = models.ForeignKey(Business, models.CASCADE, related_name="answers", verbose_name=_("business"))
    notice = models.ForeignKey(Notice, models.CASCADE, related_name="answers", verbose_name=_("notice"))
    kind = models.CharField(_("answer"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    answered_at = models.DateTimeField(_("answered at"))
    on_date = models.DateField(_("date given"), null=True, blank=True)
    route = models.CharField(_("applied"), max_length=10, choices=Route.choices, blank=True)
    agent_name = models.CharField(_("agent's name"), max_length=100, blank=True)
    agent_contact = models.CharField(_("agent's contact"), max_length=200, blank=True)
    successor = models.CharField(_("successor (name or business ID)"), max_length=200, blank=True)
    new_email = models.EmailField(_("new e-mail"), blank=True)
    new_phone = models.CharField(_("new phone"), max_length=30, blank=True)
    new_contact_person = models.CharField(_("new contact person"), max_length=100, blank=True)
    new_postal_code = models.CharField(_("new postal code"), max_length=8, blank=True)
    new_address = models.CharField(_("new address"), max_length=200, blank=True)
    # 更新申請します: the ladder waits until this day (the date given plus a margin).
    pause_until = models.DateField(_("reminders paused until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    reject_reason = models.CharField(_("reason for rejecting"), max_length=200, blank=True)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-answered_at", "-pk"]
        verbose_name = _("business's answer")
        verbose_name_plural = _("businesses' answers")
        permissions = [("decide_answer", _("Can confirm or reject a business's answer"))]
        constraints = [
            # One standing answer per notice: a second one (a replay, a double click) is refused.
            models.UniqueConstraint(fields=["notice"], condition=~Q(status="rejected"), name="answer_once_per_notice")
        ]
        indexes = [
            models.Index(fields=["status", "answered_at"], name="answer_queue_idx"),
            models.Index(fields=["business", "-answered_at"], name="answer_business_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.business_id}"


class AnswerLinkRevocation(models.Model):
    """The desk revoked the answer links of a notice issued up to `revoked_at` (a link issued later works)."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="link_revocations", verbose_name=_("notice"))
    revoked_at = models.DateTimeField(_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-revoked_at"]
        verbose_name = _("revoked answer link")
        verbose_name_plural = _("revoked answer links")

    def __str__(self) -> str:
        return f"{self.notice_id} {self.revoked_at:%Y-%m-%d %H:%M}"
