"""What each answer does to the ladder, and what the desk's decision does to the register.

The ladder of answer_helpers: e-mail 120 days before the expiry of 2027-03-31 (2026-12-01),
a postcard at 90 (2026-12-31), a call at 60 (2027-01-30). A business answers on the
e-mail's page on 2026-12-01; the scans of the later rungs' days show the effect.
"""

import datetime

import pytest
import time_machine
from django.db import connection

from ccus import roles
from outreach import answers, pauses, scan, sending
from outreach.calls import services as call_services
from outreach.models import Answer, CallTask, Notice
from outreach.tests.answer_helpers import NOW, emailed_business, ladder
from registrations.models import Business
from registrations.tests.factories import staff_user
from renewals import selectors as renewal_selectors
from renewals import services as renewal_services
from renewals import stats
from renewals.models import RenewalCase, RenewalStatus, Term

pytestmark = pytest.mark.django_db
D = datetime.date
POSTCARD_DAY, PHONE_DAY = D(2026, 12, 31), D(2027, 1, 30)
JST = datetime.timezone(datetime.timedelta(hours=9))


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=JST)


def _scan(day: datetime.date) -> None:
    with time_machine.travel(_at(day), tick=False):
        scan.run_scan(today=day)


def _rung(business, channel: str) -> Notice | None:
    return Notice.objects.filter(business=business, channel=channel, step__isnull=False).first()


@pytest.fixture
def emailed():
    ladder()
    with time_machine.travel(NOW, tick=False):
        return emailed_business()


@pytest.fixture
def desk():
    return staff_user(roles.DESK)


def _answer(notice, kind, **details):
    with time_machine.travel(NOW, tick=False):
        return answers.answer_record(notice=notice, kind=kind, details=details)


def _decide(answer, decision, user, **kwargs):
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        return decision(answer=answer, user=user, **kwargs)


def test_will_apply_pauses_the_rungs_until_the_date_plus_the_margin_then_they_resume(emailed):
    business, notice = emailed
    answer = _answer(notice, Answer.Kind.WILL_APPLY, on_date=D(2027, 1, 10))
    assert (answer.status, answer.pause_until) == (Answer.Status.NOTED, D(2027, 1, 24))
    _scan(POSTCARD_DAY)
    postcard = _rung(business, "postcard")
    assert (postcard.status, postcard.reason) == (Notice.Status.SKIPPED, Notice.Reason.ANSWERED)
    _scan(PHONE_DAY)  # the pause ended on 2027-01-24 and nothing arrived: the ladder goes on
    phone = _rung(business, "phone")
    assert (phone.status, phone.reason) == (Notice.Status.QUEUED, "")
    with time_machine.travel(_at(PHONE_DAY), tick=False):
        assert call_services.queue().filter(notice=phone).exists()


def test_an_answer_cancels_the_queued_rungs_and_the_call_queue_drops_them(emailed):
    business, notice = emailed
    _scan(POSTCARD_DAY)
    _scan(PHONE_DAY)
    phone = _rung(business, "phone")
    assert CallTask.objects.filter(notice=phone).exists() and call_services.queue().filter(notice=phone).exists()
    _answer(notice, Answer.Kind.APPLIED, on_date=D(2026, 11, 20), route=Answer.Route.DIRECT)
    phone.refresh_from_db()
    assert (phone.status, phone.reason) == (Notice.Status.CANCELLED, Notice.Reason.ANSWERED)
    assert not call_services.queue().filter(notice=phone).exists()


def test_the_sender_honours_a_pause_written_behind_its_back(emailed):
    """The one rule holds at every consumer, not only where the answer service cancels."""
    business, notice = emailed
    Answer.objects.create(
        business=business, notice=notice, kind=Answer.Kind.APPLIED, status=Answer.Status.PENDING, answered_at=NOW
    )
    with time_machine.travel(NOW, tick=False):
        assert sending.email_send(notice_id=notice.pk) == "cancelled"
    notice.refresh_from_db()
    assert notice.reason == Notice.Reason.ANSWERED


def test_applied_pauses_while_pending_and_the_confirmation_records_the_application(emailed, desk):
    business, notice = emailed
    answer = _answer(notice, Answer.Kind.APPLIED, on_date=D(2026, 11, 20), route=Answer.Route.DIRECT)
    assert answer.status == Answer.Status.PENDING
    _scan(POSTCARD_DAY)
    assert _rung(business, "postcard").reason == Notice.Reason.ANSWERED
    answer = _decide(answer, answers.answer_confirm, desk)
    assert (answer.status, answer.decided_by) == (Answer.Status.CONFIRMED, desk)
    case = RenewalCase.objects.get(business=business)
    assert (case.received_on, case.channel, case.received_by) == (D(2026, 11, 20), "online", desk)
    _scan(PHONE_DAY)
    assert _rung(business, "phone") is None  # applied: the ladder's own rule stops it now
    assert answer.history.first().history_change_reason == "窓口で確認済み"


def test_agent_records_the_agent_on_the_application(emailed, desk):
    business, notice = emailed
    answer = _answer(notice, Answer.Kind.AGENT, agent_name="山田行政書士事務所", agent_contact="03-9999-0000")
    _decide(answer, answers.answer_confirm, desk)
    case = RenewalCase.objects.get(business=business)
    assert case.channel == RenewalCase.Channel.AGENT
    assert "山田行政書士事務所" in case.note and "03-9999-0000" in case.note


