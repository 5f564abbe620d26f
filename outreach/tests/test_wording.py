"""Staff-written wording reaches only its plain values: refused on save, inert when rendered."""

import datetime
import html
import importlib

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from ccus import roles
from outreach import outbox, rendering, scan, sending
from outreach.calls import services as calls
from outreach.models import Notice, NoticeTemplate, ReminderStep
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
IN_HOURS = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning

# What a template editor tried, and the Japanese words the refusal must carry.
REFUSED = [
    ("{{ business.prefecture.business_set.all }}", "「business.prefecture.business_set.all」という項目はありません"),
    ("{{ business.name }}", "「business.name」という項目はありません"),
    ("{% load static %}", "「{% load %}」のようなタグは使えません"),
    ("{% debug %}", "「{% debug %}」のようなタグは使えません"),
    ("{% url 'admin:index' %}", "「{% url %}」のようなタグは使えません"),
    ('{% include "admin/base.html" %}', "「{% include %}」のようなタグは使えません"),
    ('{% extends "admin/base.html" %}', "「{% extends %}」のようなタグは使えません"),
    ('{% ssi "/etc/passwd" %}', "「{% ssi %}」のようなタグは使えません"),
    ('{{ expires_on|date:"Y" }}', "「|date」のようなフィルターは使えません"),
    ("{{ ccus_id.__class__ }}", "「ccus_id.__class__」という項目はありません"),
    ("{# note #}", "コメント「{# … #}」は使えません"),
    ("残り{{ days_left 日", "「{{」が閉じられていません"),
]


@pytest.fixture
def supervisor(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    return client


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_the_template_admin_refuses_wording_that_reaches_outside_its_values(supervisor, body, message):
    template = NoticeTemplate.objects.get(name="更新のお願い（メール）")
    before = template.body
    url = reverse("admin:outreach_noticetemplate_change", args=[template.pk])
    data = {"name": template.name, "channel": template.channel, "subject": template.subject, "body": body}
    response = supervisor.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    page = html.unescape(response.content.decode())
    assert message in page
    template.refresh_from_db()
    assert template.body == before

    response = supervisor.post(reverse("admin:outreach_noticetemplate_add"), {**data, "name": "新しい文面"})
    assert message in html.unescape(response.content.decode())
    assert not NoticeTemplate.objects.filter(name="新しい文面").exists()


def test_the_admin_refuses_a_subject_that_reaches_outside_and_lists_the_variables(supervisor):
    template = NoticeTemplate.objects.get(name="更新のお願い（メール）")
    url = reverse("admin:outreach_noticetemplate_change", args=[template.pk])
    page = html.unescape(supervisor.get(url).content.decode())
    assert "使える項目" in page and "{{ business_name }}: 商号" in page and "{{ renewal_url }}" in page
    data = {"name": template.name, "channel": "email", "subject": "{% debug %}", "body": template.body}
    page = html.unescape(supervisor.post(url, data).content.decode())
    assert "「{% debug %}」のようなタグは使えません" in page


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_full_clean_refuses_the_same_in_japanese(body, message):
    template = NoticeTemplate(name="x", channel="email", subject="件名", body=body)
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert message in " ".join(refused.value.message_dict["body"])


def test_a_subject_with_a_line_break_is_refused():
    template = NoticeTemplate(name="x", channel="email", subject="件名\r\nBcc: all@example.jp", body="本文")
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "件名は1行にしてください" in " ".join(refused.value.message_dict["subject"])


def test_a_call_script_is_checked_the_same_way():
    step = ReminderStep.objects.filter(channel="phone").first()
    step.call_script = "{{ business.prefecture.business_set.all }}"
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert "という項目はありません" in " ".join(refused.value.message_dict["call_script"])


def test_the_seeded_wording_was_migrated_to_the_plain_variables():
    for template in NoticeTemplate.objects.all():
        template.full_clean()
    for step in ReminderStep.objects.all():
        step.full_clean()
    assert "{{ business_name }}様" in ReminderStep.objects.filter(channel="phone").first().call_script


def test_the_migration_rewrites_the_variables_it_knows_and_leaves_the_rest():
    migration = importlib.import_module("outreach.migrations.0017_plain_wording")
    text = "{{ business.name }} {{business.ccus_id}} {{ expires_on|date:\"Y年n月j日\" }} {{ renew_by|date:'n/j' }}"
    assert migration.plain(text) == "{{ business_name }} {{ ccus_id }} {{ expires_on }} {{ renew_by }}"
    unknown = "{{ business.prefecture.name }} {% now 'Y' %}"
    assert migration.plain(unknown) == unknown


# Wording written to the database past the admin's check: it must still reach nothing.
WALKS = (
    "{% for b in business.prefecture.business_set.all %}{{ b.email }} {% endfor %}"
    "{{ business.history.first.history_user.password }}"
    "{{ business.history.first.history_user.totpdevice_set.first.key }}"
)


@pytest.fixture
def walk_in_the_database():
    """A business last changed by an administrator, a neighbour in its prefecture, and a template walking to both."""
    admin = User.objects.create_superuser("root", password="Root-pass-1234")
    neighbour = BusinessFactory(email="neighbour-secret@example.jp", expires_on=D(2029, 6, 30))
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋工務店", email="takahashi@example.jp")
    business._history_user = admin
    business.save()
    assert business.history.first().history_user == admin
    policy_with_steps(("email", 90, 0))
    NoticeTemplate.objects.filter(name="test email").update(subject=WALKS, body=WALKS)  # no clean(): raw
    return {"business": business, "secrets": [admin.password, neighbour.email]}


def test_wording_saved_past_the_check_exposes_nothing_when_sent(walk_in_the_database):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 12, 1))
    notice = Notice.objects.get(business=walk_in_the_database["business"], channel="email")
    with time_machine.travel(IN_HOURS, tick=False):
        result = outbox.send_email_task.apply(args=[notice.pk], throw=False)
    notice.refresh_from_db()
    written = " ".join(
        [str(result.result), notice.subject, notice.body, notice.last_error]
        + [message.subject + message.body for message in mail.outbox]
    )
    for secret in walk_in_the_database["secrets"]:
        assert secret not in written
    assert not mail.outbox and notice.status == "failed"


