"""Holdout experiments in the scan: who is held out, the guard rails, the groups, the desk's override."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from outreach import holdout_rule, holdouts, outbox, scan
from outreach.models import Assignment, Experiment, HoldoutOverride, Notice, ReminderStep
from outreach.tests.factories import business_expiring, policy_with_steps
from outreach.timeline import CORE_KINDS, contact_timeline

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning: e-mails go out at once
EXPIRY = D(2027, 3, 1)  # 90 days after 2026-12-01
SALT = "3f2a9c1e5b7d4a60"
SYNTHETIC = [str(20_000_000_000_000 + n) for n in range(10_000)]


def experiment_on(step: ReminderStep, *, percent="50", salt=SALT, **fields) -> Experiment:
    return Experiment.objects.create(
        name=fields.pop("name", f"実験 {step.name}"),
        step=step,
        holdout_percent=Decimal(percent),
        starts_on=fields.pop("starts_on", D(2026, 11, 1)),
        ends_on=fields.pop("ends_on", D(2027, 1, 31)),
        salt=salt,
        **fields,
    )


def businesses(count: int, expires_on=EXPIRY):
    return [business_expiring(expires_on) for _ in range(count)]


def test_the_assignment_is_a_fixed_function_of_the_salt_and_the_business_id():
    assert holdout_rule.digest("abc", "12345678901234") == "bc92899c"  # `printf abc:12345678901234 | md5sum`
    assert [holdout_rule.held_out(SALT, i, Decimal("5")) for i in SYNTHETIC[:200]] == [
        holdout_rule.held_out(SALT, i, Decimal("5")) for i in SYNTHETIC[:200]
    ]
    other_salt = [holdout_rule.held_out("another", i, Decimal("50")) for i in SYNTHETIC[:200]]
    assert other_salt != [holdout_rule.held_out(SALT, i, Decimal("50")) for i in SYNTHETIC[:200]]


@pytest.mark.parametrize("percent", ["5", "10", "50"])
def test_the_held_out_share_holds_on_ten_thousand_ids(percent):
    held = sum(holdout_rule.held_out(SALT, ccus_id, Decimal(percent)) for ccus_id in SYNTHETIC)
    expected = len(SYNTHETIC) * int(percent) / 100
    # 4 standard deviations of a binomial count: fails by chance about once in 15,000 salts.
    assert abs(held - expected) <= 4 * (expected * (1 - int(percent) / 100)) ** 0.5


def test_the_database_draws_the_same_businesses_as_python():
    condition = holdout_rule.sql_held_out(salt="%s", ccus_id="ids.ccus_id", limit="%s", vendor=connection.vendor)
    sql = f"""
        WITH RECURSIVE numbers(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM numbers WHERE n < 9999),
        ids(ccus_id) AS (SELECT CAST(20000000000000 + n AS TEXT) FROM numbers)
        SELECT ids.ccus_id FROM ids WHERE {condition}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [SALT, holdout_rule.threshold(Decimal("7.5"))])
        in_sql = {row[0] for row in cursor.fetchall()}
    assert in_sql == {i for i in SYNTHETIC if holdout_rule.held_out(SALT, i, Decimal("7.5"))}
    assert 600 < len(in_sql) < 900


def test_a_held_out_notice_is_skipped_with_its_reason_and_the_groups_are_recorded():
    policy = policy_with_steps(("email", 90, 31), ("postcard", 30, 0))
    experiment = experiment_on(policy.steps.get(days_before=90))
    firms = businesses(40)
    scan.run_scan(today=D(2026, 12, 1))
    drawn = {b.pk for b in firms if experiment.holds_out(b.ccus_id)}
    assert 5 < len(drawn) < 35
    notices = {n.business_id: n for n in Notice.objects.filter(step__days_before=90)}
    assert len(notices) == 40
    for business_id, notice in notices.items():
        expected = ("skipped", "holdout") if business_id in drawn else ("queued", "")
        assert (notice.status, notice.reason) == expected
    arms = dict(Assignment.objects.values_list("business_id", "arm"))
    assert arms == {b.pk: "held_out" if b.pk in drawn else "control" for b in firms}
    # Stable: the next scans write nothing more, the rung stays once per term.
    scan.run_scan(today=D(2026, 12, 2))
    assert Notice.objects.filter(step__days_before=90).count() == 40 and Assignment.objects.count() == 40
    assert Notice.objects.get(business_id=min(drawn), step__days_before=90).get_reason_display() == (
        "効果測定のため送付せず"
    )


def test_held_out_notices_are_never_sent_through_the_scan_and_the_sender(django_capture_on_commit_callbacks):
    policy = policy_with_steps(("email", 90, 31), ("email", 20, 0))
    experiment = experiment_on(policy.steps.get(days_before=90))
    firms = businesses(30)
    with time_machine.travel(IN_HOURS, tick=False), django_capture_on_commit_callbacks(execute=True):
        scan.run_scan(today=D(2026, 12, 1))
    held = Notice.objects.filter(reason="holdout")
    assert held.exists()
    with time_machine.travel(IN_HOURS, tick=False):
        for notice in held:
            assert outbox.send_email_task.delay(notice.pk).get() == "not claimed"
        outbox.enqueue_sends(list(held.values_list("pk", flat=True)), event="test")
    sent_to = {message.to[0] for message in mail.outbox}
    drawn = {b.email for b in firms if experiment.holds_out(b.ccus_id)}
    assert sent_to == {b.email for b in firms} - drawn
    assert set(held.values_list("status", flat=True)) == {"skipped"}


