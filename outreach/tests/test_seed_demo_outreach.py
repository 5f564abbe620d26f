"""seed_demo_outreach: the demo's past reminders, so the dashboard's funnel is not all zeros."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ccus import roles
from outreach import scan
from outreach.models import Assignment, CallAttempt, Experiment, Notice
from outreach.reports import dashboard
from registrations.tests.factories import staff_user
from registrations.tests.test_browser import log_in
from renewals.models import RenewalCase

DAYS = [datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC), datetime.datetime(2028, 2, 14, 3, tzinfo=datetime.UTC)]


# Days across a fiscal year's start (April 1): the e-mails of its first weeks have led to renewals.
ACROSS_A_YEAR_START = ["2027-03-25", "2027-05-01", "2027-06-10", "2027-07-25"]


def _demo(businesses: int = 300) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--businesses", str(businesses), "--links-per-business", "1.1", stdout=out)
    call_command("seed_demo_renewals", stdout=out)
    call_command("seed_demo_outreach", stdout=out)


@pytest.mark.django_db
@pytest.mark.parametrize("moment", DAYS, ids=["november", "february"])
def test_the_funnel_counts_sent_reached_applied_and_renewed_on_any_day(moment):
    with time_machine.travel(moment, tick=False):
        _demo()
        today = moment.date()
        funnel = {row["channel"]: row for row in dashboard.dashboard(today=today)["funnel"]}
        for channel in ("email", "phone"):
            row = funnel[channel]
            assert row["sent"] >= row["reached"] >= row["applied"] >= row["renewed"] > 0, row
        assert not Notice.objects.filter(due_on__gte=today).exists()
        assert not Notice.objects.filter(sent_at__date__gt=today).exists()
        assert not CallAttempt.objects.filter(started_at__date__gt=today).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ACROSS_A_YEAR_START)
def test_emails_of_this_fiscal_year_have_led_to_renewals_also_in_its_first_months(day):
    moment = datetime.datetime.fromisoformat(f"{day}T03:00:00+00:00")
    with time_machine.travel(moment, tick=False):
        _demo(businesses=1000)
        email = next(row for row in dashboard.dashboard(today=moment.date())["funnel"] if row["channel"] == "email")
        assert email["sent"] >= email["reached"] >= email["applied"] >= email["renewed"] > 0, email
        renewed_early = RenewalCase.objects.filter(status="approved", new_term__starts_on__gt=moment.date())
        assert renewed_early.exists()  # renewing before expiry: the new term starts after the old one ends
        assert not RenewalCase.objects.filter(received_on__gt=moment.date()).exists()
        assert not RenewalCase.objects.filter(approved_on__gt=moment.date()).exists()


@pytest.mark.django_db
def test_the_demo_runs_a_holdout_experiment_that_the_scan_fills():
    with time_machine.travel(DAYS[0], tick=False):
        _demo()
        experiment = Experiment.objects.get()
        assert (experiment.step.channel, experiment.starts_on) == ("postcard", DAYS[0].date())
        scan.run_scan(today=DAYS[0].date())
        notices = Notice.objects.filter(step=experiment.step).exclude(reason="overtaken").select_related("business")
        arms = dict(Assignment.objects.filter(experiment=experiment).values_list("notice_id", "arm"))
        assert notices and set(arms) == {notice.pk for notice in notices}
        for notice in notices:
            drawn = experiment.holds_out(notice.business.ccus_id)
            assert (arms[notice.pk], notice.reason == "holdout") == ("held_out" if drawn else "control", drawn)


@pytest.mark.django_db
def test_running_again_adds_nothing():
    with time_machine.travel(DAYS[0], tick=False):
        _demo()
        counts = Notice.objects.count(), CallAttempt.objects.count()
        out = io.StringIO()
        call_command("seed_demo_outreach", stdout=out)
        assert (Notice.objects.count(), CallAttempt.objects.count()) == counts
        assert "nothing added" in out.getvalue()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_supervisor_sees_the_demo_funnel(page):
    with time_machine.travel(DAYS[0], tick=True):
        _demo()
        staff_user(roles.SUPERVISOR, "boss")
        log_in(page, "boss")
        page.goto("/admin/outreach/dashboard/")
        page.screenshot(path="/tmp/funnel-dashboard.png", full_page=True)
        for channel in ("email", "phone"):
            numbers = page.locator(f"#funnel-{channel}").inner_text().split()[1:]
            assert all(int(n.replace(",", "")) > 0 for n in numbers), numbers
