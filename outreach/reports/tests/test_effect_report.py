"""The effect report against a small data set computed by hand (see the fixture)."""

import datetime
import io

import openpyxl
import pytest
import time_machine

from ccus import roles
from outreach.models import Notice
from outreach.reports.effect import effect_report
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
JAN, FEB = D(2027, 1, 1), D(2027, 2, 1)


@pytest.fixture
def data_set():
    """January 2027 expiries: A e-mail, postcard, applied, approved (renewed); B e-mail, applied (pending);
    C e-mail and phone, lapsed; D nothing sent, applied and approved (renewed).
    February 2027: E applied the day before its e-mail went out (pending); F nothing yet (open).
    """
    policy = policy_with_steps(("email", 180, 0), ("postcard", 90, 0), ("phone", 45, 0))
    steps = {step.channel: step for step in policy.steps.all()}
    a, b, c, d = (business_expiring(D(2027, 1, 31)) for _ in range(4))
    e = business_expiring(D(2027, 2, 28))
    business_expiring(D(2027, 2, 28))  # F: nothing sent, nothing applied

    def sent(business, channel, day):
        step = steps[channel]
        Notice.objects.create(
            business=business,
            term=business.terms.get(),
            step=step,
            template=step.template,
            channel=channel,
            status="sent",
            due_on=day,
            scheduled_for=day,
            sent_at=datetime.datetime(day.year, day.month, day.day, 10, tzinfo=JST),
        )

    def apply(business, day, approve_on=None):
        with time_machine.travel(day):  # recorded on the day it came (dates cannot be in the future)
            case = renewal_services.renewal_record_application(business=business, received_on=day, channel="online")
        if approve_on:
            with time_machine.travel(approve_on):
                renewal_services.renewal_approve(case=case, approved_on=approve_on)

    sent(a, "email", D(2026, 12, 1))
    sent(a, "postcard", D(2026, 12, 10))
    apply(a, D(2026, 12, 15), approve_on=D(2026, 12, 20))
    sent(b, "email", D(2026, 12, 1))
    apply(b, D(2027, 1, 10))
    sent(c, "email", D(2026, 12, 1))
    sent(c, "phone", D(2026, 12, 20))
    apply(d, D(2026, 12, 5), approve_on=D(2026, 12, 6))
    apply(e, D(2027, 1, 4))
    sent(e, "email", D(2027, 1, 5))
    renewal_services.mark_lapsed(today=D(2027, 2, 1))
    return steps


def test_outcomes_per_expiry_month(data_set):
    report = effect_report(first_month=JAN, last_month=FEB)
    assert [(row.month, row.counts) for row in report.months] == [
        (JAN, {"renewed": 2, "pending": 1, "lapsed": 1, "open": 0}),
        (FEB, {"renewed": 0, "pending": 1, "lapsed": 0, "open": 1}),
    ]


def test_the_last_contact_before_each_application(data_set):
    report = effect_report(first_month=JAN, last_month=FEB)
    january, february = report.months
    assert sorted(january.last_contacts) == [("", "", 1), ("email", "email 180", 1), ("postcard", "postcard 90", 1)]
    assert february.last_contacts == [("", "", 1)]


def test_the_renewal_rate_by_the_mix_of_channels(data_set):
    report = effect_report(first_month=JAN, last_month=FEB)
    assert [(mix.channels, mix.terms, mix.renewed) for mix in report.mixes] == [
        ((), 2, 1),
        (("email",), 2, 2),
        (("email", "postcard"), 1, 1),
        (("email", "phone"), 1, 0),
    ]
    assert [mix.rate for mix in report.mixes] == [0.5, 1.0, 1.0, 0.0]


def test_months_outside_the_range_are_left_out(data_set):
    assert [row.month for row in effect_report(first_month=FEB, last_month=FEB).months] == [FEB]


def test_the_supervisor_downloads_the_report_as_xlsx(client, data_set):
    staff_user(roles.SUPERVISOR, "sv1")
    client.login(username="sv1", password="pass-Word-1234")
    page = client.get("/admin/outreach/effectreport/", {"first_month": "2027-01", "last_month": "2027-02"})
    assert page.status_code == 200 and "有効期限の月" in page.content.decode()
    response = client.get(
        "/admin/outreach/effectreport/", {"first_month": "2027-01", "last_month": "2027-02", "format": "xlsx"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="effect-202701-202702')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    months, last, mixes, _answers = workbook.worksheets
    assert [list(row) for row in months.iter_rows(values_only=True)][1:] == [
        ["2027-01", 2, 1, 1, 0, 4],
        ["2027-02", 0, 1, 0, 1, 2],
    ]
    assert ["2027-02", "接触なし", None, 1] in [list(row) for row in last.iter_rows(values_only=True)]
    assert [list(row) for row in mixes.iter_rows(values_only=True)][1:] == [
        ["接触なし", 2, 1, 0.5],
        ["メール", 2, 2, 1.0],
        ["メール＋はがき", 1, 1, 1.0],
        ["メール＋電話", 1, 0, 0.0],
    ]
    assert workbook.sheetnames == ["有効期限の月別", "申請前の最後の接触", "接触経路の組合せ別", "回答"]
    assert all(sheet.freeze_panes == "A2" and sheet.auto_filter.ref for sheet in workbook)
    assert mixes["D2"].data_type == "n" and mixes["D2"].number_format == "0.0%"


def test_a_bad_month_falls_back_with_a_message_and_operators_cannot_see_the_report(client):
    staff_user(roles.SUPERVISOR, "sv1")
    client.login(username="sv1", password="pass-Word-1234")
    page = client.get("/admin/outreach/effectreport/", {"first_month": "2027-13"})
    assert page.status_code == 200 and "日付を正しく入力してください" in page.content.decode()
    staff_user(roles.OPERATOR, "op1")
    client.login(username="op1", password="pass-Word-1234")
    assert client.get("/admin/outreach/effectreport/").status_code == 403
