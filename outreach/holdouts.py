"""Holdout experiments in the ladder: who the scan holds out, the groups it records, the desk's override.

For a step with a running experiment (outreach.models.Experiment), the scan's INSERT …
SELECT records the notice of a business drawn for holding out (outreach.holdout_rule) as
skipped with reason `holdout`, so the rung's once-per-term rule still holds and nothing
is ever sent for it, unless
- the desk overrode the draw for that business (HoldoutOverride), or
- the term was already drawn for holding out of another rung: never more than one rung
  per business and term.
Right after, one INSERT … SELECT records every new notice of the step as the experiment's
assignment in its group (`held_out`, `control`, or `left_out` for the two exceptions), which
is what the effect report counts. Rungs the guard rails forbid (after expiry, the last
before it) are never held out, even if the ladder changed after the experiment was made.
"""

import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach import business_days, holdout_rule
from outreach.models import Assignment, Channel, Experiment, HoldoutOverride, Notice, ReminderStep, ScanRun
from outreach.outbox import send_email_task
from registrations.models import Business


class HoldoutError(Exception):
    """An override the rules do not allow; the message is for the desk."""


def running(step: ReminderStep, steps: list[ReminderStep], today: datetime.date) -> Experiment | None:
    """The experiment holding out this step today, if the guard rails allow it on the ladder `steps`."""
    if holdout_rule.rung_refusal(step.days_before, [other.days_before for other in steps]):
        return None
    return Experiment.objects.filter(step=step, starts_on__lte=today, ends_on__gte=today).order_by("pk").first()


def _drawn(experiment: Experiment, business_alias: str) -> tuple[str, dict]:
    condition = holdout_rule.sql_held_out(
        salt="%(holdout_salt)s",
        ccus_id=f"{business_alias}.ccus_id",
        limit="%(holdout_limit)s",
        vendor=connection.vendor,
    )
    params = {"holdout_salt": experiment.salt, "holdout_limit": holdout_rule.threshold(experiment.holdout_percent)}
    return condition, params


def sql_held_out(experiment: Experiment | None) -> tuple[str, dict]:
    """The scan's condition on a term `t` of business `b`: its notice of the step is held out (with its params)."""
    if experiment is None:
        return "1 = 0", {}
    drawn, params = _drawn(experiment, "b")
    condition = f"""({drawn}
        AND NOT EXISTS (SELECT 1 FROM outreach_holdoutoverride o
                        WHERE o.business_id = b.id AND o.experiment_id = %(holdout_experiment)s)
        AND NOT EXISTS (SELECT 1 FROM outreach_assignment a
                        WHERE a.term_id = t.id AND a.arm <> '{Assignment.Arm.CONTROL}'))"""
    return condition, {**params, "holdout_experiment": experiment.pk}


def assign(experiment: Experiment, *, step: ReminderStep, run: ScanRun, today: datetime.date) -> int:
    """Record the step's new notices of this run in the experiment's groups; returns how many."""
    drawn, params = _drawn(experiment, "b")
    statement = f"""
        INSERT INTO outreach_assignment (experiment_id, term_id, business_id, notice_id, arm, assigned_on)
        SELECT %(experiment)s, n.term_id, n.business_id, n.id,
            CASE WHEN n.reason = %(holdout)s THEN %(held_out)s WHEN {drawn} THEN %(left_out)s ELSE %(control)s END,
            %(today)s
        FROM outreach_notice n JOIN registrations_business b ON b.id = n.business_id
        WHERE n.scan_run_id = %(run)s AND n.step_id = %(step)s AND n.reason <> %(overtaken)s
        ON CONFLICT DO NOTHING
    """
    params |= {
        "experiment": experiment.pk,
        "holdout": Notice.Reason.HOLDOUT.value,
        "held_out": Assignment.Arm.HELD_OUT.value,
        "left_out": Assignment.Arm.LEFT_OUT.value,
        "control": Assignment.Arm.CONTROL.value,
        "today": today,
        "run": run.pk,
        "step": step.pk,
        "overtaken": Notice.Reason.OVERTAKEN.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def held_out_now(business_id: int) -> QuerySet:
    """The business's assignments drawn for holding out on its current term (held out, or overridden)."""
    return (
        Assignment.objects.filter(business_id=business_id, term__is_current=True)
        .exclude(arm=Assignment.Arm.CONTROL)
        .select_related("experiment", "experiment__step", "notice")
        .order_by("-assigned_on", "-pk")
    )


@transaction.atomic
def holdout_override(*, experiment: Experiment, business: Business, note: str, user=None) -> HoldoutOverride:
    """Contact this business although the experiment drew it for holding out.

    Steps: record the override (audited); a notice already held out on the current term
    is queued again (e-mail sent after commit, a postcard waits for its batch, a phone
    notice gets its call task from the next scan) and its assignment becomes `left_out`;
    a later scan never holds the business out of this experiment.
    """
    if not note.strip():
        raise HoldoutError(_("Write why this business is contacted after all."))
    if HoldoutOverride.objects.filter(experiment=experiment, business=business).exists():
        raise HoldoutError(_("This business is already contacted despite the experiment."))
    override = HoldoutOverride(experiment=experiment, business=business, note=note.strip(), created_by=user)
    override.save()
    held = Notice.objects.filter(
        business=business,
        step=experiment.step,
        status=Notice.Status.SKIPPED,
        reason=Notice.Reason.HOLDOUT,
        term__is_current=True,
    )
    notice_ids = list(held.values_list("pk", flat=True))
    today = timezone.localdate()
    for notice in Notice.objects.filter(pk__in=notice_ids):
        scheduled = business_days.next_business_day(today) if notice.channel == Channel.PHONE else today
        update_with_history(
            Notice.objects.filter(pk=notice.pk),
            operation=reason(gettext_noop("desk: contacted despite the holdout experiment")),
            user=user,
            status=Notice.Status.QUEUED,
            reason="",
            scheduled_for=scheduled,
            updated_at=timezone.now(),
        )
        if notice.channel == Channel.EMAIL:
            transaction.on_commit(lambda notice_id=notice.pk: send_email_task.delay(notice_id))
    Assignment.objects.filter(notice_id__in=notice_ids).update(arm=Assignment.Arm.LEFT_OUT)
    return override