def test_no_holdout_on_the_last_rung_before_expiry_nor_after_it():
    policy = policy_with_steps(("email", 90, 31), ("postcard", 30, 0), ("email", -7, -30))
    last, after = policy.steps.get(days_before=30), policy.steps.get(days_before=-7)
    for step, message in ((last, "満了前の最後の段階"), (after, "満了後の段階")):
        experiment = Experiment(
            name="x", step=step, holdout_percent=Decimal("5"), starts_on=D(2026, 11, 1), ends_on=D(2027, 1, 31)
        )
        with pytest.raises(ValidationError) as raised:
            experiment.full_clean()
        assert message in str(raised.value.message_dict["step"])
    # Made anyway (or the ladder changed since): the scan holds out nothing on such a rung.
    experiment_on(last, percent="50", name="最後")
    businesses(20, expires_on=D(2026, 12, 20))
    scan.run_scan(today=D(2026, 12, 1))
    assert Notice.objects.filter(step=last).count() == 20
    assert not Notice.objects.filter(reason="holdout").exists() and not Assignment.objects.exists()


def test_a_term_is_held_out_of_one_rung_at_most():
    policy = policy_with_steps(("email", 120, 91), ("postcard", 90, 31), ("phone", 30, 0))
    first, second = policy.steps.get(days_before=120), policy.steps.get(days_before=90)
    # The same salt and share: the second experiment draws exactly the businesses the first held out.
    experiment_on(first, name="第1段階")
    experiment_on(second, name="第2段階")
    firms = businesses(30)
    scan.run_scan(today=D(2026, 11, 1))  # 120 days before
    scan.run_scan(today=D(2026, 12, 1))  # 90 days before
    held_out = Notice.objects.filter(reason="holdout")
    assert held_out.exists() and set(held_out.values_list("step", flat=True)) == {first.pk}
    per_term = Assignment.objects.exclude(arm="control").values_list("term_id", "arm", "experiment__name")
    by_term = {}
    for term_id, arm, name in per_term:
        by_term.setdefault(term_id, []).append((name, arm))
    assert all(sorted(v) == [("第1段階", "held_out"), ("第2段階", "left_out")] for v in by_term.values())
    assert len(by_term) == held_out.count() < len(firms)
    assert Notice.objects.filter(step=second, reason="holdout").count() == 0


def test_the_desk_overrides_the_holdout_for_one_business(django_capture_on_commit_callbacks):
    policy = policy_with_steps(("email", 90, 31), ("postcard", 30, 0))
    experiment = experiment_on(policy.steps.get(days_before=90))
    firms = businesses(20)
    scan.run_scan(today=D(2026, 12, 1))
    chosen = next(b for b in firms if experiment.holds_out(b.ccus_id))
    assert [a.experiment for a in holdouts.held_out_now(chosen.pk)] == [experiment]
    events = contact_timeline(business_id=chosen.pk, kinds=CORE_KINDS)
    assert any(event.kind == "holdout" and event.a == "held_out" for event in events)
    with time_machine.travel(IN_HOURS, tick=False), django_capture_on_commit_callbacks(execute=True):
        holdouts.holdout_override(experiment=experiment, business=chosen, note="本人から電話で依頼")
    notice = Notice.objects.get(business=chosen, step__days_before=90)
    assert (notice.status, notice.reason) == ("sent", "")
    assert [m.to for m in mail.outbox] == [[chosen.email]]
    assert Assignment.objects.get(notice=notice).arm == "left_out"
    assert notice.history.filter(history_change_reason__contains="効果測定").exists()
    override = HoldoutOverride.objects.get()
    assert override.history.count() == 1
    with pytest.raises(holdouts.HoldoutError):
        holdouts.holdout_override(experiment=experiment, business=chosen, note="もう一度")


def test_an_override_before_the_rung_keeps_the_business_in_the_contacted_stream():
    policy = policy_with_steps(("email", 90, 31), ("postcard", 30, 0))
    experiment = experiment_on(policy.steps.get(days_before=90))
    firms = businesses(20)
    chosen = next(b for b in firms if experiment.holds_out(b.ccus_id))
    holdouts.holdout_override(experiment=experiment, business=chosen, note="重点先")
    scan.run_scan(today=D(2026, 12, 1))
    notice = Notice.objects.get(business=chosen, step__days_before=90)
    assert (notice.status, notice.reason) == ("queued", "")
    assert Assignment.objects.get(notice=notice).arm == "left_out"


def test_an_experiment_outside_its_dates_holds_out_nobody():
    policy = policy_with_steps(("email", 90, 31), ("postcard", 30, 0))
    experiment_on(policy.steps.get(days_before=90), starts_on=D(2026, 12, 2), ends_on=D(2026, 12, 31))
    businesses(20)
    scan.run_scan(today=D(2026, 12, 1))
    assert not Notice.objects.filter(reason="holdout").exists() and not Assignment.objects.exists()
