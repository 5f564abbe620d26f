"""Actions that send something ask first and say when it will really go out."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from ccus import roles
from outreach import business_days, services
from outreach.models import Notice
from outreach.tests.factories import business_expiring
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
SATURDAY = datetime.datetime(2026, 11, 28, 11, 0, tzinfo=JST)
TUESDAY_EARLY = datetime.datetime(2026, 12, 1, 7, 30, tzinfo=JST)
TUESDAY_IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)
FRIDAY_EVENING = datetime.datetime(2026, 12, 4, 18, 30, tzinfo=JST)
NEW_YEARS_EVE = datetime.datetime(2026, 12, 31, 10, 0, tzinfo=JST)
CHANGELIST = reverse("admin:registrations_business_changelist")


@pytest.mark.parametrize(
    ("now", "moment", "text"),
    [
        (SATURDAY, datetime.datetime(2026, 11, 30, 9, 0, tzinfo=JST), "月曜 9:00 に送信されます。"),
        (TUESDAY_EARLY, datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JST), "今日 9:00 に送信されます。"),
        (TUESDAY_IN_HOURS, TUESDAY_IN_HOURS, "すぐに送信されます。"),
        (FRIDAY_EVENING, datetime.datetime(2026, 12, 7, 9, 0, tzinfo=JST), "月曜 9:00 に送信されます。"),
        (NEW_YEARS_EVE, datetime.datetime(2027, 1, 4, 9, 0, tzinfo=JST), "月曜 9:00 に送信されます。"),
    ],
    ids=["saturday", "before-opening", "in-hours", "friday-evening", "new-year-holidays"],
)
def test_when_an_email_queued_now_goes_out(now, moment, text):
    with translation.override("ja"):
        assert business_days.next_sending_moment(now) == moment
        assert business_days.sending_time_text(now) == text


def test_a_moment_a_week_away_is_given_with_its_date():
    # Monday 12/28 after hours: 12/29–1/3 are off, the next opening is Monday 1/4, a week later.
    with translation.override("ja"):
        text = business_days.sending_time_text(datetime.datetime(2026, 12, 28, 19, 0, tzinfo=JST))
    assert text == "1月4日（月曜） 9:00 に送信されます。"


@override_settings(OUTREACH_SEND_ON_BUSINESS_DAYS_ONLY=False)
def test_without_the_business_day_rule_a_saturday_evening_sends_on_sunday_morning():
    saturday_evening = datetime.datetime(2026, 11, 28, 19, 0, tzinfo=JST)
    assert business_days.next_sending_moment(saturday_evening) == datetime.datetime(2026, 11, 29, 9, tzinfo=JST)


@pytest.fixture
def saturday_desk(client):
    """The desk, logged in on a Saturday morning, outside the sending days."""
    with time_machine.travel(SATURDAY, tick=False):
        client.force_login(staff_user(roles.DESK))
        yield client


def test_send_now_on_a_saturday_asks_first_and_says_monday_9(saturday_desk, django_capture_on_commit_callbacks):
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋建設")
    url = reverse("admin:registrations_business_send_reminder", args=[business.pk])
    confirm = saturday_desk.get(url).content.decode()
    assert "次の事業者にメールで督促を送ります" in confirm and "株式会社髙橋建設" in confirm
    assert "月曜 9:00 に送信されます" in confirm and 'id="confirm-send"' in confirm
    assert not Notice.objects.exists()  # asking sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        page = saturday_desk.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert "メールによる督促を送信待ちにしました。月曜 9:00 に送信されます。" in page
    notice = Notice.objects.get(business=business, reason="manual")
    assert notice.status == "queued" and not mail.outbox  # held until Monday's opening


def test_send_now_for_a_business_without_email_says_how_it_goes_instead(saturday_desk):
    business = business_expiring(D(2027, 1, 31), email="")
    confirm = saturday_desk.get(reverse("admin:registrations_business_send_reminder", args=[business.pk]))
    assert "次の事業者にはがきで督促を送ります" in confirm.content.decode()
    assert "次回のはがき印刷バッチで印刷されます。" in confirm.content.decode()


def test_the_list_action_asks_first_then_queues(saturday_desk, django_capture_on_commit_callbacks):
    selected = [business_expiring(D(2027, 1, 31)).pk for _ in range(2)]
    confirm = saturday_desk.post(CHANGELIST, {"action": "send_reminder_now", "_selected_action": selected})
    assert "次の2件を送信します" in confirm.content.decode()
    assert "月曜 9:00 に送信されます" in confirm.content.decode()
    assert not Notice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = {"action": "send_reminder_now", "_selected_action": selected, "confirm": "1"}
        page = saturday_desk.post(CHANGELIST, confirmed, follow=True).content.decode()
    assert "2件の督促を送信待ちにしました。月曜 9:00 に送信されます。" in page
    assert Notice.objects.filter(reason="manual").count() == 2


def test_sending_uncertain_notices_again_asks_first(saturday_desk, django_capture_on_commit_callbacks):
    saturday_desk.force_login(staff_user(roles.SUPERVISOR))  # the supervisor decides to send again
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋建設")
    notice = services.notice_send_now(business=business)
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.UNCERTAIN)
    changelist = reverse("admin:outreach_notice_changelist")
    confirm = saturday_desk.post(changelist, {"action": "requeue", "_selected_action": [notice.pk]}).content.decode()
    assert "次の1件を送信します" in confirm and "株式会社髙橋建設：メール" in confirm
    assert "月曜 9:00 に送信されます" in confirm
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.UNCERTAIN
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = {"action": "requeue", "_selected_action": [notice.pk], "confirm": "1"}
        page = saturday_desk.post(changelist, confirmed, follow=True).content.decode()
    assert "1件の通知を再送待ちにしました。月曜 9:00 に送信されます。" in page
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.QUEUED
