"""The call queue by expected saves: lapse risk × the chance of reaching the business at this hour,
after the hard rules (callbacks due, expiry-day urgency), and expiry order without a usable model."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach.calls import priority, reach
from outreach.calls import services as calls
from outreach.models import CallAttempt, CallOutcome, LapseModel, LapseRisk
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.models import Business
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
D = datetime.date
TUESDAY = D(2027, 3, 2)
REACH = {
    "calls": 500,
    "by_kind": {
        "sole": {"all": 0.2, "10": 0.2, "17": 0.95},  # on site by day, answers in the evening
        "individual": {"all": 0.3},
        "corporation": {"all": 0.5},
    },
}


def at(hour: int, minute: int = 0, day: datetime.date = TUESDAY) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


@pytest.fixture
def queue():
    """Four phone notices: one expiring today (its last chance), three in April with risks."""
    policy_with_steps(("phone", 45, 0))
    sole = {"is_sole_proprietor": True, "entity_type": Business.EntityType.INDIVIDUAL, "capital": None}
    notices = {
        "today": phone_notice(TUESDAY, today=TUESDAY),
        "low": phone_notice(D(2027, 4, 5), today=TUESDAY),
        "sole": phone_notice(D(2027, 4, 9), today=TUESDAY, **sole),
        "high": phone_notice(D(2027, 4, 12), today=TUESDAY),
    }
    return notices


def scored(notices, risks: dict[str, float], **fields) -> LapseModel:
    values = {"trained_at": at(3), "scored_at": at(3), "reach": REACH, "metrics": {"average_rate": 0.2}}
    model = LapseModel.objects.create(**{**values, **fields})
    for key, risk in risks.items():
        notice = notices[key]
        LapseRisk.objects.create(
            term_id=notice.term_id,
            business_id=notice.business_id,
            model=model,
            risk=risk,
            reasons="メールアドレスの登録なし",
        )
    return model


def claim_order(notices, now) -> list[str]:
    names = {notice.pk: key for key, notice in notices.items()}
    operator = staff_user(roles.OPERATOR, f"op-{now:%H%M}")
    order = []
    while task := calls.call_claim_next(operator=operator, now=now):
        order.append(names[task.notice_id])
        calls.call_record(task_id=task.pk, operator=operator, outcome="will_renew", now=now)
    return order


RISKS = {"today": 0.05, "low": 0.1, "sole": 0.5, "high": 0.9}


def test_without_a_model_the_queue_is_in_expiry_order(queue):
    assert claim_order(queue, at(10)) == ["today", "low", "sole", "high"]


def test_the_queue_calls_the_largest_expected_saves_first_after_the_expiry_day(queue):
    scored(queue, RISKS)
    # 10:00: high 0.9 × 0.5 = 0.45, sole 0.5 × 0.2 = 0.10, low 0.1 × 0.5 = 0.05; today's expiry first whatever its risk.
    assert claim_order(queue, at(10)) == ["today", "high", "sole", "low"]


def test_the_hour_changes_who_is_worth_calling(queue):
    scored(queue, RISKS)
    # 17:00: the sole proprietor answers in the evening: 0.5 × 0.95 = 0.475 beats 0.45.
    assert claim_order(queue, at(17)) == ["today", "sole", "high", "low"]


def test_a_term_the_model_did_not_score_counts_at_the_average_risk(queue):
    scored(queue, {"high": 0.9, "low": 0.05})
    # sole: average 0.2 × 0.2 = 0.04 at 10:00; low: 0.05 × 0.5 = 0.025.
    assert claim_order(queue, at(10)) == ["today", "high", "sole", "low"]


@pytest.mark.parametrize(
    "fields",
    [
        {"load_error": "モデルファイル lapse_models/x.skops を読み込めません"},  # the file failed at the last scoring
        {"reach": {}},  # too little call history to know who answers when
        {"scored_at": None},  # trained, never scored
    ],
)
def test_a_model_that_cannot_be_used_leaves_the_queue_in_expiry_order(queue, fields):
    scored(queue, RISKS, **fields)
    assert claim_order(queue, at(10)) == ["today", "low", "sole", "high"]


def test_a_callback_due_comes_before_everything_else(queue, settings):
    settings.OUTREACH_CALLBACK_GRACE_MINUTES = 15
    scored(queue, RISKS)
    promiser = staff_user(roles.OPERATOR, "op1")
    while (task := calls.call_claim_next(operator=promiser, now=at(10))).notice_id != queue["low"].pk:
        calls.call_record(task_id=task.pk, operator=promiser, outcome="will_renew", now=at(10))
    calls.call_record(task_id=task.pk, operator=promiser, outcome="callback", callback_at=at(11), now=at(10, 5))
    # The promiser is away; after the grace, the colleague gets the promised call first.
    colleague = staff_user(roles.OPERATOR, "op2")
    assert calls.call_claim_next(operator=colleague, now=at(11, 16)).notice_id == queue["low"].pk


def test_the_call_screen_shows_the_risk_and_its_reasons_in_japanese(client, queue):
    scored(queue, RISKS)
    operator = staff_user(roles.OPERATOR, "op1")
    with time_machine.travel(at(10), tick=False):
        client.force_login(operator)
        task = calls.call_claim_next(operator=operator, now=at(10))
        calls.call_record(task_id=task.pk, operator=operator, outcome="will_renew", now=at(10))
        task = calls.call_claim_next(operator=operator, now=at(10))
        page = client.get(f"/admin/outreach/calltask/{task.pk}/call/").content.decode()
    assert task.notice_id == queue["high"].pk
    assert "失効リスク:\n      <strong>90%</strong>（主な理由: メールアドレスの登録なし）" in page


def test_the_call_screen_says_when_no_risk_is_known(client, queue):
    operator = staff_user(roles.OPERATOR, "op1")
    with time_machine.travel(at(10), tick=False):
        client.force_login(operator)
        task = calls.call_claim_next(operator=operator, now=at(10))
        page = client.get(f"/admin/outreach/calltask/{task.pk}/call/").content.decode()
    assert "未採点（使えるモデルがありません）" in page


def _attempts(notice, operator, hour: int, reached: int, unanswered: int) -> None:
    outcomes = [CallOutcome.WILL_RENEW] * reached + [CallOutcome.NO_ANSWER] * unanswered
    CallAttempt.objects.bulk_create(
        CallAttempt(notice=notice, operator=operator, started_at=at(hour), ended_at=at(hour), outcome=outcome)
        for outcome in outcomes
    )


def test_the_reach_table_is_learned_by_hour_and_kind_from_enough_calls(queue):
    operator = staff_user(roles.OPERATOR, "op1")
    _attempts(queue["high"], operator, 10, reached=40, unanswered=20)
    _attempts(queue["high"], operator, 17, reached=5, unanswered=34)
    assert reach.reach_table() == {}  # 99 calls: too little history
    _attempts(queue["high"], operator, 17, reached=0, unanswered=1)
    table = reach.reach_table()
    assert table["calls"] == reach.MIN_CALLS == 100
    corporation = table["by_kind"]["corporation"]
    assert corporation["all"] == pytest.approx((45 + 20 * 0.45) / 120, abs=1e-4)
    assert corporation["10"] == pytest.approx((40 + 20 * corporation["all"]) / 80, abs=1e-4)
    assert corporation["10"] > corporation["all"] > corporation["17"]
    # A kind never called takes the rate of all calls; an hour never called, its kind's rate.
    assert table["by_kind"]["sole"] == {"all": 0.45}
    assert reach.chance(table, "corporation", 9) == corporation["all"]


def test_a_term_still_without_an_application_close_to_its_expiry_is_the_riskier_one(queue):
    # Most renewers have applied by 35 days before expiry: "low" (34 days left, nothing yet) is now
    # likely to lapse; "high" (41 days left) may still apply like most do.
    shares = [0.05] * 36 + [0.95] * 145
    risks = {"today": 0.05, "low": 0.3, "sole": 0.01, "high": 0.5}
    scored(queue, risks)
    assert queue_order(queue, at(10)) == ["today", "high", "low", "sole"]
    LapseModel.objects.update(spec={"not_applied_share": shares})
    assert queue_order(queue, at(10)) == ["today", "low", "high", "sole"]
    assert claim_order(queue, at(10)) == ["today", "low", "high", "sole"]


def queue_order(notices, now) -> list[str]:
    """The queue as priority orders it, without taking any call."""
    names = {notice.pk: key for key, notice in notices.items()}
    return [names[task.notice_id] for task in priority.ordered(calls.queue(), now=now)]