def test_wording_saved_past_the_check_exposes_nothing_in_the_preview(client, walk_in_the_database):
    client.force_login(staff_user(roles.DESK))
    template = NoticeTemplate.objects.get(name="test email")
    url = reverse("admin:outreach_noticetemplate_preview", args=[template.pk])
    page = html.unescape(client.get(url, {"business": walk_in_the_database["business"].ccus_id}).content.decode())
    for secret in walk_in_the_database["secrets"]:
        assert secret not in page
    assert "文面にエラーがあります" in page


def test_a_call_script_saved_past_the_check_exposes_nothing_on_the_call_screen(client, walk_in_the_database):
    policy_with_steps(("phone", 45, 0), name="phone policy")
    ReminderStep.objects.filter(policy__name="phone policy").update(call_script=WALKS)  # no clean(): raw
    morning = datetime.datetime(2026, 12, 22, 10, 0, tzinfo=JST)
    scan.run_scan(today=morning.date())
    notice = Notice.objects.get(business=walk_in_the_database["business"], channel="phone")
    operator = staff_user(roles.OPERATOR, "op1")
    task = calls.call_claim_next(operator=operator, now=morning)
    assert task.notice == notice
    with time_machine.travel(morning, tick=False):
        client.force_login(operator)
        page = html.unescape(client.get(reverse("admin:outreach_calltask_call", args=[task.pk])).content.decode())
    for secret in walk_in_the_database["secrets"]:
        assert secret not in page
    assert "通話スクリプトにエラーがあります" in page


def test_the_preview_shows_exactly_what_is_sent(client):
    business = business_expiring(D(2027, 1, 31), name="株式会社髙橋工務店", email="takahashi@example.jp")
    template = NoticeTemplate.objects.get(name="更新のお願い（メール）")
    template.subject = "{{ business_name }} 様 更新のお願い（残り{{ days_left }}日）"
    template.full_clean()
    template.save()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 12, 1))
    notice = Notice.objects.get(business=business, channel="email")
    desk = staff_user(roles.DESK)
    with time_machine.travel(IN_HOURS, tick=False):
        client.force_login(desk)  # a fresh session on the travelled-to day
        url = reverse("admin:outreach_noticetemplate_preview", args=[template.pk])
        response = client.get(url, {"business": business.ccus_id})
        assert sending.email_send(notice_id=notice.pk) == "sent"
    (message,) = mail.outbox
    assert (response.context["subject"], response.context["body"]) == (message.subject, message.body)
    assert html.escape(message.body) in response.content.decode()
    assert message.subject == "株式会社髙橋工務店 様 更新のお願い（残り61日）"
    assert "2027年1月31日" in message.body and "2026年12月31日までに更新申請" in message.body


def test_values_are_put_in_once_never_read_as_wording():
    business = BusinessFactory.build(name="{{ desk_phone }}{% debug %}", ccus_id="12345678901234")
    template = NoticeTemplate(name="x", channel="email", subject="{{ business_name }}", body="{{ business_name }}")
    subject, body = rendering.render(
        template, channel="email", business=business, expires_on=D(2027, 1, 31), today=D(2026, 12, 1)
    )
    assert subject == "{{ desk_phone }}{% debug %}"
    assert body.count("{{ desk_phone }}{% debug %}") == 2  # the template's body and the layout's addressee
