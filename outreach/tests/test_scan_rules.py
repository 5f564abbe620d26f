import datetime

import pytest
from django.core.management import call_command
from django.test import override_settings

from outreach import scan
from outreach.models import Notice, NoticeTemplate
from outreach.tests.factories import business_expiring, policy_with_steps
from renewals import services as renewal_services
from renewals.models import Term

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_step_missed_earlier_is_caught_up_once_within_its_last_day():
    policy_with_steps(("email", 60, 31))
    business = business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 12, 20))  # 42 days before: missed on day 60, still worth it
    scan.run_scan(today=D(2026, 12, 21))
    assert Notice.objects.filter(business=business).count() == 1


def test_a_step_past_its_last_day_is_not_sent_late():
    policy_with_steps(("email", 60, 31))
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2027, 1, 5))  # 26 days before
    assert not Notice.objects.exists()


def test_a_step_overtaken_by_a_later_step_of_the_same_channel_is_skipped():
    policy_with_steps(("email", 180, 0), ("email", 30, 0), ("postcard", 90, 0))
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2027, 1, 10))  # go-live 21 days before expiry
    notices = {n.step.days_before: (n.status, n.reason) for n in Notice.objects.select_related("step")}
    assert notices == {180: ("skipped", "overtaken"), 30: ("queued", ""), 90: ("queued", "")}


def test_pre_expiry_steps_never_fire_after_expiry():
    policy_with_steps(("email", 30, 0))
    business_expiring(D(2026, 12, 31))
    scan.run_scan(today=D(2027, 1, 1))
    assert not Notice.objects.filter(status="queued").exists()


def test_fallbacks_follow_the_policy_and_record_why():
    policy_with_steps(("email", 30, 0))
    bounced = business_expiring(D(2027, 1, 31), email_bounced_since=D(2026, 5, 1))
    opted_out = business_expiring(D(2027, 1, 31), do_not_email_since=D(2026, 5, 1))
    nowhere = business_expiring(
        D(2027, 1, 31), email="", address_undeliverable_since=D(2026, 5, 1), do_not_call_since=D(2026, 5, 1)
    )
    unreachable_by_post = business_expiring(D(2027, 1, 31), email="", address_undeliverable_since=D(2026, 5, 1))
    scan.run_scan(today=D(2027, 1, 2))
    got = {n.business_id: (n.channel, n.status, n.reason, n.fallback_reason) for n in Notice.objects.all()}
    assert got[bounced.pk] == ("postcard", "queued", "", "email_bounced")
    assert got[opted_out.pk] == ("postcard", "queued", "", "do_not_email")
    assert got[unreachable_by_post.pk] == ("phone", "queued", "", "no_email>undeliverable")
    assert got[nowhere.pk] == ("phone", "skipped", "do_not_call", "no_email>undeliverable>do_not_call")


def test_phone_steps_fall_on_japanese_business_days():
    policy_with_steps(("phone", 45, 0))
    business_expiring(D(2027, 2, 12))  # due 2026-12-29, in the year-end closure
    business_expiring(D(2027, 1, 10))  # due 2026-11-26 … caught up on Saturday 2026-11-28
    scan.run_scan(today=D(2026, 11, 28))
    scan.run_scan(today=D(2026, 12, 29))
    dates = sorted((n.due_on, n.scheduled_for) for n in Notice.objects.all())
    assert dates == [(D(2026, 11, 28), D(2026, 11, 30)), (D(2026, 12, 29), D(2027, 1, 4))]


def test_an_application_cancels_queued_pre_expiry_notices():
    policy_with_steps(("postcard", 90, 0))
    business = business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    renewal_services.renewal_record_application(business=business, received_on=D(2026, 11, 3), channel="online")
    run = scan.run_scan(today=D(2026, 11, 4))
    notice = Notice.objects.get()
    assert (notice.status, notice.reason) == ("cancelled", "applied")
    assert run.counts["cancelled"] == 1


def test_a_desk_notice_gives_way_to_an_application_as_the_ladders_do():
    policy_with_steps(("postcard", 90, 0))
    business = business_expiring(D(2027, 1, 31))
    term = Term.objects.get(business=business)
    desk_notice = Notice.objects.create(
        business=business,
        term=term,
        template=NoticeTemplate.objects.filter(channel="email").first(),
        channel="email",
        reason="manual",
        due_on=D(2026, 11, 3),
        scheduled_for=D(2026, 11, 3),
    )
    renewal_services.renewal_record_application(business=business, received_on=D(2026, 11, 3), channel="online")
    scan.run_scan(today=D(2026, 11, 4))
    desk_notice.refresh_from_db()
    assert (desk_notice.status, desk_notice.reason) == ("cancelled", "applied")


@override_settings(OUTREACH_DAILY_CAPS={"email": 2, "postcard": 0, "phone": 0, "prime_list": 0})
def test_the_daily_cap_spreads_a_catch_up_most_urgent_first():
    policy_with_steps(("email", 60, 0))
    expiries = [D(2027, 1, 10), D(2027, 1, 5), D(2027, 1, 20), D(2027, 1, 15), D(2027, 1, 25)]
    for expiry in expiries:
        business_expiring(expiry)
    scan.run_scan(today=D(2026, 12, 1))
    assert sorted(Notice.objects.values_list("term__expires_on", flat=True)) == [D(2027, 1, 5), D(2027, 1, 10)]
    scan.run_scan(today=D(2026, 12, 2))
    scan.run_scan(today=D(2026, 12, 3))
    assert Notice.objects.count() == 5


def test_dry_run_previews_and_writes_nothing():
    business_expiring(D(2027, 1, 31))
    run = scan.run_scan(today=D(2026, 12, 1), dry_run=True)
    assert run.counts["email"]["created"] == 1
    assert not Notice.objects.exists()


def test_lapse_notices_go_to_lapsed_businesses_only():
    policy_with_steps(("email", -7, -60))
    lapsed = business_expiring(D(2026, 10, 31))
    pending = business_expiring(D(2026, 10, 31))
    renewal_services.renewal_record_application(business=pending, received_on=D(2026, 10, 20), channel="online")
    scan.run_scan(today=D(2026, 11, 7))
    assert list(Notice.objects.values_list("business_id", flat=True)) == [lapsed.pk]


def test_run_reminders_command_prints_a_summary_per_channel(capsys):
    business_expiring(D(2027, 1, 31), email="")
    call_command("run_reminders", "--date", "2026-12-01", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out
    assert "postcard   created       2" in out  # the 90-day postcard, and the 60-day e-mail fallen back
    assert "prime_list created       1" in out
    assert not Notice.objects.exists()


def test_run_reminders_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_reminders", "--date", "2026-02-30")
