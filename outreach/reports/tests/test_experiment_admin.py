"""Holdout experiments over HTTP: what the admin refuses, and what it fixes once the scan has assigned."""

import datetime

import pytest

from ccus import roles
from outreach import scan
from outreach.models import Experiment, HoldoutOverride
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def supervisor(client):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    return client


def form(step, **values):
    return {
        "name": "はがきの効果",
        "step": step.pk,
        "holdout_percent": "5.0",
        "starts_on": "2026-12-01",
        "ends_on": "2027-01-31",
        "detectable_points": "3.0",
        "note": "",
        **values,
    }


def test_the_admin_refuses_the_last_rung_before_expiry_in_japanese(supervisor):
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    response = supervisor.post("/admin/outreach/experiment/add/", form(policy.steps.get(days_before=30)))
    assert response.status_code == 200
    assert "満了前の最後の段階は効果測定で送付を止められません。" in response.content.decode()
    response = supervisor.post(
        "/admin/outreach/experiment/add/", form(policy.steps.get(days_before=90), ends_on="2026-11-01")
    )
    assert "終了日" in response.content.decode() and not Experiment.objects.exists()


def test_a_second_experiment_on_the_same_rung_and_period_is_refused(supervisor):
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    step = policy.steps.get(days_before=90)
    assert supervisor.post("/admin/outreach/experiment/add/", form(step)).status_code == 302
    response = supervisor.post("/admin/outreach/experiment/add/", form(step, name="もう一つ", starts_on="2027-01-15"))
    assert "同じ期間にこの段階で別の効果測定があります: はがきの効果" in response.content.decode()
    experiment = Experiment.objects.get()
    assert experiment.created_by.username == "boss" and experiment.history.count() == 1


def test_once_the_scan_assigned_the_rung_share_and_start_are_fixed(supervisor):
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    step = policy.steps.get(days_before=90)
    supervisor.post("/admin/outreach/experiment/add/", form(step, holdout_percent="50"))
    experiment = Experiment.objects.get()
    for _ in range(4):
        business_expiring(D(2027, 3, 1))
    scan.run_scan(today=D(2026, 12, 1))
    url = f"/admin/outreach/experiment/{experiment.pk}/change/"
    page = supervisor.get(url).content.decode()
    assert 'name="holdout_percent"' not in page and 'name="step"' not in page and 'name="ends_on"' in page
    supervisor.post(url, form(step, holdout_percent="10", ends_on="2027-02-28"))
    experiment.refresh_from_db()
    assert (experiment.holdout_percent, experiment.ends_on) == (50, D(2027, 2, 28))


def test_an_override_for_a_business_the_experiment_does_not_hold_out_is_refused(client):
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    experiment = Experiment.objects.create(
        name="はがきの効果", step=policy.steps.get(days_before=90), holdout_percent=5,
        starts_on=D(2026, 12, 1), ends_on=D(2027, 1, 31),
    )  # fmt: skip
    contacted = next(
        b for b in (business_expiring(D(2027, 3, 1)) for _ in range(10)) if not experiment.holds_out(b.ccus_id)
    )
    client.force_login(staff_user(roles.DESK, "desk"))
    response = client.post(
        "/admin/outreach/holdoutoverride/add/",
        {"experiment": experiment.pk, "business": contacted.pk, "note": "念のため"},
    )
    assert "この効果測定ではこの事業者は非送付群に入っていません。" in response.content.decode()
    assert not HoldoutOverride.objects.exists()
