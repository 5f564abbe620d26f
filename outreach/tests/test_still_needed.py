"""Is this notice still needed? The scan, the sender, the postcard batch and the call queue agree.

The cases are notices of each kind (a step before expiry, a step after it, a reminder the
desk sent by hand) in each state of their term; every consumer is driven through all of
them and must cancel for the same reason, or go ahead. Then the story users complain of
in every renewal system, in time travel: the desk sends a reminder after hours, the
business renews the next morning, and nothing goes out.
"""

import datetime

import pytest
import time_machine
from django.core import mail

from ccus import roles
from outreach import scan, sending, services, tasks
from outreach.calls import services as call_services
from outreach.models import Channel, Notice, NoticeTemplate, ReminderStep
from outreach.postcards import services as postcard_services
from outreach.services import OutreachError
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user
from renewals import services as renewal_services
from renewals.models import RenewalCase, Term

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = D(2026, 12, 1)
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning
BEFORE, AFTER, DESK = "before expiry", "after expiry", "desk"


def _renewing():
    """A business expiring on 2027-01-31, its renewal window open."""
    return business_expiring(D(2027, 1, 31))


def _lapsed():
    """A business that expired on 2026-10-31 without applying: lapsed."""
    business = business_expiring(D(2026, 10, 31), registered_on=D(2021, 10, 10))
    renewal_services.mark_lapsed(today=D(2026, 11, 10))
    return business


# (kind of notice, how its business got there, the state, the reason to cancel or "" to go ahead)
CASES = [
    (BEFORE, _renewing, "no application", ""),
    (BEFORE, _renewing, "pending", Notice.Reason.APPLIED),
    (BEFORE, _renewing, "approved", Notice.Reason.APPLIED),
    (BEFORE, _renewing, "withdrawn", ""),
    (DESK, _renewing, "no application", ""),
    (DESK, _renewing, "pending", Notice.Reason.APPLIED),
    (DESK, _renewing, "approved", Notice.Reason.APPLIED),
    (DESK, _renewing, "withdrawn", ""),
    (AFTER, _lapsed, "lapsed", ""),
    (AFTER, _lapsed, "registered again", Notice.Reason.TERM_ENDED),
    (DESK, _lapsed, "lapsed", ""),
    (DESK, _lapsed, "registered again", Notice.Reason.TERM_ENDED),
]
PARAMS = [pytest.param(kind, make, state, reason, id=f"{kind}-{state}") for kind, make, state, reason in CASES]


@pytest.fixture(autouse=True)
def ladder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return policy_with_steps(("email", 30, 0), ("email", -7, -60))


def _notice(kind: str, make, state: str, channel: str) -> Notice:
    """A queued notice of `kind` on the term it was made for, the business then brought to `state`."""
    with time_machine.travel(datetime.datetime(2026, 11, 5, 12, 0, tzinfo=JST)):
        business = make()
        term = Term.objects.get(business=business, is_current=True)
    step = {
        BEFORE: ReminderStep.objects.get(policy__is_active=True, days_before=30),
        AFTER: ReminderStep.objects.get(policy__is_active=True, days_before=-7),
    }
    notice = Notice.objects.create(
        business=business,
        term=term,
        step=step.get(kind),
        template=NoticeTemplate.objects.filter(channel=channel).first(),
        channel=channel,
        reason=Notice.Reason.MANUAL if kind == DESK else "",
        due_on=TODAY,
        scheduled_for=TODAY,
    )
    with time_machine.travel(IN_HOURS):
        _bring(business, state)
    return notice


def _bring(business, state: str) -> None:
    if state in ("pending", "approved", "withdrawn"):
        case = renewal_services.renewal_record_application(
            business=business, received_on=D(2026, 11, 20), channel="online"
        )
        if state == "approved":
            renewal_services.renewal_approve(case=case, approved_on=D(2026, 11, 25))
        if state == "withdrawn":
            renewal_services.renewal_withdraw(case=case)
    if state == "registered again":
        renewal_services.registration_restart(business=business, registered_on=D(2026, 11, 25))


def _outcome(notice: Notice) -> tuple[str, str]:
    notice.refresh_from_db()
    return notice.status, notice.reason


