"""The daily scan: every due notice of the active policy, in a few set-based statements.

For one date the scan
1. records lapses (renewals.services); it reads the current terms as they are: every path
   that writes a business's dates or term (approval, import, desk save, correction,
   re-registration) syncs them in its own transaction, and the nightly lapse task
   (renewals.tasks.mark_lapsed_task, 00:30) syncs the whole register before the 07:00 scan,
2. cancels queued notices that are no longer needed (outreach.needed: applied, term ended,
   closed, or paused by the business's answer),
3. for each step of the active policy, most urgent first, inserts the due notices with
   one INSERT … SELECT (channel fallbacks, overtaken steps, rungs paused by an answer
   (written skipped, so the effect report counts what answers saved) and phone dates decided in
   SQL; unique (term, step) with ON CONFLICT DO NOTHING, so two scans create nothing
   twice), up to the channel's daily cap, most urgent expiry first; a step with a running
   holdout experiment records its held-out notices as skipped and their groups
   (outreach.holdouts),
4. gives each new phone notice its first call task (outreach.calls.services.call_tasks_create),
5. after commit, enqueues the new e-mail notices for sending.
A dry run does all of it inside a transaction it rolls back, and reports the counts.

A run that raises is marked failed with the error (its transaction rolled back, so
running it again is safe: the task retries); a run whose process died is marked failed
by the next scan once SCAN_TIME_LIMIT has passed since its start.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from ccus.history import CREATED, history_record_bulk, reason
from ccus.oplog import log_batch
from outreach import business_days, holdouts, needed, pauses, routing
from outreach.calls.services import call_tasks_create
from outreach.models import Channel, Notice, ReminderPolicy, ReminderStep, ScanRun
from outreach.outbox import enqueue_scan_emails
from renewals import services as renewal_services

logger = logging.getLogger(__name__)

# No scan runs longer (the task's hard time limit): an older unfinished run's process died.
SCAN_TIME_LIMIT = datetime.timedelta(hours=1)


class DryRunRollback(Exception):
    """Raised to roll back a dry run's transaction."""


@dataclass
class StepSQL:
    """The SQL expressions that decide a step's channel, status and reasons per business."""

    channel: str
    status: str
    reason: str
    fallback_reason: str

    @classmethod
    def build(cls, chain: list[str], overtaken: str, held_out: str = "1 = 0", paused: str = "1 = 0") -> "StepSQL":
        """`paused` (the business's answer pauses the ladder), `overtaken` and `held_out` are SQL
        conditions: the notice is skipped for that reason, in that order."""
        usable = [routing.sql_usable(c) for c in chain]
        channel = " ".join(f"WHEN {u} THEN '{c}'" for u, c in zip(usable, chain, strict=True))
        any_usable = " OR ".join(f"({u})" for u in usable)
        hops = []
        for index in range(1, len(chain)):
            path = " || '>' || ".join(routing.sql_reason(c) for c in chain[:index])
            hops.append(f"WHEN {usable[index]} THEN {path}")
        full_path = " || '>' || ".join(routing.sql_reason(c) for c in chain)
        first = f"({paused}) OR ({overtaken}) OR ({held_out})"
        return cls(
            channel=f"CASE WHEN {first} THEN '{chain[0]}' {channel} ELSE '{chain[-1]}' END",
            status=f"CASE WHEN {first} THEN 'skipped' WHEN {any_usable} THEN 'queued' ELSE 'skipped' END",
            reason=(
                f"CASE WHEN {paused} THEN '{Notice.Reason.ANSWERED}' "
                f"WHEN {overtaken} THEN '{Notice.Reason.OVERTAKEN}' "
                f"WHEN {held_out} THEN '{Notice.Reason.HOLDOUT}' "
                f"WHEN {any_usable} THEN '' ELSE {routing.sql_reason(chain[-1])} END"
            ),
            fallback_reason=(
                f"CASE WHEN {first} OR {usable[0]} THEN '' {' '.join(hops)} ELSE {full_path} END" if hops else "''"
            ),
        )


def _next_same_channel(step: ReminderStep, steps: list[ReminderStep]) -> ReminderStep | None:
    """The closest later step of the same channel on the same side of expiry."""
    later = [
        other
        for other in steps
        if other.channel == step.channel
        and other.days_before < step.days_before
        and (other.days_before < 0) == (step.days_before < 0)
    ]
    return max(later, key=lambda other: other.days_before, default=None)


def created_today(today: datetime.date) -> dict[str, int]:
    """Notices the ladder's steps have written for today so far, per step channel (the caps' tally)."""
    rows = Notice.objects.filter(due_on=today, step__isnull=False).values_list("step__channel").annotate(n=Count("pk"))
    return dict(rows.order_by())


