"""The phone desk's admin pages open for the roles that use them, and the desk's list works."""

import datetime

import pytest

from ccus import roles
from outreach.calls import services as calls
from outreach.models import RenewalCheck
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


@pytest.fixture
def reported():
    """A business that told an operator it has already applied."""
    policy_with_steps(("phone", 45, 15))
    notice = phone_notice(datetime.date(2027, 4, 9), today=MORNING.date())
    operator = staff_user(roles.OPERATOR, "op1")
    task = calls.call_claim_next(operator=operator, now=MORNING)
    calls.call_record(task_id=task.pk, operator=operator, outcome="already_applied", note="3/1 郵送", now=MORNING)
    return notice.business


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (roles.OPERATOR, "/admin/outreach/calltask/"),
        (roles.OPERATOR, "/admin/outreach/callattempt/"),
        (roles.DESK, "/admin/outreach/renewalcheck/"),
        (roles.DESK, "/admin/outreach/bounce/"),
        (roles.DESK, "/admin/outreach/bounce/upload/"),
        (roles.SUPERVISOR, "/admin/outreach/callstats/"),
        (roles.SUPERVISOR, "/admin/outreach/effectreport/"),
    ],
)
def test_each_role_opens_its_pages(client, reported, role, url):
    staff_user(role, "someone")
    client.login(username="someone", password="pass-Word-1234")
    assert client.get(url).status_code == 200


def test_the_desk_sees_the_already_applied_list_and_checks_it_off(client, reported):
    desk = staff_user(roles.DESK, "desk1")
    client.login(username="desk1", password="pass-Word-1234")
    page = client.get("/admin/outreach/renewalcheck/").content.decode()
    assert reported.ccus_id in page and "3/1 郵送" in page
    check = RenewalCheck.objects.get()
    client.post(
        "/admin/outreach/renewalcheck/", {"action": "mark_checked", "_selected_action": [check.pk]}, follow=True
    )
    check.refresh_from_db()
    assert check.checked_by == desk and check.checked_at is not None
    assert reported.ccus_id not in client.get("/admin/outreach/renewalcheck/").content.decode()


def test_an_operator_cannot_open_someone_elses_call(client, reported):
    phone_notice(datetime.date(2027, 4, 10), today=MORNING.date())
    task = calls.call_claim_next(operator=staff_user(roles.OPERATOR, "op2"), now=MORNING)
    client.login(username="op1", password="pass-Word-1234")
    response = client.get(f"/admin/outreach/calltask/{task.pk}/call/", follow=True)
    assert "あなたの担当ではありません" in response.content.decode()
