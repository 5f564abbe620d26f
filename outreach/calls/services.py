"""The phone desk: call tasks for phone notices, taking the next call, recording its outcome.

A phone notice waits in `queued` while calls are to be made. Each call to make is a
CallTask (first call, retry, callback) due from a moment; each call made is a
CallAttempt. The notice becomes `sent` when the business was reached (or a message
left), `failed` when no answer came within the policy's attempts, and moves down the
policy's fallbacks when the number is wrong.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import business_days, needed
from outreach.calls import priority
from outreach.models import CallAttempt, CallOutcome, CallTask, Channel, Notice, ReminderPolicy, RenewalCheck
from outreach.routing import reroute
from registrations.models import Business

# Outcomes after which the notice has done its job: the business heard the reminder.
CONTACT_MADE = {CallOutcome.WILL_RENEW, CallOutcome.ALREADY_APPLIED, CallOutcome.REFUSES, CallOutcome.VOICEMAIL}


# What recording a call may change on the notice.
NOTICE_FIELDS = [
    "channel", "status", "reason", "fallback_reason", "scheduled_for", "sent_at", "last_error", "updated_at",
]  # fmt: skip


class CallError(Exception):
    """A call step the rules do not allow; the message is for the operator."""


def opening(day: datetime.date) -> datetime.datetime:
    """The start of calling hours on a day, in Japanese time."""
    return datetime.datetime.combine(
        day, datetime.time(settings.OUTREACH_CALLING_HOURS[0]), tzinfo=timezone.get_current_timezone()
    )


def call_tasks_create() -> int:
    """Give every queued phone notice without an open task its first task; returns how many.

    One INSERT … SELECT per distinct scheduled day (a handful); the partial unique index
    (one open task per notice) with ON CONFLICT DO NOTHING makes two runs at once harmless.
    """
    open_task = CallTask.objects.filter(notice=OuterRef("pk"), status=CallTask.Status.OPEN)
    days = (
        Notice.objects.filter(channel=Channel.PHONE, status=Notice.Status.QUEUED)
        .exclude(Exists(open_task))
        .order_by()  # the model's ordering would make DISTINCT count every notice
        .values_list("scheduled_for", flat=True)
        .distinct()
    )
    adapt = connection.ops.adapt_datetimefield_value
    created = 0
    with connection.cursor() as cursor:
        for day in list(days):
            cursor.execute(
                """
                INSERT INTO outreach_calltask (
                    notice_id, kind, due_at, status, assigned_to_id, claimed_at, expires_on, created_at)
                SELECT n.id, %s, %s, %s, NULL, NULL, b.expires_on, %s
                FROM outreach_notice n JOIN registrations_business b ON b.id = n.business_id
                WHERE n.channel = %s AND n.status = %s AND n.scheduled_for = %s
                  AND NOT EXISTS (SELECT 1 FROM outreach_calltask t WHERE t.notice_id = n.id AND t.status = %s)
                ON CONFLICT DO NOTHING
                """,
                [
                    CallTask.Kind.FIRST,
                    adapt(opening(day)),
                    CallTask.Status.OPEN,
                    adapt(timezone.now()),
                    Channel.PHONE,
                    Notice.Status.QUEUED,
                    day,
                    CallTask.Status.OPEN,
                ],
            )
            created += cursor.rowcount
    return created


def queue():
    """Open tasks whose notice is still queued and needed (outreach.needed): the calls left to
    make. A business that applied or renewed leaves it at once, also before the scan cancels
    its notice."""
    return CallTask.objects.filter(
        status=CallTask.Status.OPEN,
        notice__channel=Channel.PHONE,
        notice__status=Notice.Status.QUEUED,
    ).exclude(needed.unneeded("notice__"))


def _callable_tasks(now: datetime.datetime):
    """The queue's tasks due by now."""
    return queue().filter(due_at__lte=now)