def _insert_step(step: ReminderStep, steps: list[ReminderStep], policy, today, run: ScanRun, tally: dict) -> int:
    """INSERT … SELECT the notices of one step that are due today; returns rows written.

    `tally` (from created_today) holds what today's steps wrote per channel, for the caps;
    the rows written here are added to it.
    """
    following = _next_same_channel(step, steps)
    overtaken = "t.expires_on <= %(overtaken_limit)s" if following else "1 = 0"
    experiment = holdouts.running(step, steps, today)
    held_out, holdout_params = holdouts.sql_held_out(experiment)
    paused = pauses.sql_paused("b", "%(today)s")
    sql = StepSQL.build(policy.fallback_chain(step.channel), overtaken, held_out, paused)
    # Steps before expiry stop at an ended term; steps after it are for lapsed ones.
    phase = "t.expires_on < %(today)s AND t.ended IN ('', 'lapsed')" if step.after_expiry else "t.ended = ''"
    cap = settings.OUTREACH_DAILY_CAPS.get(step.channel, 0)
    limit = ""
    if cap:
        remaining = cap - tally.get(step.channel, 0)
        if remaining <= 0:
            return 0
        limit = f"LIMIT {int(remaining)}"
    now = timezone.now()
    params = {
        "business_day": business_days.next_business_day(today),
        "channel_phone": Channel.PHONE.value,
        "due_limit": today + datetime.timedelta(days=step.days_before),
        "last_limit": today + datetime.timedelta(days=step.last_days_before),
        "now": now,
        "overtaken_limit": today + datetime.timedelta(days=following.days_before) if following else None,
        "run": run.pk,
        "step": step.pk,
        "template": step.template_id,
        "today": today,
        "true": True,
        **holdout_params,
    }
    statement = f"""
        INSERT INTO outreach_notice (
            business_id, term_id, step_id, template_id, channel, status, reason, fallback_reason, due_on,
            scheduled_for, recipient, subject, body, attempts, last_error, scan_run_id, created_at, updated_at)
        SELECT t.business_id, t.id, %(step)s, %(template)s, {sql.channel}, {sql.status}, {sql.reason},
            {sql.fallback_reason}, %(today)s,
            CASE WHEN ({sql.channel}) = %(channel_phone)s THEN %(business_day)s ELSE %(today)s END,
            '', '', '', 0, '', %(run)s, %(now)s, %(now)s
        FROM renewals_term t
        JOIN registrations_business b ON b.id = t.business_id
        WHERE t.is_current = %(true)s
          AND t.expires_on <= %(due_limit)s
          AND t.expires_on >= %(last_limit)s
          AND {phase}
          AND NOT EXISTS (
              SELECT 1 FROM renewals_renewalcase c WHERE c.term_id = t.id AND c.status IN ('pending', 'approved'))
          AND NOT EXISTS (SELECT 1 FROM outreach_notice n WHERE n.term_id = t.id AND n.step_id = %(step)s)
        ORDER BY t.expires_on, t.id
        {limit}
        ON CONFLICT DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
    tally[step.channel] = tally.get(step.channel, 0) + cursor.rowcount
    if experiment:
        holdouts.assign(experiment, step=step, run=run, today=today)
    return cursor.rowcount


def cancel_unneeded(*, today: datetime.date) -> int:
    """Cancel every queued notice that is no longer needed (outreach.needed), with the reason."""
    operation = reason(gettext_noop("cancelled by the scan of %(date)s"), date=today)
    return needed.cancel(Notice.objects.all(), operation=operation, today=today)


def summarise(run: ScanRun, cancelled: int) -> dict:
    """{channel: {"created": n, "skipped": {reason: n}}, "cancelled": n}"""
    summary: dict = {"cancelled": cancelled}
    rows = Notice.objects.filter(scan_run=run).values("channel", "status", "reason").annotate(n=Count("pk"))
    for row in rows:
        entry = summary.setdefault(row["channel"], {"created": 0, "skipped": {}})
        if row["status"] == Notice.Status.SKIPPED:
            entry["skipped"][row["reason"]] = entry["skipped"].get(row["reason"], 0) + row["n"]
        else:
            entry["created"] += row["n"]
    return summary


def fail_abandoned(*, now: datetime.datetime) -> int:
    """Mark failed the runs left unfinished by a process that died (older than SCAN_TIME_LIMIT)."""
    abandoned = ScanRun.objects.filter(
        finished_at__isnull=True, failed_at__isnull=True, started_at__lt=now - SCAN_TIME_LIMIT
    )
    return abandoned.update(failed_at=now, error="interrupted: the scan did not finish (its process stopped)")


def run_scan(*, today: datetime.date, dry_run: bool = False) -> ScanRun:
    """Run the daily scan for a date (see the module docstring)."""
    fail_abandoned(now=timezone.now())
    run = ScanRun.objects.create(for_date=today, dry_run=dry_run)
    try:
        counts = _scan(run, today=today, dry_run=dry_run)
    except Exception as error:
        _record_failure(run, error)
        raise
    run.counts = counts
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    log_batch(logger, "scan", scan_run=run.pk, date=today, dry_run=dry_run, **counts)
    return run


def _record_failure(run: ScanRun, error: Exception) -> None:
    """Mark the run failed; if the database is gone too, the next scan marks it (fail_abandoned)."""
    message = f"{type(error).__name__}: {error}"[:2000]
    log_batch(logger, "scan.failed", logging.ERROR, scan_run=run.pk, date=run.for_date, error=message)
    try:
        ScanRun.objects.filter(pk=run.pk).update(failed_at=timezone.now(), error=message)
    except DatabaseError:
        logger.exception("scan run %s: could not record its failure", run.pk)


def _scan(run: ScanRun, *, today: datetime.date, dry_run: bool) -> dict:
    """The scan's work in one transaction (rolled back for a dry run); returns its counts."""
    policy = ReminderPolicy.objects.filter(is_active=True).first()
    try:
        with transaction.atomic():
            lapsed = renewal_services.mark_lapsed(today=today)
            cancelled = cancel_unneeded(today=today)
            if policy:
                steps = list(policy.steps.select_related("template"))
                tally = created_today(today)
                for step in sorted(steps, key=lambda s: (s.days_before < 0, s.days_before)):
                    _insert_step(step, steps, policy, today, run, tally)
            history_record_bulk(
                Notice.objects.filter(scan_run=run),
                operation=reason(gettext_noop("scan of %(date)s"), date=today),
                history_type=CREATED,
            )
            call_tasks_create()
            counts = {**summarise(run, cancelled), "lapsed": lapsed, "policy": policy.name if policy else None}
            if dry_run:
                raise DryRunRollback
            transaction.on_commit(lambda: enqueue_scan_emails(run.pk))
    except DryRunRollback:
        pass
    return counts
