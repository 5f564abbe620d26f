"""Holdout experiments: a share of the businesses a rung would reach is deliberately not
contacted, so that the rung's true effect can be measured (the effect report reads them).

They belong to the ladder, the core: the scan reads them to decide who is held out. The
reports wing only reads the arms (outreach.reports.effect_holdouts).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from outreach import holdout_rule
from outreach.models.core import Notice, ReminderStep
from registrations.models import Business
from renewals.models import Term

REFUSALS = {
    holdout_rule.AFTER_EXPIRY: _("A rung after expiry may not be held out."),
    holdout_rule.LAST_RUNG: _("The last rung before expiry may not be held out."),
}


def new_salt() -> str:
    return secrets.token_hex(8)


class Experiment(models.Model):
    """Hold out a share of the businesses a rung reaches, between two dates."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    step = models.ForeignKey(ReminderStep, models.PROTECT, related_name="experiments", verbose_name=_("rung"))
    holdout_percent = models.DecimalField(
        _("held-out share (%)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("50"))],
        help_text=_("The share of businesses this rung does not contact, e.g. 5.0 (at most 50)."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    detectable_points = models.DecimalField(
        _("effect to detect (percentage points)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "The smallest rise in the renewal rate worth the rung's cost; the report says how likely it is to be "
            "seen with the businesses so far."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    salt = models.CharField(
        _("assignment key"),
        max_length=32,
        default=new_salt,
        editable=False,
        help_text=_("Fixed when the experiment is created: with a business ID it decides the business's group."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("holdout experiment")
        verbose_name_plural = _("holdout experiments")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="experiment_dates_order"),
            models.CheckConstraint(
                condition=Q(holdout_percent__gt=0, holdout_percent__lte=50), name="experiment_share_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def holds_out(self, ccus_id: str) -> bool:
        """Whether this experiment's assignment puts the business with this 事業者ID in the held-out group."""
        return holdout_rule.held_out(self.salt, ccus_id, self.holdout_percent)

    def rung_refusal(self) -> str:
        """Why the rung may not be held out ('' if it may), by the guard rails."""
        ladder = list(ReminderStep.objects.filter(policy_id=self.step.policy_id).values_list("days_before", flat=True))
        return holdout_rule.rung_refusal(self.step.days_before, ladder)

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end must not come before the start.")
        if self.step_id:
            if refusal := self.rung_refusal():
                errors["step"] = REFUSALS[refusal]
            elif self.starts_on and self.ends_on:
                overlapping = Experiment.objects.filter(
                    step_id=self.step_id, starts_on__lte=self.ends_on, ends_on__gte=self.starts_on
                ).exclude(pk=self.pk)
                if overlapping.exists():
                    errors["step"] = _("Another experiment holds out this rung in the same period: %(name)s") % {
                        "name": overlapping.first().name
                    }
        if errors:
            raise ValidationError(errors)


class Assignment(models.Model):
    """A term that reached the experiment's rung while it ran, and its group (written by the scan)."""

    class Arm(models.TextChoices):
        HELD_OUT = "held_out", _("held out (not contacted)")
        CONTROL = "control", _("contacted as usual")
        LEFT_OUT = "left_out", _("drawn for holding out but contacted")

    experiment = models.ForeignKey(
        Experiment, models.CASCADE, related_name="assignments", verbose_name=_("holdout experiment")
    )
    term = models.ForeignKey(Term, models.CASCADE, related_name="+", verbose_name=_("term"))
    business = models.ForeignKey(Business, models.CASCADE, related_name="+", verbose_name=_("business"))
    notice = models.OneToOneField(Notice, models.CASCADE, related_name="assignment", verbose_name=_("notice"))
    arm = models.CharField(_("group"), max_length=10, choices=Arm.choices)
    assigned_on = models.DateField(_("assigned on"))

    class Meta:
        verbose_name = _("experiment assignment")
        verbose_name_plural = _("experiment assignments")
        constraints = [models.UniqueConstraint(fields=["experiment", "term"], name="assignment_once_per_term")]
        indexes = [
            models.Index(fields=["experiment", "arm"], name="assignment_arm_idx"),
            models.Index(fields=["term", "arm"], name="assignment_term_idx"),
            models.Index(fields=["business"], name="assignment_business_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} {self.business_id} {self.get_arm_display()}"


class HoldoutOverride(models.Model):
    """The desk's decision that one business is contacted although the experiment drew it for holding out."""

    experiment = models.ForeignKey(
        Experiment, models.CASCADE, related_name="overrides", verbose_name=_("holdout experiment")
    )
    business = models.ForeignKey(Business, models.CASCADE, related_name="+", verbose_name=_("business"))
    note = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("holdout override")
        verbose_name_plural = _("holdout overrides")
        constraints = [models.UniqueConstraint(fields=["experiment", "business"], name="override_once_per_business")]

    def __str__(self) -> str:
        return f"{self.experiment} {self.business}"
