"""Outreach history for the demo register: e-mails, postcards and calls of the past months.

Each term expiring around the window went down the ladder: an e-mail, a postcard, then a
call, each some days before its expiry; a rung that fell outside the window, or after the
business had applied, sent nothing. Calls
reached most businesses; the rest did not answer three times. Applications that
seed_demo_renewals wrote on or after a notice's day are what the dashboard's funnel counts
as applied and renewed. Written with bulk_create, so it runs on SQLite and PostgreSQL.

It also starts a holdout experiment on the ladder's first postcard rung, from today for
three months: the demo's scan (make run runs it next) fills its groups.
"""

import datetime

from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.translation import gettext

from ccus import roles
from outreach import holdout_rule
from outreach.models import CallAttempt, CallOutcome, Channel, Experiment, Notice, NoticeTemplate, ReminderStep
from renewals import fiscal
from renewals.models import RenewalCase, Term

LOOKBACK_DAYS = 150
# The rung of each channel: days before expiry (an e-mail early, a call close to expiry).
DAYS_BEFORE = {Channel.EMAIL: 120, Channel.POSTCARD: 75, Channel.PHONE: 45}
NO_ANSWER_CALLS = 3
CALLER = "demo-caller"
EXPERIMENT_DAYS = 90


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days the history covers: the last five months within this fiscal year, up to yesterday.

    The dashboard's funnel counts this fiscal year, so nothing older would show; on the
    year's first day the window is that day alone.
    """
    start = max(fiscal.fiscal_year(fiscal.fiscal_year_of(today)).start, today - datetime.timedelta(LOOKBACK_DAYS))
    return start, max(start, today - datetime.timedelta(1))


def has_history() -> bool:
    return Notice.objects.filter(sent_at__isnull=False).exists() or CallAttempt.objects.exists()


def build_history(*, today: datetime.date) -> dict[str, int]:
    """Write the sent notices and calls of the window; return how many per channel and calls."""
    start, end = window(today)
    now = timezone.now()
    templates = {}
    for channel, pk in NoticeTemplate.objects.order_by("pk").values_list("channel", "pk"):
        templates.setdefault(channel, pk)
    first_case = {}
    cases = RenewalCase.objects.filter(
        term__expires_on__gte=start, term__expires_on__lte=end + datetime.timedelta(max(DAYS_BEFORE.values()))
    ).exclude(status=RenewalCase.Status.WITHDRAWN)
    for term_id, received_on in cases.order_by("received_on").values_list("term_id", "received_on"):
        first_case.setdefault(term_id, received_on)
    terms = Term.objects.filter(
        expires_on__gte=start + datetime.timedelta(min(DAYS_BEFORE.values())),
        expires_on__lte=end + datetime.timedelta(max(DAYS_BEFORE.values())),
    ).values_list("pk", "business_id", "expires_on", "business__email", "business__phone")
    notices, calls = [], []
    for pk, business_id, expires_on, email, phone in terms.order_by("pk").iterator():
        applied_on = first_case.get(pk)
        for channel, days_before in DAYS_BEFORE.items():
            due_on = expires_on - datetime.timedelta(days_before)
            reachable = {Channel.EMAIL: email, Channel.PHONE: phone}.get(channel, True)
            if not reachable or not start <= due_on <= end or channel not in templates:
                continue
            if applied_on is not None and applied_on < due_on:
                break
            notice = Notice(
                business_id=business_id,
                term_id=pk,
                template_id=templates[channel],
                channel=channel,
                status=Notice.Status.SENT,
                due_on=due_on,
                scheduled_for=due_on,
                recipient=email if channel == Channel.EMAIL else "",
                attempts=1,
                sent_at=min(_at(due_on, 10), now),
            )
            if channel == Channel.PHONE:
                calls.append((notice, _calls(notice, pk, applied_on is not None, now)))
            notices.append(notice)
    Notice.objects.bulk_create(notices)
    caller = _caller() if calls else None
    attempts = [CallAttempt(notice=notice, operator=caller, **call) for notice, made in calls for call in made]
    CallAttempt.objects.bulk_create(attempts)
    counts = {channel.value: sum(n.channel == channel for n in notices) for channel in DAYS_BEFORE}
    return {**counts, "calls": len(attempts)}


def start_experiment(*, today: datetime.date) -> Experiment | None:
    """The demo's holdout experiment on the ladder's first postcard rung (None where it may not be held out)."""
    steps = list(ReminderStep.objects.filter(policy__is_active=True))
    postcards = [step for step in steps if step.channel == Channel.POSTCARD and step.days_before >= 0]
    step = max(postcards, key=lambda s: s.days_before, default=None)
    if step is None or holdout_rule.rung_refusal(step.days_before, [s.days_before for s in steps]):
        return None
    experiment, _created = Experiment.objects.get_or_create(
        step=step,
        starts_on=today,
        defaults={
            "name": gettext("Effect of the postcard (demo)"),
            "holdout_percent": 10,
            "ends_on": today + datetime.timedelta(EXPERIMENT_DAYS),
            "detectable_points": 5,
            "note": gettext("Does the postcard make businesses renew who would not have renewed anyway?"),
        },
    )
    return experiment


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _calls(notice: Notice, pk: int, applied_later: bool, now: datetime.datetime) -> list[dict]:
    """The calls made for a phone notice; sets the notice's status, attempts and sent_at to match."""
    if not applied_later and pk % 4 == 0:
        notice.status, notice.sent_at, notice.attempts = Notice.Status.FAILED, None, NO_ANSWER_CALLS
        notice.last_error = gettext("No answer after %(count)s calls.") % {"count": NO_ANSWER_CALLS}
        outcomes = [CallOutcome.NO_ANSWER] * NO_ANSWER_CALLS
    else:
        reached = CallOutcome.WILL_RENEW if applied_later else [CallOutcome.REFUSES, CallOutcome.VOICEMAIL][pk % 2]
        outcomes = [CallOutcome.NO_ANSWER, reached] if pk % 3 == 0 else [reached]
        notice.attempts = len(outcomes)
    made = []
    for day, outcome in enumerate(outcomes):
        started_at = min(_at(notice.due_on + datetime.timedelta(day), 10 + pk % 6), now)
        made.append({"started_at": started_at, "ended_at": started_at, "outcome": outcome})
    if notice.status == Notice.Status.SENT:
        notice.sent_at = made[-1]["started_at"]
    return made


def _caller() -> User:
    """The operator the past calls are recorded under: the first phone operator, else one who has left."""
    operator = User.objects.filter(groups__name=roles.OPERATOR).order_by("pk").first()
    if operator is not None:
        return operator
    caller, created = User.objects.get_or_create(username=CALLER, defaults={"is_active": False})
    if created:
        caller.set_unusable_password()
        caller.save()
        caller.groups.add(*Group.objects.filter(name=roles.OPERATOR))
    return caller
