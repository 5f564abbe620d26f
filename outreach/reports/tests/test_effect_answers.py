"""The effect report's line per answer type: answered, renewed afterwards, postcards and calls saved.

Three businesses expiring 2027-03-31 on the ladder of outreach/tests/answer_helpers (e-mail
2026-12-01, postcard 2026-12-31, call 2027-01-30), each answering on its e-mail's page:
- A: 更新申請します by 2027-01-10 (pause to 01-24): its postcard is skipped, its call goes out;
  it applies on 02-01 and is approved on 02-02 → answered 1, renewed 1, postcards saved 1;
- B: 申請済み, never decided → postcard and call skipped: postcards 1, calls 1;
- C: 廃業, confirmed on 2027-01-05 → postcard skipped (pending), the call never written: postcards 1.
"""

import datetime
import io

import openpyxl
import pytest
import time_machine

from ccus import roles
from outreach import answers, scan
from outreach.models import Answer
from outreach.reports.effect import effect_report
from outreach.tests.answer_helpers import JST, NOW, emailed_business, ladder
from registrations.tests.factories import staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
MARCH = D(2027, 3, 1)


def _on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=JST), tick=False)


@pytest.fixture
def answered():
    ladder()
    desk = staff_user(roles.DESK)
    with _on(NOW.date()):
        (a, a_notice), (_b, b_notice), (_c, c_notice) = (emailed_business() for _ in range(3))
        answers.answer_record(notice=a_notice, kind=Answer.Kind.WILL_APPLY, details={"on_date": D(2027, 1, 10)})
        answers.answer_record(notice=b_notice, kind=Answer.Kind.APPLIED, details={"on_date": D(2026, 11, 20)})
        closed = answers.answer_record(notice=c_notice, kind=Answer.Kind.CLOSED, details={"on_date": D(2026, 11, 30)})
    with _on(D(2026, 12, 31)):
        scan.run_scan(today=D(2026, 12, 31))
    with _on(D(2027, 1, 5)):
        answers.answer_confirm(answer=closed, user=desk)
    with _on(D(2027, 1, 30)):
        scan.run_scan(today=D(2027, 1, 30))
    with _on(D(2027, 2, 1)):
        case = renewal_services.renewal_record_application(business=a, received_on=D(2027, 2, 1), channel="online")
    with _on(D(2027, 2, 2)):
        renewal_services.renewal_approve(case=case, approved_on=D(2027, 2, 2))


def _lines(report):
    return {row.kind: (row.answered, row.renewed, row.postcards_saved, row.calls_saved) for row in report.answers}


def test_a_line_per_answer_type(answered):
    report = effect_report(first_month=MARCH, last_month=MARCH)
    assert _lines(report) == {
        Answer.Kind.WILL_APPLY: (1, 1, 1, 0),
        Answer.Kind.APPLIED: (1, 0, 1, 1),
        Answer.Kind.AGENT: (0, 0, 0, 0),
        Answer.Kind.CLOSED: (1, 0, 1, 0),
        Answer.Kind.MERGED: (0, 0, 0, 0),
        Answer.Kind.CONTACT: (0, 0, 0, 0),
    }
    # Answers about other months' terms are not counted in this one.
    assert all(
        line == (0, 0, 0, 0)
        for line in _lines(effect_report(first_month=D(2027, 4, 1), last_month=D(2027, 4, 1))).values()
    )


def test_the_page_and_the_workbook_show_the_lines(answered, client):
    client.force_login(staff_user(roles.SUPERVISOR))
    url = "/admin/outreach/effectreport/?first_month=2027-03&last_month=2027-03"
    page = client.get(url).content.decode()
    assert "事業者の回答ページからの回答" in page
    assert "<tr><td>更新申請します</td>" in page.replace("\n", "")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content), read_only=True)
    rows = list(workbook["回答"].iter_rows(values_only=True))
    assert rows[0] == ("回答", "回答数", "その後更新", "節約したはがき", "節約した電話")
    assert ("申請済みです", 1, 0, 1, 1) in rows