def test_a_rejected_answer_writes_nothing_and_the_ladder_resumes(emailed, desk):
    business, notice = emailed
    answer = _answer(notice, Answer.Kind.APPLIED, on_date=D(2026, 11, 20), route=Answer.Route.DIRECT)
    with pytest.raises(answers.AnswerError):
        _decide(answer, answers.answer_reject, desk, why="  ")
    answer = _decide(answer, answers.answer_reject, desk, why="申請が見当たりません")
    assert (answer.status, answer.reject_reason) == (Answer.Status.REJECTED, "申請が見当たりません")
    assert not RenewalCase.objects.exists()
    _scan(POSTCARD_DAY)
    assert _rung(business, "postcard").status == Notice.Status.QUEUED
    with pytest.raises(answers.AnswerError):
        _decide(answer, answers.answer_confirm, desk)


@pytest.mark.parametrize(
    ("kind", "ended"), [(Answer.Kind.CLOSED, Term.End.CLOSED), (Answer.Kind.MERGED, Term.End.MERGED)]
)
def test_closed_or_merged_leaves_the_ladder_after_the_desk_confirms_and_is_no_lapse(emailed, desk, kind, ended):
    business, notice = emailed
    answer = _answer(notice, kind, on_date=D(2026, 11, 30), successor="新会社株式会社")
    assert Term.objects.get(business=business, is_current=True).ended == ""
    _decide(answer, answers.answer_confirm, desk)
    term = Term.objects.get(business=business, is_current=True)
    assert term.ended == ended
    _scan(PHONE_DAY)
    assert _rung(business, "phone") is None
    assert renewal_services.mark_lapsed(today=D(2027, 4, 10)) == 0
    term.refresh_from_db()
    assert term.ended == ended


def test_contact_changes_wait_for_the_desk_then_clear_the_flags_they_resolve(emailed, desk):
    business, notice = emailed
    business.email_bounced_since = D(2026, 11, 1)
    business.address_undeliverable_since = D(2026, 11, 2)
    business.save()
    answer = _answer(notice, Answer.Kind.CONTACT, new_email="new@example.jp", new_contact_person="佐藤花子")
    business.refresh_from_db()
    assert business.email == "info@example.jp"  # never written straight into the register
    _decide(answer, answers.answer_confirm, desk)
    business.refresh_from_db()
    assert (business.email, business.contact_person) == ("new@example.jp", "佐藤花子")
    assert business.email_bounced_since is None
    assert business.address_undeliverable_since == D(2026, 11, 2)  # the address did not change
    latest = business.history.first()
    assert latest.history_user == desk and "連絡先" in latest.history_change_reason


def test_a_contact_change_the_register_refuses_is_not_applied(emailed, desk):
    business, notice = emailed
    answer = _answer(notice, Answer.Kind.CONTACT, new_postal_code="0600000")  # Sapporo, but the business is in Tokyo
    with pytest.raises(answers.AnswerError):
        _decide(answer, answers.answer_confirm, desk)
    answer.refresh_from_db()
    business.refresh_from_db()
    assert (answer.status, business.postal_code) == (Answer.Status.PENDING, "1000001")


# (status, kind, pause_until): does it pause on 2026-12-31?
PAUSE_CASES = [
    (Answer.Status.NOTED, Answer.Kind.WILL_APPLY, D(2026, 12, 31), True),
    (Answer.Status.NOTED, Answer.Kind.WILL_APPLY, D(2026, 12, 30), False),
    (Answer.Status.PENDING, Answer.Kind.APPLIED, None, True),
    (Answer.Status.PENDING, Answer.Kind.AGENT, None, True),
    (Answer.Status.PENDING, Answer.Kind.CLOSED, None, True),
    (Answer.Status.PENDING, Answer.Kind.MERGED, None, True),
    (Answer.Status.PENDING, Answer.Kind.CONTACT, None, False),
    (Answer.Status.CONFIRMED, Answer.Kind.APPLIED, None, False),
    (Answer.Status.REJECTED, Answer.Kind.CLOSED, None, False),
]


@pytest.mark.parametrize(("status", "kind", "until", "pauses_then"), PAUSE_CASES)
def test_the_scans_sql_and_the_python_rule_agree(emailed, status, kind, until, pauses_then):
    business, notice = emailed
    Answer.objects.create(
        business=business, notice=notice, kind=kind, status=status, answered_at=NOW, pause_until=until
    )
    python = Answer.objects.filter(pauses.pausing(POSTCARD_DAY), business=business).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pauses.sql_paused('b', '%(today)s')} FROM registrations_business b WHERE b.id = %(id)s",
            {"today": POSTCARD_DAY, "id": business.pk},
        )
        sql = bool(cursor.fetchone()[0])
    assert python == sql == pauses_then


def test_a_closed_business_is_counted_apart_in_the_register_dashboard_and_segments(emailed, desk):
    business, notice = emailed
    _decide(_answer(notice, Answer.Kind.CLOSED, on_date=D(2026, 11, 30)), answers.answer_confirm, desk)
    after_expiry = D(2027, 5, 1)
    assert renewal_selectors.status_of(business, today=after_expiry) == RenewalStatus.CLOSED
    assert not renewal_selectors.filter_by_status(Business.objects.all(), RenewalStatus.LAPSED, today=after_expiry)
    calendar = dict(stats.expiry_calendar(today=after_expiry, first=D(2027, 3, 1), months=1))
    assert calendar[D(2027, 3, 1)]["closed"] == 1 and calendar[D(2027, 3, 1)]["lapsed"] == 0
    assert stats.observed_rate(after_expiry)["terms"] == 0  # not in the base of renewal rates
    assert not stats.at_risk_terms(D(2027, 1, 15)).filter(business=business).exists()
