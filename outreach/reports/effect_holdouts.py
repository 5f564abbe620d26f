"""What a rung really achieves: a holdout experiment's groups, their renewal rates and the difference.

Per experiment (outreach.models.Experiment; the scan fills its groups, outreach.holdouts):
- businesses per group: the terms the scan assigned while the experiment ran, as drawn
  (intent to treat: a contacted business no channel could reach stays in its group, as
  its held-out twin would have; those drawn but contacted anyway are counted apart);
- a term is measured once its expiry has passed, or earlier when it already renewed by expiry;
- renewed by expiry: an application (pending or approved) received on or before the expiry;
- rate = renewed by expiry / measured; the rung's effect = contacted rate − held-out rate,
  with its 95 % interval (outreach.reports.effect_stats);
- power: the chance that the groups' businesses, once measured, show the effect the
  supervisor named (`detectable_points`), at the contacted group's rate so far (50 %, the
  least favourable, before any is measured);
- cost per contact: the contacted group's notices that were not skipped or cancelled,
  priced by channel (settings.POSTAGE_YEN per postcard, CALL_MINUTES_PER_NOTICE ×
  CALL_MINUTE_YEN per phone notice, e-mail and lists free) ÷ the group's businesses; cost per
  extra renewal = cost per contact ÷ effect, when the effect is positive.
Two grouped queries; nothing is loaded per business.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q

from outreach.models import Assignment, Channel, Experiment, Notice
from outreach.reports import effect_stats
from renewals.models import RenewalCase

APPLIED = [RenewalCase.Status.PENDING, RenewalCase.Status.APPROVED]
NOT_CONTACTED = [Notice.Status.SKIPPED, Notice.Status.CANCELLED]
LEAST_FAVOURABLE_RATE = 0.5


@dataclass(frozen=True)
class Group:
    businesses: int = 0
    measured: int = 0
    renewed: int = 0

    @property
    def rate(self) -> float | None:
        return self.renewed / self.measured if self.measured else None


@dataclass(frozen=True)
class ExperimentResult:
    experiment: Experiment
    held_out: Group
    control: Group
    left_out: int
    difference: effect_stats.Difference | None
    power: float | None
    cost_per_contact: float | None

    @property
    def cost_per_extra_renewal(self) -> float | None:
        if self.cost_per_contact is None or self.difference is None or self.difference.value <= 0:
            return None
        return self.cost_per_contact / self.difference.value


def channel_cost(channel: str) -> float:
    """The cost in yen of one contact by a channel (settings)."""
    return {
        Channel.POSTCARD: settings.POSTAGE_YEN,
        Channel.PHONE: settings.CALL_MINUTES_PER_NOTICE * settings.CALL_MINUTE_YEN,
    }.get(channel, 0)


def _groups(experiment: Experiment, today: datetime.date) -> dict[str, Group]:
    renewed = Exists(
        RenewalCase.objects.filter(
            term=OuterRef("term"), status__in=APPLIED, received_on__lte=OuterRef("term__expires_on")
        )
    )
    measured = Q(term__expires_on__lt=today) | Q(renewed_by_expiry=True)
    rows = (
        Assignment.objects.filter(experiment=experiment)
        .annotate(renewed_by_expiry=renewed)
        .values("arm")
        .annotate(
            businesses=Count("pk"),
            measured=Count("pk", filter=measured),
            renewed=Count("pk", filter=Q(renewed_by_expiry=True)),
        )
        .order_by()
    )
    return {row["arm"]: Group(row["businesses"], row["measured"], row["renewed"]) for row in rows}


def _cost_per_contact(experiment: Experiment, businesses: int) -> float | None:
    if not businesses:
        return None
    contacts = (
        Notice.objects.filter(assignment__experiment=experiment, assignment__arm=Assignment.Arm.CONTROL)
        .exclude(status__in=NOT_CONTACTED)
        .values(channel_used=F("channel"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sum(channel_cost(row["channel_used"]) * row["n"] for row in contacts) / businesses


def experiment_result(experiment: Experiment, *, today: datetime.date) -> ExperimentResult:
    """The experiment's figures as of `today` (see the module docstring)."""
    groups = _groups(experiment, today)
    held_out = groups.get(Assignment.Arm.HELD_OUT, Group())
    control = groups.get(Assignment.Arm.CONTROL, Group())
    difference = effect_stats.rate_difference(control.renewed, control.measured, held_out.renewed, held_out.measured)
    base_rate = control.rate if control.rate is not None else LEAST_FAVOURABLE_RATE
    power = effect_stats.power(
        base_rate=base_rate,
        effect=float(experiment.detectable_points) / 100,
        n1=control.businesses,
        n2=held_out.businesses,
    )
    return ExperimentResult(
        experiment=experiment,
        held_out=held_out,
        control=control,
        left_out=groups.get(Assignment.Arm.LEFT_OUT, Group()).businesses,
        difference=difference,
        power=power,
        cost_per_contact=_cost_per_contact(experiment, control.businesses),
    )
