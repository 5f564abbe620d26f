import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from ccus import roles
from outreach import scan
from outreach.models import Notice, NoticeTemplate, ReminderStep
from outreach.tests.factories import business_expiring
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@pytest.fixture
def desk(client):
    client.user = staff_user(roles.DESK)
    client.force_login(client.user)
    return client


def test_admin_index_shows_when_the_scan_last_ran(desk):
    assert "まだ実行されていません" in desk.get(reverse("admin:index")).content.decode()
    scan.run_scan(today=D(2026, 11, 27))
    assert "最終実行: 2026年11月27日" in desk.get(reverse("admin:index")).content.decode()


def test_business_page_lists_notices_newest_first_and_sends_now(desk, django_capture_on_commit_callbacks):
    business = business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 12, 1))
    page = desk.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    assert "通知(新しい順)" in page and "今すぐ督促を送る" in page
    with time_machine.travel(IN_HOURS, tick=False), django_capture_on_commit_callbacks(execute=True):
        desk.force_login(desk.user)  # a fresh session on the travelled-to day
        response = desk.post(reverse("admin:registrations_business_send_reminder", args=[business.pk]), follow=True)
    assert "メールによる督促を送信待ちにしました" in response.content.decode()
    assert Notice.objects.filter(business=business, reason="manual", status="sent").count() == 1
    assert len(mail.outbox) == 1


def test_send_now_needs_the_permission(client):
    client.force_login(staff_user(roles.OPERATOR))
    business = business_expiring(D(2027, 1, 31))
    response = client.post(reverse("admin:registrations_business_send_reminder", args=[business.pk]))
    assert response.status_code == 403
    assert not Notice.objects.exists()


def test_template_preview_renders_for_a_real_business(desk):
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋工務店")
    template = NoticeTemplate.objects.get(name="更新のお願い（メール）")
    url = reverse("admin:outreach_noticetemplate_preview", args=[template.pk])
    page = desk.get(url, {"business": business.ccus_id}).content.decode()
    assert "CCUS事業者登録更新のお願い" in page and "株式会社髙橋工務店 御中" in page and "2027年1月31日" in page
    assert (
        "事業者ID 99999999999999 の事業者はありません" in desk.get(url, {"business": "99999999999999"}).content.decode()
    )


def test_a_broken_template_is_reported_not_crashed(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    business_expiring(D(2027, 1, 31))
    template = NoticeTemplate.objects.create(name="壊れた文面", channel="email", subject="x", body="{% if %}")
    page = client.get(reverse("admin:outreach_noticetemplate_preview", args=[template.pk])).content.decode()
    assert "文面にエラーがあります" in page


def test_policy_steps_are_validated_in_japanese(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    step = ReminderStep.objects.filter(channel="email", days_before=30).get()
    policy_url = reverse("admin:outreach_reminderpolicy_change", args=[step.policy_id])
    page = client.get(policy_url)
    assert page.status_code == 200
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        "name": step.policy.name,
        "is_active": "on",
        "email_fallback": "postcard",
        "postcard_fallback": "phone",
        "phone_fallback": "skip",
        "max_call_attempts": "3",
        f"{formset.prefix}-TOTAL_FORMS": str(len(formset.forms)),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    for index, form in enumerate(formset.forms):
        for name in ["id", "name", "channel", "days_before", "last_days_before", "template", "call_script"]:
            value = form.initial.get(name, "")
            data[f"{formset.prefix}-{index}-{name}"] = value if value is not None else ""
        data[f"{formset.prefix}-{index}-policy"] = step.policy_id
        if form.instance.pk == step.pk:
            data[f"{formset.prefix}-{index}-last_days_before"] = "-3"
    response = client.post(policy_url, data)
    assert response.status_code == 200
    assert "期限前の段階を期限後に送ることはできません" in response.content.decode()
    step.refresh_from_db()
    assert step.last_days_before == 0


def test_notice_and_scan_changelists_answer(desk):
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 12, 1))
    for name in ["outreach_notice_changelist", "outreach_scanrun_changelist", "outreach_reminderpolicy_changelist"]:
        assert desk.get(reverse(f"admin:{name}")).status_code == 200
    notice = Notice.objects.first()
    assert desk.get(reverse("admin:outreach_notice_change", args=[notice.pk])).status_code == 200
