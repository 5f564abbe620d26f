"""Supervisors see calls made and outcomes per operator and day."""

import datetime

import pytest

from ccus import roles
from outreach.calls import selectors as call_selectors
from outreach.models import CallAttempt, Notice, NoticeTemplate
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def calls_made():
    business = BusinessFactory()
    notice = Notice.objects.create(
        business=business,
        template=NoticeTemplate.objects.filter(channel="phone").first(),
        channel="phone",
        due_on=D(2027, 3, 1),
        scheduled_for=D(2027, 3, 1),
    )
    op1, op2 = staff_user(roles.OPERATOR, "op1"), staff_user(roles.OPERATOR, "op2")
    made = [
        (op1, datetime.datetime(2027, 3, 1, 9, 5, tzinfo=JST), "no_answer"),
        (op1, datetime.datetime(2027, 3, 1, 17, 55, tzinfo=JST), "will_renew"),
        (op1, datetime.datetime(2027, 3, 2, 8, 30, tzinfo=JST), "no_answer"),  # 23:30 UTC the day before
        (op2, datetime.datetime(2027, 3, 1, 10, 0, tzinfo=JST), "wrong_number"),
        (op1, datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST), "no_answer"),
    ]
    for operator, started_at, outcome in made:
        CallAttempt.objects.create(
            notice=notice, operator=operator, started_at=started_at, ended_at=started_at, outcome=outcome
        )


def test_calls_are_counted_per_operator_and_japanese_day(calls_made):
    rows = call_selectors.call_stats(since=D(2027, 3, 1), until=D(2027, 3, 2))
    got = [(row.day, row.operator, {k: v for k, v in row.outcomes.items() if v}, row.total) for row in rows]
    assert got == [
        (D(2027, 3, 2), "op1", {"no_answer": 2}, 2),
        (D(2027, 3, 1), "op1", {"no_answer": 1, "will_renew": 1}, 2),
        (D(2027, 3, 1), "op2", {"wrong_number": 1}, 1),
    ]


def test_the_supervisor_page_shows_the_counts_and_operators_may_not_see_it(client, calls_made):
    staff_user(roles.SUPERVISOR, "sv1")
    client.login(username="sv1", password="pass-Word-1234")
    page = client.get("/admin/outreach/callstats/", {"since": "2027-03-01", "until": "2027-03-02"})
    html = page.content.decode()
    assert page.status_code == 200 and "番号違い" in html and "op2" in html
    client.login(username="op1", password="pass-Word-1234")
    assert client.get("/admin/outreach/callstats/").status_code == 403