def call_claim_next(*, operator, now: datetime.datetime | None = None) -> CallTask | None:
    """The operator's next call: their own (unfinished, or a callback they promised), else
    the first free one in the queue's order (outreach.calls.priority: callbacks due, expiry-day
    urgency, then expected saves or expiry).

    Free means unassigned, taken longer ago than OUTREACH_CALL_CLAIM_MINUTES and not
    recorded, or a callback promised by another operator that nobody took within
    OUTREACH_CALLBACK_GRACE_MINUTES of its time. On PostgreSQL the row is locked with
    SKIP LOCKED, so two operators taking calls at the same moment get different tasks; the
    conditional UPDATE keeps that true on SQLite, which has no row locks.
    """
    now = now or timezone.now()
    hours = settings.OUTREACH_CALLING_HOURS
    if not business_days.within_hours(now, hours):
        raise CallError(
            _("Calls are made on business days from %(start)s:00 to %(end)s:00.") % {"start": hours[0], "end": hours[1]}
        )
    call_tasks_create()
    tasks = _callable_tasks(now).select_related("notice__business")
    mine = tasks.filter(assigned_to=operator).order_by("due_at", "pk").first()
    if mine:
        return mine
    stale = now - datetime.timedelta(minutes=settings.OUTREACH_CALL_CLAIM_MINUTES)
    overdue = now - datetime.timedelta(minutes=settings.OUTREACH_CALLBACK_GRACE_MINUTES)
    free = (
        Q(assigned_to__isnull=True)
        | Q(claimed_at__lt=stale)
        | Q(kind=CallTask.Kind.CALLBACK, claimed_at__isnull=True, due_at__lt=overdue)
    )
    with transaction.atomic():
        candidates = priority.ordered(_callable_tasks(now).filter(free), now=now)
        task = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if task is None:
            return None
        taken = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.OPEN).filter(free)
        if taken.update(assigned_to=operator, claimed_at=now) != 1:
            return None
    return tasks.get(pk=task.pk)


def _bounded_by_expiry(notice: Notice) -> bool:
    """Calls for this notice must be made by its term's expiry: it asks the business to renew."""
    return bool(notice.term_id) and (notice.step_id is None or not notice.step.after_expiry)


def next_callback_slot(notice: Notice, now: datetime.datetime) -> datetime.datetime:
    """The callback time the call screen offers: the next business day's opening hour (the
    Japanese holiday calendar), or later today when that would fall after the expiry."""
    next_day = business_days.next_business_day(timezone.localdate(now), include_today=False)
    return _retry_at(notice, now) or opening(next_day)


def _check_callback(notice: Notice, callback_at: datetime.datetime | None, now: datetime.datetime) -> None:
    if callback_at is None:
        raise CallError(_("Enter the date and time to call back."))
    if callback_at <= now:
        raise CallError(_("The callback time must be in the future."))
    hours = settings.OUTREACH_CALLING_HOURS
    if not business_days.within_hours(callback_at, hours):
        raise CallError(
            _("Call back on a business day between %(start)s:00 and %(end)s:00.") % {"start": hours[0], "end": hours[1]}
        )
    if _bounded_by_expiry(notice) and timezone.localdate(callback_at) > notice.term.expires_on:
        message = _("The callback must be on or before the expiry date (%(date)s).")
        raise CallError(message % {"date": notice.term.expires_on})


def _policy_for(notice: Notice) -> ReminderPolicy | None:
    return notice.step.policy if notice.step_id else ReminderPolicy.objects.filter(is_active=True).first()


