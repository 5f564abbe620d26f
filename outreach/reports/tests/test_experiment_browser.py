"""Holdout experiments in a real Chromium: a supervisor starts one in the admin, sees its groups fill as
the scan runs and reads the result with its interval; the desk contacts one held-out business anyway."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach import scan
from outreach.models import Assignment, Experiment, HoldoutOverride, Notice, ReminderStep
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in
from renewals import services as renewal_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
JST = datetime.timezone(datetime.timedelta(hours=9))
D = datetime.date
EXPIRY = D(2027, 3, 1)


def ladder():
    policy = policy_with_steps(("postcard", 90, 31), ("phone", 30, 0))
    policy.steps.filter(days_before=90).update(name="はがき（90日前）")
    policy.steps.filter(days_before=30).update(name="電話（30日前）")
    return [business_expiring(EXPIRY) for _ in range(120)]


def shoot(page, tmp_path, name):
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_supervisor_starts_an_experiment_and_reads_its_result(page, tmp_path):
    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=JST), tick=True):
        firms = ladder()
        staff_user(roles.SUPERVISOR, "boss")
        log_in(page, "boss")
        page.goto("/admin/outreach/experiment/add/")
        page.fill("#id_name", "はがき90日前の効果")
        page.select_option("#id_step", label="はがき（90日前） (90)")
        page.fill("#id_holdout_percent", "50")
        page.fill("#id_starts_on", "2026-12-01")
        page.fill("#id_ends_on", "2027-01-31")
        page.fill("#id_detectable_points", "10")
        page.fill("#id_note", "はがきが本当に効いているか")
        page.click("input[name=_save]")
        page.wait_for_url("**/admin/outreach/experiment/")
        row = page.locator("#result_list tbody tr").first
        assert row.locator("td.field-held_out_count").inner_text() == "0"
        assert row.locator("td.field-period_state").inner_text() == "開始前"

        scan.run_scan(today=D(2026, 12, 1))  # the next morning's scan, as beat runs it
        page.reload()
        row = page.locator("#result_list tbody tr").first
        held_out = int(row.locator("td.field-held_out_count").inner_text())
        control = int(row.locator("td.field-control_count").inner_text())
        assert held_out == Assignment.objects.filter(arm="held_out").count() > 30
        assert control == Assignment.objects.filter(arm="control").count() > 30
        assert held_out + control == len(firms)
        shoot(page, tmp_path, "experiments")

    arms = dict(Assignment.objects.values_list("business_id", "arm"))
    contacted = [b for b in firms if arms[b.pk] == "control"]
    held = [b for b in firms if arms[b.pk] == "held_out"]
    with time_machine.travel(datetime.datetime(2027, 2, 10, 10, 0, tzinfo=JST)):
        for business in contacted[: len(contacted) * 3 // 4] + held[: len(held) // 4]:
            renewal_services.renewal_record_application(business=business, received_on=D(2027, 2, 10), channel="online")

    with time_machine.travel(datetime.datetime(2027, 3, 10, 10, 0, tzinfo=JST), tick=True):
        log_in(page, "boss")  # months later: a new session
        page.goto(f"/admin/outreach/experiment/{Experiment.objects.get().pk}/change/")
        table = page.locator(".experiment-results")
        control_row, held_row = table.locator("tr.arm-control"), table.locator("tr.arm-held-out")
        rate = (len(contacted) * 3 // 4) / len(contacted)
        assert f"{rate * 100:.1f}%" in control_row.inner_text()
        assert f"{(len(held) // 4) / len(held) * 100:.1f}%" in held_row.inner_text()
        effect = control_row.locator("td.effect").inner_text()
        assert "ポイント（" in effect and "〜" in effect and effect.startswith("+")
        assert "10.0ポイントに対して" in control_row.locator("td.power").inner_text()
        assert control_row.locator("td.cost").inner_text().startswith("¥")
        shoot(page, tmp_path, "experiment-result")
        page.goto("/admin/outreach/effectreport/")
        assert "はがき90日前の効果" in page.locator("#effect-experiments").inner_text()


def test_the_desk_sees_a_held_out_business_and_contacts_it_anyway(page, tmp_path):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST), tick=True):
        firms = ladder()
        experiment = Experiment.objects.create(
            name="はがき90日前の効果",
            step=ReminderStep.objects.get(days_before=90, policy__is_active=True),
            holdout_percent=50,
            starts_on=D(2026, 12, 1),
            ends_on=D(2027, 1, 31),
        )
        scan.run_scan(today=D(2026, 12, 1))
        chosen = next(b for b in firms if experiment.holds_out(b.ccus_id))
        staff_user(roles.DESK, "desk")
        log_in(page, "desk")
        page.goto(f"/admin/registrations/business/{chosen.pk}/change/")
        shown = page.locator(".field-holdout_override_display").inner_text()
        assert "はがき90日前の効果: はがき（90日前）を送付しない" in shown
        assert "効果測定のため送付せず" in page.locator("body").inner_text()  # the notice's reason
        shoot(page, tmp_path, "business-held-out")
        page.click(".field-holdout_override_display a.button")
        page.fill("#id_note", "本人から、はがきで案内がほしいと電話あり")
        page.click("input[name=_save]")
        page.wait_for_url("**/admin/outreach/holdoutoverride/")
        assert HoldoutOverride.objects.get().business == chosen
        notice = Notice.objects.get(business=chosen, step__days_before=90)
        assert (notice.status, notice.reason) == ("queued", "")  # waits for the next print batch
        page.goto(f"/admin/registrations/business/{chosen.pk}/change/")
        assert "窓口の判断で送付" in page.locator(".field-holdout_override_display").inner_text()