@pytest.mark.parametrize(("kind", "make", "state", "reason"), PARAMS)
def test_the_scan(kind, make, state, reason):
    notice = _notice(kind, make, state, Channel.EMAIL)
    with time_machine.travel(IN_HOURS):
        scan.run_scan(today=TODAY)
    assert _outcome(notice) == (("cancelled", reason) if reason else ("queued", notice.reason))


@pytest.mark.parametrize(("kind", "make", "state", "reason"), PARAMS)
def test_the_sender(kind, make, state, reason):
    notice = _notice(kind, make, state, Channel.EMAIL)
    with time_machine.travel(IN_HOURS):
        result = sending.email_send(notice_id=notice.pk)
    expected = ("cancelled", "cancelled", reason) if reason else ("sent", "sent", notice.reason)
    assert (result, *_outcome(notice)) == expected
    assert len(mail.outbox) == (0 if reason else 1)


@pytest.mark.parametrize(("kind", "make", "state", "reason"), PARAMS)
def test_the_postcard_batch(kind, make, state, reason):
    notice = _notice(kind, make, state, Channel.POSTCARD)
    with time_machine.travel(IN_HOURS):
        if reason:
            with pytest.raises(OutreachError):  # nothing left to print
                postcard_services.postcard_batch_start(for_date=TODAY)
        else:
            postcard_services.postcard_batch_start(for_date=TODAY)
    assert _outcome(notice) == (("cancelled", reason) if reason else ("printing", notice.reason))


@pytest.mark.parametrize(("kind", "make", "state", "reason"), PARAMS)
def test_the_call_queue(kind, make, state, reason):
    notice = _notice(kind, make, state, Channel.PHONE)
    with time_machine.travel(IN_HOURS):
        task = call_services.call_claim_next(operator=staff_user(roles.OPERATOR, "caller"))
    assert (task.notice_id if task else None) == (None if reason else notice.pk)


@pytest.mark.parametrize("decision", ["recorded", "approved"])
def test_a_reminder_the_desk_sends_after_hours_never_reaches_a_business_that_renewed_in_the_morning(
    decision, django_capture_on_commit_callbacks
):
    business = business_expiring(D(2027, 1, 31), email="takahashi@example.jp")
    evening = datetime.datetime(2026, 12, 1, 19, 30, tzinfo=JST)  # Tuesday, after sending hours
    with time_machine.travel(evening, tick=False), django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_send_now(business=business)  # 今すぐ督促を送る
    assert _outcome(notice) == ("queued", Notice.Reason.MANUAL) and not mail.outbox  # it waits for the morning

    morning = datetime.datetime(2026, 12, 2, 9, 5, tzinfo=JST)
    with time_machine.travel(morning, tick=False):  # the business renews at the desk
        case = renewal_services.renewal_record_application(
            business=business, received_on=D(2026, 12, 2), channel="desk"
        )
        if decision == "approved":
            renewal_services.renewal_approve(case=case, approved_on=D(2026, 12, 2))
    assert RenewalCase.objects.filter(business=business).exists()

    with time_machine.travel(morning + datetime.timedelta(minutes=20), tick=False):  # the sweeper's round
        counts = tasks.sweep_outbox_task()
    assert counts["requeued"] == 1  # the sweeper found it and handed it to the sender …
    assert _outcome(notice) == ("cancelled", Notice.Reason.APPLIED)  # … which cancelled it, with the reason
    assert not mail.outbox
    assert notice.history.first().history_change_reason == "送信処理: 不要になったため取消"


def test_the_postcard_batch_does_not_print_a_desk_reminder_to_a_business_that_applied():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 19, 30, tzinfo=JST), tick=False):
        applied = services.notice_send_now(business=business_expiring(D(2027, 1, 31), email=""))
        waiting = services.notice_send_now(business=business_expiring(D(2027, 1, 31), email=""))
    assert {applied.channel, waiting.channel} == {Channel.POSTCARD}  # no e-mail: the policy's fallback
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 5, tzinfo=JST), tick=False):
        renewal_services.renewal_record_application(
            business=applied.business, received_on=D(2026, 12, 2), channel="post"
        )
        batch = postcard_services.postcard_batch_start(for_date=D(2026, 12, 2))
    assert list(batch.notices.values_list("pk", flat=True)) == [waiting.pk]
    assert _outcome(applied) == ("cancelled", Notice.Reason.APPLIED)
