"""Is a notice still needed? The one definition the scan, the sender, the batch and the call queue use.

A queued notice is no longer needed, for the first of these that holds:
- `applied`: it asks the business to renew (a step before expiry, or a reminder the desk
  sent by hand, which has no step) and its term has an application pending or approved;
- `term_ended`: its term is no longer current (renewed, or registered again after a lapse);
- `closed`: the desk confirmed that the business closed or merged (its term ended so);
- `answered`: it is a rung of the ladder and the business's answer pauses the ladder
  today (outreach.pauses); a reminder the desk sends by hand still goes.
A step after expiry tells a lapsed business to register again: no application can come
for its term any more, so only a new term ends it.

`conditions` gives the rule as query conditions on notices: `cancel` applies them in
bulk (the scan, the batch, and the desk's renewal steps at the moment they are taken),
the call queue leaves out the tasks they match, and `cancel_reason` asks them of the one
notice the sender is about to send.
"""

import datetime
import functools
import operator

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from ccus.history import update_with_history
from outreach import pauses
from outreach.models import Notice, ReminderStep
from renewals.models import RenewalCase, Term

APPLIED_STATUSES = [RenewalCase.Status.PENDING, RenewalCase.Status.APPROVED]


def conditions(prefix: str = "", today: datetime.date | None = None) -> list[tuple[Q, str]]:
    """(condition on a notice, reason to cancel it), in order; `prefix` reaches the notice
    from another model (e.g. "notice__" from a call task); `today` decides pauses (default: today)."""
    applied = RenewalCase.objects.filter(term=OuterRef(f"{prefix}term"), status__in=APPLIED_STATUSES)
    # Step ids, not a join: at a million notices the planner picks a hash join.
    paused = pauses.business_paused(today or timezone.localdate(), f"{prefix}business")
    before_expiry = list(ReminderStep.objects.filter(days_before__gte=0).values_list("pk", flat=True))
    asks_to_renew = Q(**{f"{prefix}step__isnull": True}) | Q(**{f"{prefix}step_id__in": before_expiry})
    return [
        (asks_to_renew & Exists(applied), Notice.Reason.APPLIED),
        (Q(**{f"{prefix}term__is_current": False}), Notice.Reason.TERM_ENDED),
        (Q(**{f"{prefix}term__ended__in": Term.GONE}), Notice.Reason.CLOSED),
        (Q(**{f"{prefix}step__isnull": False}) & paused, Notice.Reason.ANSWERED),
    ]


def unneeded(prefix: str = "", today: datetime.date | None = None) -> Q:
    """One condition: any reason holds."""
    return functools.reduce(operator.or_, (condition for condition, _reason in conditions(prefix, today)))


def cancel_reason(notice_id: int) -> str:
    """'' if the notice is still needed, else the reason to cancel it."""
    whens = [When(condition, then=Value(reason.value)) for condition, reason in conditions()]
    rows = Notice.objects.filter(pk=notice_id).annotate(cancel=Case(*whens, default=Value("")))
    return rows.values_list("cancel", flat=True).first() or ""


def cancel(notices: QuerySet, *, operation: str, user=None, today: datetime.date | None = None) -> int:
    """Cancel the queued notices among `notices` that are no longer needed, each with its
    reason and a history row saying `operation`; returns how many."""
    queued = notices.filter(status=Notice.Status.QUEUED)
    if not queued.exists():  # an answer or a desk step mostly finds nothing queued: one query, not a dozen
        return 0
    cancelled = 0
    for condition, why in conditions(today=today):
        matching = queued.filter(condition)
        if not matching.exists():  # no savepoint and row locks for a reason that holds for none
            continue
        cancelled += update_with_history(
            matching,
            operation=operation,
            user=user,
            status=Notice.Status.CANCELLED,
            reason=why,
            updated_at=timezone.now(),
        )
    return cancelled
