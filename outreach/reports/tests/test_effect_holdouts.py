"""The effect report of holdout experiments: the statistics by hand, and the figures of a planted effect."""

import datetime
import math
from decimal import Decimal

import pytest
import time_machine

from outreach import scan
from outreach.models import Assignment, Experiment
from outreach.reports import effect_stats
from outreach.reports.admin_experiments import present
from outreach.reports.effect_holdouts import experiment_result
from outreach.tests.factories import business_expiring, policy_with_steps
from renewals import services as renewal_services

D = datetime.date
EXPIRY = D(2027, 3, 1)


def test_the_normal_distribution_function_matches_its_table():
    assert effect_stats.normal_cdf(0) == 0.5
    assert effect_stats.normal_cdf(1) == pytest.approx(0.8413447461, abs=1e-9)
    assert effect_stats.normal_cdf(effect_stats.Z_95) == pytest.approx(0.975, abs=1e-12)
    assert effect_stats.normal_cdf(-1.6448536270) == pytest.approx(0.05, abs=1e-9)


def test_the_difference_and_its_interval_by_hand():
    # 60/100 against 45/100: se = √(0.6·0.4/100 + 0.45·0.55/100) = √0.004875
    difference = effect_stats.rate_difference(60, 100, 45, 100)
    margin = 1.959963984540054 * math.sqrt(0.004875)
    assert difference.value == pytest.approx(0.15)
    assert (difference.low, difference.high) == (pytest.approx(0.15 - margin), pytest.approx(0.15 + margin))
    assert difference.low == pytest.approx(0.01315, abs=1e-5)
    assert effect_stats.rate_difference(1, 0, 1, 10) is None


def test_the_power_matches_the_textbook_sample_size():
    # n = (1.96 + 0.8416)² · (0.5·0.5 + 0.45·0.55) / 0.05² ≈ 1,563 per group gives 80 % for 50 % against 45 %.
    assert effect_stats.power(base_rate=0.5, effect=0.05, n1=1563, n2=1563) == pytest.approx(0.80, abs=0.002)
    assert effect_stats.power(base_rate=0.5, effect=0.05, n1=1000, n2=1000) == pytest.approx(0.6109, abs=0.0005)
    assert effect_stats.power(base_rate=0.5, effect=0.05, n1=0, n2=10) is None


@pytest.mark.django_db
def test_the_report_recovers_a_planted_effect():
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    experiment = Experiment.objects.create(
        name="はがき90日前",
        step=policy.steps.get(days_before=90),
        holdout_percent=Decimal("50"),
        starts_on=D(2026, 11, 1),
        ends_on=D(2027, 1, 31),
        detectable_points=Decimal("10"),
        salt="planted",
    )
    firms = [business_expiring(EXPIRY) for _ in range(160)]
    scan.run_scan(today=D(2026, 12, 1))
    arms = dict(Assignment.objects.values_list("business_id", "arm"))
    control = [b for b in firms if arms[b.pk] == "control"]
    held_out = [b for b in firms if arms[b.pk] == "held_out"]
    assert len(control) + len(held_out) == 160 and min(len(control), len(held_out)) > 50
    # Planted: 3 in 5 of the contacted renew by expiry, 1 in 5 of the held out.
    renewing = control[: len(control) * 3 // 5] + held_out[: len(held_out) // 5]
    with time_machine.travel(D(2027, 2, 10)):
        for business in renewing:
            renewal_services.renewal_record_application(business=business, received_on=D(2027, 2, 10), channel="online")

    before_expiry = experiment_result(experiment, today=D(2027, 2, 20))
    assert before_expiry.control.measured == len(control) * 3 // 5  # only the renewed are measured yet

    result = experiment_result(experiment, today=D(2027, 3, 10))
    p_control = (len(control) * 3 // 5) / len(control)
    p_held = (len(held_out) // 5) / len(held_out)
    assert (result.control.businesses, result.held_out.businesses) == (len(control), len(held_out))
    assert (result.control.measured, result.held_out.measured) == (len(control), len(held_out))
    assert result.control.rate == pytest.approx(p_control) and result.held_out.rate == pytest.approx(p_held)
    expected = effect_stats.rate_difference(len(control) * 3 // 5, len(control), len(held_out) // 5, len(held_out))
    assert result.difference == expected
    assert result.difference.value == pytest.approx(0.4, abs=0.02)
    assert 0 < result.difference.low < 0.4 < result.difference.high
    assert result.power == pytest.approx(
        effect_stats.power(base_rate=p_control, effect=0.10, n1=len(control), n2=len(held_out))
    )
    assert result.cost_per_contact == pytest.approx(85)  # every contacted business got a postcard
    assert result.cost_per_extra_renewal == pytest.approx(85 / result.difference.value)
    shown = present(result)
    assert shown["control_rate"] == f"{p_control * 100:.1f}%"
    assert shown["cost"] == f"¥{85 / result.difference.value:,.0f}"
