"""What each call outcome does: retries and callbacks on business days, fallbacks, the desk's list."""

import datetime

import pytest

from ccus import roles
from outreach.calls import services as calls
from outreach.models import CallAttempt, CallTask, Notice, ReminderPolicy, RenewalCheck
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


@pytest.fixture
def operator():
    return staff_user(roles.OPERATOR, "op1")


def take(operator, now):
    task = calls.call_claim_next(operator=operator, now=now)
    assert task is not None, f"no call due at {now}"
    return task


def test_no_answer_before_a_long_weekend_retries_on_the_next_business_day(operator):
    policy_with_steps(("phone", 45, 15))
    friday = D(2027, 4, 30)  # May 3–5 are holidays
    notice = phone_notice(D(2027, 5, 31), today=friday)
    task = take(operator, at(friday, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=at(friday, 10, 5))
    retry = CallTask.objects.get(notice=notice, status="open")
    assert (retry.kind, retry.due_at) == ("retry", at(D(2027, 5, 6), 9))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.scheduled_for) == ("queued", 1, D(2027, 5, 6))
    assert calls.call_claim_next(operator=operator, now=at(friday, 17)) is None
    assert take(operator, at(D(2027, 5, 6), 9, 1)).pk == retry.pk


def test_no_answer_stops_after_the_policys_attempts_and_the_notice_fails(operator):
    policy = policy_with_steps(("phone", 45, 15))
    ReminderPolicy.objects.filter(pk=policy.pk).update(max_call_attempts=2)
    monday = D(2027, 3, 1)
    notice = phone_notice(D(2027, 4, 9), today=monday)
    task = take(operator, at(monday, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=at(monday, 10))
    task = take(operator, at(D(2027, 3, 2), 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=at(D(2027, 3, 2), 10))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 2)
    assert "2" in notice.last_error
    assert not CallTask.objects.filter(notice=notice, status="open").exists()
    assert CallAttempt.objects.filter(notice=notice, outcome="no_answer").count() == 2


def test_a_callback_creates_a_task_at_the_requested_time(operator):
    policy_with_steps(("phone", 45, 15))
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(
        task_id=task.pk,
        operator=operator,
        outcome="callback",
        note="社長不在",
        callback_at=at(D(2027, 3, 3), 15, 30),
        now=at(tuesday, 10, 3),
    )
    callback = CallTask.objects.get(notice=notice, status="open")
    assert (callback.kind, callback.due_at, callback.assigned_to) == ("callback", at(D(2027, 3, 3), 15, 30), operator)
    assert callback.claimed_at is None  # promised, not taken yet
    assert calls.call_claim_next(operator=operator, now=at(D(2027, 3, 3), 15, 29)) is None
    assert take(operator, at(D(2027, 3, 3), 15, 30)).pk == callback.pk
    attempt = CallAttempt.objects.get(notice=notice)
    assert (attempt.outcome, attempt.note, attempt.callback_at) == ("callback", "社長不在", callback.due_at)


@pytest.mark.parametrize("grace", [15, 40])
def test_a_callback_comes_back_to_the_operator_who_promised_it_others_take_it_after_the_grace(
    operator, settings, grace
):
    settings.OUTREACH_CALLBACK_GRACE_MINUTES = grace
    policy_with_steps(("phone", 45, 15))
    tuesday, wednesday = D(2027, 3, 2), D(2027, 3, 3)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(
        task_id=task.pk, operator=operator, outcome="callback", callback_at=at(wednesday, 15), now=at(tuesday, 10, 3)
    )
    callback = CallTask.objects.get(notice=notice, status="open")
    colleague = staff_user(roles.OPERATOR, "op2")
    assert calls.call_claim_next(operator=colleague, now=at(wednesday, 15, grace)) is None
    assert take(operator, at(wednesday, 15, grace)).pk == callback.pk  # the promising operator, on time or late


def test_a_callback_nobody_took_within_the_grace_goes_to_another_operator(operator, settings):
    settings.OUTREACH_CALLBACK_GRACE_MINUTES = 15
    policy_with_steps(("phone", 45, 15))
    tuesday, wednesday = D(2027, 3, 2), D(2027, 3, 3)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(
        task_id=task.pk, operator=operator, outcome="callback", callback_at=at(wednesday, 15), now=at(tuesday, 10, 3)
    )
    colleague = staff_user(roles.OPERATOR, "op2")
    taken = take(colleague, at(wednesday, 15, 16))
    assert (taken.notice_id, taken.assigned_to) == (notice.pk, colleague)
    assert calls.call_claim_next(operator=operator, now=at(wednesday, 15, 17)) is None


def test_no_answer_never_schedules_a_retry_after_the_expiry_it_warns_of(operator):
    policy = policy_with_steps(("phone", 45, 15))
    ReminderPolicy.objects.filter(pk=policy.pk).update(max_call_attempts=5)
    expiry = D(2027, 4, 28)  # a Wednesday; the 29th is a holiday (昭和の日), the 30th after the expiry
    notice = phone_notice(expiry, today=D(2027, 4, 5))
    task = take(operator, at(expiry, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=at(expiry, 10, 5))
    retry = CallTask.objects.get(notice=notice, status="open")
    assert (retry.kind, retry.due_at) == ("retry", at(expiry, 13))  # later the same day, not on the 30th
    task = take(operator, at(expiry, 16, 30))
    calls.call_record(task_id=task.pk, operator=operator, outcome="no_answer", now=at(expiry, 16, 30))
    notice.refresh_from_db()
    assert not CallTask.objects.filter(notice=notice, status="open").exists()
    assert notice.status == "failed"
    assert "監督者" in notice.last_error and "2027-04-28" in notice.last_error


@pytest.mark.parametrize(
    ("callback_at", "message"),
    [
        (None, "折り返し"),
        (at(D(2027, 3, 6), 11), "営業日"),  # Saturday
        (at(D(2027, 3, 3), 19), "営業日"),  # after calling hours
        (at(D(2027, 3, 2), 9, 30), "未来"),  # already past
        (at(D(2027, 4, 12), 10), "有効期限"),  # after the expiry
    ],
)
def test_a_callback_outside_the_rules_is_refused_and_changes_nothing(operator, callback_at, message):
    policy_with_steps(("phone", 45, 15))
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    with pytest.raises(calls.CallError, match=message):
        calls.call_record(
            task_id=task.pk, operator=operator, outcome="callback", callback_at=callback_at, now=at(tuesday, 10, 3)
        )
    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == ("open", operator.pk)
    assert not CallAttempt.objects.filter(notice=notice).exists()


def test_a_wrong_number_flags_the_phone_and_falls_back_per_the_policy(operator):
    policy = policy_with_steps(("phone", 45, 15))
    ReminderPolicy.objects.filter(pk=policy.pk).update(phone_fallback="postcard")
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="wrong_number", now=at(tuesday, 10))
    notice.refresh_from_db()
    notice.business.refresh_from_db()
    assert notice.business.phone_invalid_since == tuesday
    assert (notice.channel, notice.status, notice.fallback_reason) == ("postcard", "queued", "phone_invalid")
    assert not CallTask.objects.filter(status="open").exists()


def test_a_wrong_number_without_fallback_skips_the_notice(operator):
    policy_with_steps(("phone", 45, 15))  # the default phone fallback is "skip"
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome="wrong_number", now=at(tuesday, 10))
    notice.refresh_from_db()
    assert (notice.channel, notice.status, notice.reason) == ("phone", "skipped", "phone_invalid")


def test_already_applied_puts_the_business_on_the_desks_list(operator):
    policy_with_steps(("phone", 45, 15))
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(
        task_id=task.pk, operator=operator, outcome="already_applied", note="先週郵送済み", now=at(tuesday, 10, 4)
    )
    check = RenewalCheck.objects.get()
    assert (check.business_id, check.note, check.checked_at) == (notice.business_id, "先週郵送済み", None)
    assert check.attempt.operator == operator
    notice.refresh_from_db()
    assert (notice.status, notice.sent_at) == ("sent", at(tuesday, 10, 4))


@pytest.mark.parametrize("outcome", ["will_renew", "refuses", "voicemail"])
def test_contact_made_closes_the_phone_notice(operator, outcome):
    policy_with_steps(("phone", 45, 15))
    tuesday = D(2027, 3, 2)
    notice = phone_notice(D(2027, 4, 9), today=tuesday)
    task = take(operator, at(tuesday, 10))
    calls.call_record(task_id=task.pk, operator=operator, outcome=outcome, now=at(tuesday, 10, 2))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (Notice.Status.SENT, 1)
    assert not CallTask.objects.filter(status="open").exists()
    assert not RenewalCheck.objects.exists()
