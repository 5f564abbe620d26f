"""The admin home says what each role has to do today: counts that link to exactly those rows.

Each test builds a day of work for one role, opens the home page over HTTP as that role, reads
the counts and links of its to-do list from the page, follows every link and checks that the
list there shows the rows counted — in a bounded number of queries.
"""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import User
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from ccus import roles
from outreach import scan
from outreach.models import (
    Answer,
    AssociationStaff,
    CallTask,
    Notice,
    PostcardBatch,
    RenewalCheck,
    ReturnedMail,
    SubcontractorList,
)
from outreach.reports import snapshots
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import AssociationFactory, MembershipFactory, staff_user
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 10, 5, 10, 30, tzinfo=TOKYO)  # a Monday morning
TODAY = NOW.date()
# The home page's own queries (session, user, groups, permissions, app list, the last scan) plus the role's.
MAX_QUERIES = 20

ROW = re.compile(
    r'<tr class="todo-item[^"]*">\s*<th scope="row"><a href="(?P<url>[^"]+)">(?P<label>[^<]+)</a>'
    r'(?:<div class="todo-note">(?P<note>[^<]*)</div>)?</th>\s*'
    r'<td class="todo-count">(?:<a href="[^"]+">(?P<count>[\d,]+)件(?P<more>以上)?</a>)?</td>'
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def home(client, user, django_assert_max_num_queries):
    """The home page as `user`: its <h1> and its to-do items as {label: (count or None, url, note)}."""
    client.force_login(user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    title = re.search(r"<h1>([^<]*)</h1>", html).group(1)
    items = {}
    for match in ROW.finditer(html):
        count = int(match["count"].replace(",", "")) if match["count"] else None
        items[unescape(match["label"])] = (count, unescape(match["url"]), unescape(match["note"] or ""))
    return title, items


def listed(client, url) -> set[int]:
    """The primary keys a changelist at `url` shows (it must accept every filter of the link)."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert not list(response.context["messages"]), "the list dropped a filter of the link"
    return {obj.pk for obj in response.context["cl"].result_list}


def _application(business):
    return renewal_services.renewal_record_application(business=business, received_on=TODAY, channel="desk")


def test_the_desk_sees_applications_uncertain_notices_returned_mail_and_renewals_to_check(
    client, django_assert_max_num_queries
):
    policy_with_steps(("email", 60, 0))
    pending = [_application(business_expiring(datetime.date(2026, 11, 30))) for _ in range(2)]
    withdrawn = _application(business_expiring(datetime.date(2026, 11, 30)))
    renewal_services.renewal_withdraw(case=withdrawn)
    uncertain = [business_expiring(datetime.date(2026, 11, 15)) for _ in range(3)]
    scan.run_scan(today=TODAY)
    notices = Notice.objects.filter(business__in=uncertain, channel="email")
    notices.exclude(pk=notices.first().pk).update(status=Notice.Status.UNCERTAIN)
    flagged = [business_expiring(datetime.date(2027, 3, 31), address_undeliverable_since=TODAY) for _ in range(2)]
    returned = [ReturnedMail.objects.create(business=b, returned_on=TODAY) for b in flagged]
    corrected = business_expiring(datetime.date(2027, 3, 31))
    ReturnedMail.objects.create(business=corrected, returned_on=TODAY)
    check = RenewalCheck.objects.create(business=corrected, reported_at=NOW)
    RenewalCheck.objects.create(business=flagged[0], reported_at=NOW, checked_at=NOW)
    answers = [
        Answer.objects.create(business=n.business, notice=n, kind="applied", status=status, answered_at=NOW)
        for n, status in zip(notices.order_by("pk"), ["pending", "pending", "confirmed"], strict=True)
    ]

    desk = staff_user(roles.DESK, "desk-home")
    title, items = home(client, desk, django_assert_max_num_queries)

    assert title == "登録窓口"
    counts = {label: count for label, (count, _url, _note) in items.items()}
    assert counts == {
        "承認待ちの更新申請": 2,
        "送信されたか不確かな通知（確認して処理）": 2,
        "住所が未修正の宛所不明郵便": 2,
        "申請済みと回答した事業者（更新を確認）": 1,
        "確認・却下を待つ事業者からの回答": 2,
    }
    urls = {label: url for label, (_count, url, _note) in items.items()}
    assert listed(client, urls["承認待ちの更新申請"]) == {case.pk for case in pending}
    expected_notices = set(Notice.objects.filter(status=Notice.Status.UNCERTAIN).values_list("pk", flat=True))
    assert listed(client, urls["送信されたか不確かな通知（確認して処理）"]) == expected_notices
    assert listed(client, urls["住所が未修正の宛所不明郵便"]) == {mail.pk for mail in returned}
    assert listed(client, urls["申請済みと回答した事業者（更新を確認）"]) == {check.pk}
    assert listed(client, urls["確認・却下を待つ事業者からの回答"]) == {answer.pk for answer in answers[:2]}


def _phone_work():
    """Three first calls due this morning, one tomorrow, and callbacks promised by two operators."""
    policy_with_steps(("phone", 45, 0))
    businesses = [business_expiring(datetime.date(2026, 11, 10)) for _ in range(6)]
    scan.run_scan(today=TODAY)
    tasks = list(CallTask.objects.filter(notice__business__in=businesses).order_by("pk"))
    assert len(tasks) == 6 and all(task.due_at <= NOW for task in tasks)
    later = tasks[3]
    CallTask.objects.filter(pk=later.pk).update(due_at=NOW + datetime.timedelta(days=1))
    return tasks


def test_an_operator_sees_calls_due_now_and_the_callbacks_they_promised(client, django_assert_max_num_queries):
    tasks = _phone_work()
    operator = staff_user(roles.OPERATOR, "operator-home")
    other = staff_user(roles.OPERATOR, "operator-other")
    promised = []
    for task, who, hours in [(tasks[4], operator, 3), (tasks[5], other, 1)]:
        CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.DONE)
        callback = CallTask.objects.create(
            notice=task.notice,
            kind=CallTask.Kind.CALLBACK,
            due_at=NOW + datetime.timedelta(hours=hours),
            assigned_to=who,
            expires_on=task.expires_on,
        )
        if who == operator:
            promised.append(callback)

    title, items = home(client, operator, django_assert_max_num_queries)

    assert title == "電話オペレーター"
    due, due_url, _note = items["いま架けられる電話"]
    assert due == 3
    assert listed(client, due_url) == {tasks[0].pk, tasks[1].pk, tasks[2].pk}
    count, url, note = items["約束した折り返し"]
    assert (count, note) == (1, "次は 2026-10-05 13:30")
    assert listed(client, url) == {callback.pk for callback in promised}


def _stale_schedules() -> set[int]:
    """Every seeded schedule fresh, then one late interval, one late crontab, one disabled and one on time."""
    PeriodicTask.objects.update(last_run_at=NOW - datetime.timedelta(minutes=1), enabled=True)
    every_5 = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    daily_7 = CrontabSchedule.objects.create(minute="0", hour="7", timezone="Asia/Tokyo")
    late_interval = PeriodicTask.objects.create(
        name="late interval", task="x.late", interval=every_5, last_run_at=NOW - datetime.timedelta(minutes=30)
    )
    late_crontab = PeriodicTask.objects.create(
        name="late crontab", task="x.cron", crontab=daily_7, last_run_at=NOW - datetime.timedelta(days=1, hours=3)
    )
    disabled = PeriodicTask.objects.create(name="disabled", task="x.off", interval=every_5, enabled=False)
    PeriodicTask.objects.create(
        name="on time", task="x.ok", crontab=daily_7, last_run_at=NOW - datetime.timedelta(hours=3, minutes=30)
    )
    return {late_interval.pk, late_crontab.pk, disabled.pk}


def _supervisor_work():
    snapshot = snapshots.snapshot_refresh(today=TODAY)
    # After the snapshot: the home page must not count it (it reads the snapshot, not the register).
    _application(business_expiring(datetime.date(2026, 11, 30)))
    ready = [PostcardBatch.objects.create(for_date=TODAY, status=PostcardBatch.Status.READY) for _ in range(2)]
    PostcardBatch.objects.create(for_date=TODAY, status=PostcardBatch.Status.POSTED)
    prime = business_expiring(datetime.date(2027, 3, 31))
    undelivered = SubcontractorList.objects.create(scope="prime", prime=prime, as_of=TODAY, status="done")
    SubcontractorList.objects.create(scope="prime", prime=prime, as_of=TODAY, status="done", delivered_at=NOW)
    SubcontractorList.objects.create(scope="prime", prime=prime, as_of=TODAY, status="queued")
    return snapshot, ready, undelivered, _stale_schedules()


@pytest.mark.parametrize(
    ("role", "title"), [(roles.SUPERVISOR, "監督者"), (roles.ADMINISTRATOR, "管理者"), (None, "管理者")]
)
def test_supervisors_and_administrators_see_the_year_batches_lists_and_stopped_schedules(
    client, django_assert_max_num_queries, role, title
):
    snapshot, ready, undelivered, stale = _supervisor_work()
    if role is None:
        user = User.objects.create_superuser("root-home", password="pass-Word-1234")
    else:
        user = staff_user(role, "supervisor-home")

    page_title, items = home(client, user, django_assert_max_num_queries)

    assert page_title == title
    progress = snapshot.data["progress"]
    renewals, url, note = items["今年度の更新申請"]
    assert renewals == progress["renewals"]["count"] == 0  # the application came after the snapshot
    assert url == "/admin/outreach/dashboard/"
    assert note == "目標 32,000 件の 0.0%（2026-10-05 10:30 時点）"
    assert items["今年度の新規登録"][0] == progress["registrations"]["count"]
    count, url, _note = items["印刷待ちのはがきバッチ"]
    assert count == 2 and listed(client, url) == {batch.pk for batch in ready}
    count, url, _note = items["作成済みで未配布の下請リスト"]
    assert count == 1 and listed(client, url) == {undelivered.pk}
    count, url, note = items["止まっている定期実行（無効・遅れ）"]
    assert count == 3 and listed(client, url) == stale
    assert note == "disabled, late crontab, late interval"


def test_association_staff_see_their_members_expiring_soon_and_their_latest_list(client, django_assert_max_num_queries):
    association, elsewhere = AssociationFactory(), AssociationFactory()
    expiring = [business_expiring(datetime.date(2026, 12, 1)) for _ in range(2)]
    applied = business_expiring(datetime.date(2026, 12, 1))
    _application(applied)
    later = business_expiring(datetime.date(2027, 6, 30))
    for business in [*expiring, applied, later]:
        MembershipFactory(business=business, association=association)
    MembershipFactory(business=business_expiring(datetime.date(2026, 12, 1)), association=elsewhere)
    older = SubcontractorList.objects.create(scope="association", association=association, as_of=TODAY, status="done")
    latest = SubcontractorList.objects.create(
        scope="association", association=association, as_of=TODAY, status="done", row_count=1234
    )
    SubcontractorList.objects.create(scope="association", association=elsewhere, as_of=TODAY, status="done")
    assert older.pk < latest.pk
    staff = staff_user(roles.ASSOCIATION_STAFF, "association-home")
    AssociationStaff.objects.create(user=staff, association=association)

    title, items = home(client, staff, django_assert_max_num_queries)

    assert title == "団体職員"
    count, url, _note = items["90日以内に期限が来る未申請の会員"]
    assert count == 2
    assert listed(client, url) == {business.pk for business in expiring}
    count, url, note = items["最新の下請更新状況リスト"]
    assert count is None
    assert url == f"/admin/outreach/subcontractorlist/{latest.pk}/change/"
    assert note == f"{association.name}（2026-10-05 基準）：完了、1,234 行"
    assert client.get(url).status_code == 200


def test_counts_stop_at_the_cap_and_say_so(client, django_assert_max_num_queries, monkeypatch):
    from ccus import paginator

    monkeypatch.setattr(paginator, "COUNT_CAP", 2)
    monkeypatch.setattr("outreach.admin_todo.COUNT_CAP", 2)
    for _ in range(3):
        PostcardBatch.objects.create(for_date=TODAY, status=PostcardBatch.Status.READY)
    _title, items = home(client, staff_user(roles.SUPERVISOR, "cap-home"), django_assert_max_num_queries)
    html = client.get("/admin/").content.decode()
    assert items["印刷待ちのはがきバッチ"][0] == 2
    assert "2件以上" in html


def test_a_staff_member_without_a_role_gets_a_neutral_title_and_no_list(client, django_assert_max_num_queries):
    user = User.objects.create_user("no-role", password="pass-Word-1234", is_staff=True)
    title, items = home(client, user, django_assert_max_num_queries)
    assert title == "ホーム"
    assert items == {}