@transaction.atomic
def call_record(
    *,
    task_id: int,
    operator,
    outcome: str,
    note: str = "",
    callback_at: datetime.datetime | None = None,
    started_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> CallAttempt:
    """Record the outcome of a taken call and schedule what follows from it.

    1. the attempt row under the notice, the task done;
    2. contact made: the notice is sent ("already applied" also goes on the desk's list);
    3. no answer: a retry on the next business day, until the policy's attempts run out,
       never after the expiry the notice warns of (later today instead, else the notice
       fails and goes to the supervisor's list);
    4. wrong number: the phone is flagged and the notice follows the policy's fallbacks;
    5. callback: a new task at the time the business asked for.
    """
    now = now or timezone.now()
    if outcome not in CallOutcome.values:
        raise CallError(_("Choose the outcome of the call."))
    task = (
        CallTask.objects.select_for_update(of=("self",))
        .select_related("notice__business", "notice__term", "notice__step__policy")
        .filter(pk=task_id)
        .first()
    )
    if task is None or task.status != CallTask.Status.OPEN or task.assigned_to_id != operator.pk:
        raise CallError(_("This call is not yours to record any more: take the next one."))
    notice = task.notice
    if outcome == CallOutcome.CALLBACK:
        _check_callback(notice, callback_at, now)
    attempt = CallAttempt.objects.create(
        notice=notice,
        task=task,
        operator=operator,
        started_at=started_at or task.claimed_at or now,
        ended_at=now,
        outcome=outcome,
        note=note,
        callback_at=callback_at if outcome == CallOutcome.CALLBACK else None,
    )
    CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.DONE)
    Notice.objects.filter(pk=notice.pk).update(attempts=F("attempts") + 1)
    notice.refresh_from_db(fields=["attempts"])
    if outcome in CONTACT_MADE:
        notice.status, notice.sent_at = Notice.Status.SENT, now
        if outcome == CallOutcome.ALREADY_APPLIED:
            RenewalCheck.objects.create(business=notice.business, attempt=attempt, reported_at=now, note=note)
    elif outcome == CallOutcome.NO_ANSWER:
        _after_no_answer(notice, now)
    elif outcome == CallOutcome.WRONG_NUMBER:
        today = timezone.localdate(now)
        Business.objects.filter(pk=notice.business_id).update(phone_invalid_since=today, updated_at=now)
        notice.business.phone_invalid_since = today
        reroute(notice, _policy_for(notice))
    else:
        # Promised by this operator: theirs, not yet taken (claimed_at empty) until the grace period ends.
        CallTask.objects.create(
            notice=notice,
            kind=CallTask.Kind.CALLBACK,
            due_at=callback_at,
            assigned_to=operator,
            expires_on=notice.business.expires_on,
        )
    notice.save(update_fields=NOTICE_FIELDS)
    return attempt


def _retry_at(notice: Notice, now: datetime.datetime) -> datetime.datetime | None:
    """When to call again after no answer: the next business day's opening, or, when that
    comes after the expiry the notice warns of, later today within calling hours; None
    when neither is possible."""
    retry = opening(business_days.next_business_day(timezone.localdate(now), include_today=False))
    if not _bounded_by_expiry(notice) or timezone.localdate(retry) <= notice.term.expires_on:
        return retry
    later = timezone.localtime(now) + datetime.timedelta(minutes=settings.OUTREACH_SAME_DAY_RETRY_MINUTES)
    sooner = later.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1 if later.minute else 0)
    if business_days.within_hours(sooner, settings.OUTREACH_CALLING_HOURS) and (
        timezone.localdate(sooner) <= notice.term.expires_on
    ):
        return sooner
    return None


def _after_no_answer(notice: Notice, now: datetime.datetime) -> None:
    policy = _policy_for(notice)
    limit = policy.max_call_attempts if policy else 1
    unanswered = notice.call_attempts.filter(outcome=CallOutcome.NO_ANSWER).count()
    if unanswered >= limit:
        notice.status = Notice.Status.FAILED
        notice.last_error = _("No answer after %(count)s calls.") % {"count": unanswered}
        return
    due_at = _retry_at(notice, now)
    if due_at is None:
        notice.status = Notice.Status.FAILED
        notice.last_error = _(
            "No answer; no calling time is left before the expiry date (%(date)s): for the supervisor to decide."
        ) % {"date": notice.term.expires_on}
        return
    notice.scheduled_for = timezone.localdate(due_at)
    CallTask.objects.create(
        notice=notice, kind=CallTask.Kind.RETRY, due_at=due_at, expires_on=notice.business.expires_on
    )
